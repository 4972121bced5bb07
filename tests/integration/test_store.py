"""The store's repositories on moto: what a submission's transaction answers, the standing's mappings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contest.rules.model import Attempt, StandingRecord
from contest.store import Store
from contest.store.keys import shard_of, standing_pk
from contest.store.mapping import standing_from_item, standing_rows
from contest.store.records import Submission
from contest.store.tables import StandingItem

WEEK = 1


def attempt(number: int, *, submitted: bool = False) -> Attempt:
    fresh = Attempt(
        account_id="acc-1",
        week=WEEK,
        number=number,
        attempt_id=f"att-{number}",
        question_ids=("q1", "q2"),
        orders=("ABCD", "DCBA"),
        issued_at_ms=1_000,
        expires_at_ms=900_000,
        full_name="Nguyễn Văn A",
        unit_id="u1",
        phone_masked="091****678",
    )
    if not submitted:
        return fresh
    return replace(
        fresh,
        submitted_at_ms=60_000 + number,
        answers={"q1": "A", "q2": "B"},
        prediction=1234,
        duration_ms=59_000,
        score=10 + number,
        request_hash=f"hash-{number}",
    )


def standing_of(submitted: Attempt, attempts: int) -> StandingRecord:
    assert submitted.score is not None and submitted.duration_ms is not None and submitted.prediction is not None
    assert submitted.submitted_at_ms is not None
    return StandingRecord(
        account_id=submitted.account_id,
        score=submitted.score,
        duration_ms=submitted.duration_ms,
        prediction=submitted.prediction,
        unit_id=submitted.unit_id,
        full_name=submitted.full_name,
        phone_masked=submitted.phone_masked,
        attempt_id=submitted.attempt_id,
        attempts=attempts,
        received_at_ms=submitted.submitted_at_ms,
    )


@pytest.fixture
def store(repo: Store) -> Store:
    for number in (1, 2):
        assert repo.quiz.create_attempt(attempt(number))
    return repo


def test_a_first_submission_is_stored_with_its_standing(store: Store) -> None:
    # Given a new attempt, When its result is recorded as the contestant's best
    first = attempt(1, submitted=True)
    outcome = store.quiz.record_submission(first, standing_of(first, 1), is_best=True)
    # Then it is stored, and the standing reads back as the record that was written
    assert outcome is Submission.STORED
    assert store.quiz.standing(WEEK, "acc-1") == standing_of(first, 1)


@pytest.mark.parametrize("is_best", [True, False])
def test_an_attempt_submitted_before_is_attempt_taken_even_when_the_standing_did_not_move(
    store: Store, is_best: bool
) -> None:
    # Given attempt 1 submitted (its standing counts one attempt)
    first = attempt(1, submitted=True)
    assert store.quiz.record_submission(first, standing_of(first, 1), is_best=True) is Submission.STORED
    # When attempt 1 is recorded again with a standing that would follow the stored one (its guard holds)
    again = replace(first, request_hash="another")
    outcome = store.quiz.record_submission(again, standing_of(again, 2), is_best=is_best)
    # Then the answer names the attempt, not the standing: the caller compares with what was stored
    assert outcome is Submission.ATTEMPT_TAKEN


@pytest.mark.parametrize("is_best", [True, False])
def test_a_standing_changed_meanwhile_is_standing_moved(store: Store, is_best: bool) -> None:
    # Given attempt 1 submitted (its standing counts one attempt)
    first = attempt(1, submitted=True)
    assert store.quiz.record_submission(first, standing_of(first, 1), is_best=True) is Submission.STORED
    # When attempt 2 is recorded as if no attempt had landed yet (a stale read)
    second = attempt(2, submitted=True)
    outcome = store.quiz.record_submission(second, standing_of(second, 1), is_best=is_best)
    # Then the standing moved; the attempt stays unsubmitted
    assert outcome is Submission.STANDING_MOVED
    assert not [a for a in store.quiz.attempts("acc-1", WEEK) if a.number == 2 and a.submitted]


def test_the_standing_shapes_agree(store: Store) -> None:
    # Given a stored standing
    first = attempt(1, submitted=True)
    store.quiz.record_submission(first, standing_of(first, 1), is_best=True)
    record = standing_of(first, 1)
    # When it is read as a model and as the close's compact row of the raw item
    item = StandingItem.get(standing_pk(WEEK, shard_of("acc-1", store.shards)), "acc-1", consistent_read=True)
    raw = item.serialize()
    # Then both shapes hold the record's values, in the record's field order
    assert standing_from_item(item) == record
    assert standing_rows([raw]) == [tuple(getattr(record, f) for f in record.__dataclass_fields__)]
