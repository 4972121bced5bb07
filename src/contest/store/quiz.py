"""Quiz attempts and the week's standings they feed: a submission is stored with its standing in one transaction."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from contest.adapters.config import STANDING_SHARDS
from contest.rules.errors import Busy
from contest.rules.model import Attempt, StandingRecord
from contest.store import tables
from contest.store.conditions import cancelled, put_once
from contest.store.keys import (
    ATTEMPT_PREFIX,
    account_pk,
    attempt_sk,
    attempt_week_prefix,
    shard_of,
    standing_pk,
    unit_week_index_pk,
)
from contest.store.mapping import attempt_from_item, standing_attributes, standing_from_item
from contest.store.records import Submission
from contest.store.tables import AttemptItem, StandingItem


class QuizStore:
    def __init__(self, shards: int = STANDING_SHARDS) -> None:
        self.shards = shards

    def create_attempt(self, attempt: Attempt) -> bool:
        """Store a new attempt; False if that attempt number already exists (a concurrent start)."""
        item = AttemptItem(
            pk=account_pk(attempt.account_id),
            sk=attempt_sk(attempt.week, attempt.number),
            account_id=attempt.account_id,
            attempt_id=attempt.attempt_id,
            week=attempt.week,
            number=attempt.number,
            question_ids=list(attempt.question_ids),
            orders=list(attempt.orders),
            issued_at_ms=attempt.issued_at_ms,
            expires_at_ms=attempt.expires_at_ms,
            full_name=attempt.full_name,
            unit_id=attempt.unit_id,
            phone_masked=attempt.phone_masked,
        )
        return put_once(item)

    def attempts(self, account_id: str, week: int) -> list[Attempt]:
        prefix = attempt_week_prefix(week)
        return [
            attempt_from_item(AttemptItem.from_raw_data(raw))
            for raw in tables.query_partition(account_pk(account_id), prefix)
        ]

    def submitted_weeks(self, account_id: str) -> list[int]:
        """Weeks in which the account has a submitted attempt."""
        weeks = {
            int(item.week)
            for item in (
                AttemptItem.from_raw_data(raw) for raw in tables.query_partition(account_pk(account_id), ATTEMPT_PREFIX)
            )
            if item.submitted_at_ms is not None
        }
        return sorted(weeks)

    def record_submission(self, submitted: Attempt, standing: StandingRecord, is_best: bool) -> Submission:
        """Store the result on the attempt and the week's standing, atomically.

        Returns STORED, or ATTEMPT_TAKEN when the attempt was already submitted (possibly by our own earlier
        request whose response was lost), or STANDING_MOVED when another attempt of the same contestant changed
        the standing meanwhile (the caller re-reads and retries).
        """
        attempt_item = AttemptItem(pk=account_pk(submitted.account_id), sk=attempt_sk(submitted.week, submitted.number))
        standing_item = StandingItem(
            pk=standing_pk(submitted.week, shard_of(submitted.account_id, self.shards)),
            sk=submitted.account_id,
            **standing_attributes(standing),
            gsi1pk=unit_week_index_pk(submitted.week, standing.unit_id),
            gsi1sk=submitted.account_id,
        )
        first = standing.attempts == 1
        moved_guard = StandingItem.pk.does_not_exist() if first else StandingItem.attempts == standing.attempts - 1
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                tx.update(
                    attempt_item,
                    actions=_submitted_actions(submitted),
                    condition=AttemptItem.pk.exists() & AttemptItem.submitted_at_ms.does_not_exist(),
                )
                if is_best:
                    tx.save(standing_item, condition=moved_guard)
                else:
                    tx.update(
                        standing_item, actions=[StandingItem.attempts.set(standing.attempts)], condition=moved_guard
                    )
        except TransactWriteError as exc:
            # PynamoDB sends a transaction's puts before its updates: the reasons come back in that order
            attempt_at, standing_at = (1, 0) if is_best else (0, 1)
            failed = cancelled(exc)
            if len(failed) > attempt_at and failed[attempt_at]:
                return Submission.ATTEMPT_TAKEN
            if len(failed) > standing_at and failed[standing_at]:
                return Submission.STANDING_MOVED
            if getattr(exc, "cause_response_code", None) == "TransactionConflictException":
                raise Busy() from exc
            raise
        return Submission.STORED

    def standing(self, week: int, account_id: str) -> StandingRecord | None:
        try:
            item = StandingItem.get(
                standing_pk(week, shard_of(account_id, self.shards)), account_id, consistent_read=True
            )
        except DoesNotExist:
            return None
        return standing_from_item(item)

    def iter_standings(self, week: int) -> Iterator[StandingRecord]:
        """Every standing of a week, shard by shard, page by page (never all in memory as models)."""
        for shard in range(self.shards):
            for item in StandingItem.query(standing_pk(week, shard)):
                yield standing_from_item(item)


def _submitted_actions(submitted: Attempt) -> list[Action]:
    """What a submission sets on its attempt."""
    assert (
        submitted.submitted_at_ms is not None
        and submitted.prediction is not None
        and submitted.duration_ms is not None
        and submitted.score is not None
        and submitted.request_hash is not None
    ), "only a scored submission is recorded"
    return [
        AttemptItem.submitted_at_ms.set(submitted.submitted_at_ms),
        AttemptItem.answers.set(submitted.answers or {}),
        AttemptItem.prediction.set(submitted.prediction),
        AttemptItem.duration_ms.set(submitted.duration_ms),
        AttemptItem.score.set(submitted.score),
        AttemptItem.request_hash.set(submitted.request_hash),
    ]
