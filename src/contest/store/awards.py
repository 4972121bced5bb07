"""Award confirmations (verification "at_award"): a prize waits for its winner's phone to confirm it."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from contest.store import tables
from contest.store.accounts import AccountStore, verified_actions
from contest.store.conditions import cancelled, is_condition_failure, put_once
from contest.store.keys import AWARD_PREFIX, CLAIM, PROFILE, account_pk, award_sk, phone_pk
from contest.store.mapping import award_from_item
from contest.store.records import Award
from contest.store.tables import AccountItem, AwardItem, PhoneItem


class AwardStore:
    def __init__(self, accounts: AccountStore) -> None:
        self.accounts = accounts

    def create_award(self, award: Award) -> bool:
        """Write a week's award for an account once; False when it exists already (a rerun)."""
        item = AwardItem(
            pk=account_pk(award.account_id),
            sk=award_sk(award.week),
            account_id=award.account_id,
            week=award.week,
            prize=award.prize,
            created_at_ms=award.created_at_ms,
            deadline_ms=award.deadline_ms,
            code_salt=award.code_salt,
            code_hash=award.code_hash,
            tries=0,
        )
        return put_once(item)

    def rekey_award(self, account_id: str, week: int, salt: str, code_hash: str, seen_hash: str | None) -> bool:
        """A new code for an award whose SMS never went out (the previous run failed before sending)."""
        try:
            AwardItem(pk=account_pk(account_id), sk=award_sk(week)).update(
                actions=[AwardItem.code_salt.set(salt), AwardItem.code_hash.set(code_hash), AwardItem.tries.set(0)],
                condition=AwardItem.sent_at_ms.does_not_exist() & (AwardItem.code_hash == seen_hash),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def mark_award_sent(self, account_id: str, week: int, now_ms: int) -> None:
        AwardItem(pk=account_pk(account_id), sk=award_sk(week)).update(actions=[AwardItem.sent_at_ms.set(now_ms)])

    def award(self, account_id: str, week: int) -> Award | None:
        try:
            return award_from_item(AwardItem.get(account_pk(account_id), award_sk(week), consistent_read=True))
        except DoesNotExist:
            return None

    def awards_of(self, account_id: str) -> list[Award]:
        return [
            award_from_item(AwardItem.from_raw_data(raw))
            for raw in tables.query_partition(account_pk(account_id), AWARD_PREFIX)
        ]

    def count_wrong_award_code(self, account_id: str, week: int) -> None:
        AwardItem(pk=account_pk(account_id), sk=award_sk(week)).update(actions=[AwardItem.tries.add(1)])

    def confirm_award(
        self, account_id: str, week: int, now_ms: int, by: str, note: str | None, max_tries: int | None
    ) -> bool:
        """Mark the award confirmed and the account verified (the phone is proven), atomically."""
        condition = AwardItem.pk.exists() & AwardItem.confirmed_at_ms.does_not_exist()
        if max_tries is not None:
            condition = condition & (AwardItem.tries < max_tries)
        actions: list[Action] = [AwardItem.confirmed_at_ms.set(now_ms), AwardItem.confirmed_by.set(by)]
        if note:
            actions.append(AwardItem.confirmed_note.set(note))
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                tx.update(AwardItem(pk=account_pk(account_id), sk=award_sk(week)), actions=actions, condition=condition)
                tx.update(
                    AccountItem(pk=account_pk(account_id), sk=PROFILE),
                    actions=verified_actions(now_ms, by, note),
                    condition=AccountItem.pk.exists(),
                )
        except TransactWriteError as exc:
            if any(cancelled(exc)):
                return False
            raise
        return True

    def verify_by_committee(self, account_id: str, now_ms: int, by: str, note: str) -> list[int]:
        """A confirmation made by telephone: the account is verified and every open award confirmed.
        Returns the weeks whose award it confirmed."""
        AccountItem(pk=account_pk(account_id), sk=PROFILE).update(
            actions=verified_actions(now_ms, by, note), condition=AccountItem.pk.exists()
        )
        confirmed = []
        for award in self.awards_of(account_id):
            if award.confirmed_at_ms is None and self.confirm_award(account_id, award.week, now_ms, by, note, None):
                confirmed.append(award.week)
        claim = self.accounts.account(account_id)
        if claim is not None:
            PhoneItem(pk=phone_pk(claim.phone), sk=CLAIM).update(
                actions=[PhoneItem.ttl.remove()], condition=PhoneItem.account_id == account_id
            )
        return confirmed

    def awards_for(self, week: int, account_ids: list[str]) -> dict[str, Award]:
        """The week's awards of these accounts (a handful: prize winners and boundary ties)."""
        found: dict[str, Award] = {}
        for account_id in account_ids:
            award = self.award(account_id, week)
            if award is not None:
                found[account_id] = award
        return found
