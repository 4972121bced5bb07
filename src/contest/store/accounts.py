"""Accounts: registration, proof of the phone, password reset, a number taken over from an unverified account,
the profile page's one query, sessions ended.

Every invariant is a condition: one account per phone (the phone's CLAIM item, phones.py), a code consumed once.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from contest.rules.errors import PhoneTaken
from contest.rules.model import Account, Attempt
from contest.store import tables
from contest.store.budgets import add_gate, gate_refused
from contest.store.codes import code_item, consume_code
from contest.store.conditions import cancelled, is_condition_failure
from contest.store.keys import (
    ATTEMPT_PREFIX,
    AWARD_PREFIX,
    CLAIM,
    PROFILE,
    account_pk,
    phone_pk,
    unit_index_pk,
)
from contest.store.mapping import (
    account_from_item,
    attempt_from_item,
    award_from_item,
    consents_json,
)
from contest.store.records import (
    Award,
    CodeRecord,
    RegistrationGate,
)
from contest.store.tables import AccountItem, AttemptItem, AwardItem, PhoneItem


def verified_actions(now_ms: int, by: str, note: str | None) -> list[Action]:
    actions: list[Action] = [
        AccountItem.verified.set(True),
        AccountItem.ttl.remove(),
        AccountItem.verified_at_ms.set(now_ms),
        AccountItem.verified_by.set(by),
    ]
    if note:
        actions.append(AccountItem.verified_note.set(note))
    return actions


class AccountStore:
    def _profile_item(
        self,
        account: Account,
        consent_at_ms: int,
        consent_version: str,
        consents: dict[str, Any] | None = None,
        unit_visible: bool | None = None,
    ) -> AccountItem:
        return AccountItem(
            pk=account_pk(account.account_id),
            sk=PROFILE,
            account_id=account.account_id,
            phone=account.phone,
            full_name=account.full_name,
            unit_id=account.unit_id,
            password_hash=account.password_hash,
            verified=account.verified,
            excluded=account.excluded,
            created_at_ms=account.created_at_ms,
            consent_at_ms=consent_at_ms,
            consent_version=consent_version,
            consents=None if consents is None else consents_json(consents),
            unit_visible=unit_visible,
            password_version=account.password_version,
            gsi1pk=unit_index_pk(account.unit_id),
            gsi1sk=account.account_id,
            ttl=account.expires_at_s,
            verified_at_ms=account.created_at_ms if account.verified else None,
            verified_by="code" if account.verified else None,
        )

    @staticmethod
    def _free_phone(now_s: int) -> Any:
        """A phone claim may be (re)written when it does not exist or has expired (TTL not yet applied)."""
        return PhoneItem.pk.does_not_exist() | (PhoneItem.ttl.exists() & (PhoneItem.ttl <= now_s))

    def create_account(
        self,
        account: Account,
        *,
        consent_at_ms: int,
        consent_version: str,
        code: CodeRecord | None,
        code_ttl_s: int,
        now_s: int = 0,
        consents: dict[str, Any] | None = None,
        unit_visible: bool | None = None,
        gate: RegistrationGate | None = None,
    ) -> None:
        """One transaction: phone not claimed (or its claim expired), account and its first code written; with
        `gate`, the proof of work's replay record and the per-address hourly count in the same transaction
        (ProofReused / TooManyRegistrations when those conditions fail, before PhoneTaken).

        An excluded phone is registered like any other (the answer must not reveal the list): the account
        carries `excluded`, is never ranked and cannot start a quiz once its owner proved the phone."""
        profile = self._profile_item(account, consent_at_ms, consent_version, consents, unit_visible)
        claim = PhoneItem(pk=phone_pk(account.phone), sk=CLAIM, account_id=account.account_id, ttl=account.expires_at_s)
        # PynamoDB sends a transaction's puts before its updates: reasons come back in that order.
        proof_puts = add_gate(None, gate)
        puts = proof_puts + 2 + (code is not None)
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                add_gate(tx, gate)
                tx.save(claim, condition=self._free_phone(now_s))
                tx.save(profile, condition=AccountItem.pk.does_not_exist())
                if code is not None:
                    tx.save(code_item(account.phone, "verify", code, code_ttl_s))
        except TransactWriteError as exc:
            failed = cancelled(exc)
            gate_refused(failed, gate, puts)
            if len(failed) > proof_puts and failed[proof_puts]:
                raise PhoneTaken() from exc
            raise

    def account(self, account_id: str) -> Account | None:
        try:
            return account_from_item(AccountItem.get(account_pk(account_id), PROFILE, consistent_read=True))
        except DoesNotExist:
            return None

    def account_with_attempts(self, account_id: str) -> tuple[Account | None, list[Attempt]]:
        """The profile and every attempt, in one query of the account's partition."""
        account, attempts, _ = self.account_page(account_id)
        return account, attempts

    def account_page(self, account_id: str) -> tuple[Account | None, list[Attempt], list[Award]]:
        """The profile, every attempt and every award, in one query of the account's partition."""
        account, attempts, awards = None, [], []
        for raw in tables.query_partition(account_pk(account_id)):
            sk = raw["sk"]["S"]
            if sk == PROFILE:
                account = account_from_item(AccountItem.from_raw_data(raw))
            elif sk.startswith(ATTEMPT_PREFIX):
                attempts.append(attempt_from_item(AttemptItem.from_raw_data(raw)))
            elif sk.startswith(AWARD_PREFIX):
                awards.append(award_from_item(AwardItem.from_raw_data(raw)))
        return account, attempts, awards

    def end_sessions(self, account_id: str) -> bool:
        """Server-side logout: raise the session version, so every session token signed before is dead."""
        try:
            AccountItem(pk=account_pk(account_id), sk=PROFILE).update(
                actions=[AccountItem.session_version.add(1)], condition=AccountItem.pk.exists()
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def verify_phone(self, phone: str, seen: CodeRecord, max_tries: int, ip_hash: str | None) -> bool:
        """Consume the code and mark the account verified, atomically. False if the code changed meanwhile."""
        profile = AccountItem(pk=account_pk(seen.account_id), sk=PROFILE)
        actions: list[Action] = [
            AccountItem.verified.set(True),
            AccountItem.ttl.remove(),  # a verified account never expires
            AccountItem.verified_at_ms.set(seen.sent_at_ms),
            AccountItem.verified_by.set("code"),
        ]
        if ip_hash:
            actions.append(AccountItem.verified_ip_hash.set(ip_hash))
        claim = PhoneItem(pk=phone_pk(phone), sk=CLAIM)
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                consume_code(tx, phone, "verify", seen, max_tries)
                tx.update(profile, actions=actions, condition=AccountItem.pk.exists())
                tx.update(claim, actions=[PhoneItem.ttl.remove()], condition=PhoneItem.account_id == seen.account_id)
        except TransactWriteError as exc:
            if any(cancelled(exc)):
                return False
            raise
        return True

    def reset_password(self, phone: str, seen: CodeRecord, max_tries: int, password_hash: str) -> bool:
        """Consume the code, set the new password, end old sessions and clear login failures, atomically."""
        profile = AccountItem(pk=account_pk(seen.account_id), sk=PROFILE)
        claim = PhoneItem(pk=phone_pk(phone), sk=CLAIM)
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                consume_code(tx, phone, "reset", seen, max_tries)
                tx.update(
                    profile,
                    actions=[
                        AccountItem.password_hash.set(password_hash),
                        AccountItem.password_version.add(1),
                        AccountItem.verified.set(True),  # the code proved the phone
                        AccountItem.ttl.remove(),
                    ],
                    condition=AccountItem.pk.exists(),
                )
                tx.update(
                    claim,
                    actions=[
                        PhoneItem.login_failures.set(0),
                        PhoneItem.locked_until_ms.set(0),
                        PhoneItem.ttl.remove(),
                    ],
                    condition=PhoneItem.account_id == seen.account_id,
                )
        except TransactWriteError as exc:
            if any(cancelled(exc)):
                return False
            raise
        return True

    def complete_claim(
        self,
        phone: str,
        seen: CodeRecord,
        max_tries: int,
        new: Account,
        *,
        consent_at_ms: int,
        consent_version: str,
        old: Account | None,
        now_ms: int,
        consents: dict[str, Any] | None = None,
        unit_visible: bool | None = None,
    ) -> bool:
        """Consume the claim code and give the number to `new`, atomically.

        `old` is the unverified account that held the number (None when the number was free or its claim
        expired): it is closed (sessions ended, out of its unit's lists) and the claim moves to `new`.
        A verified account is never passed here (the service refuses before). False if anything moved."""
        profile = self._profile_item(new, consent_at_ms, consent_version, consents, unit_visible)
        claim = PhoneItem(pk=phone_pk(phone), sk=CLAIM, account_id=new.account_id)
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                consume_code(tx, phone, "claim", seen, max_tries)
                tx.save(profile, condition=AccountItem.pk.does_not_exist())
                if old is None:
                    tx.save(claim, condition=self._free_phone(now_ms // 1000))
                else:
                    tx.save(claim, condition=PhoneItem.account_id == old.account_id)
                    tx.update(
                        AccountItem(pk=account_pk(old.account_id), sk=PROFILE),
                        actions=[
                            AccountItem.closed_at_ms.set(now_ms),
                            AccountItem.password_version.add(1),  # its sessions end
                            AccountItem.gsi1pk.remove(),  # out of the unit's lists and counts
                            AccountItem.gsi1sk.remove(),
                            AccountItem.ttl.remove(),  # kept for the committee
                        ],
                        condition=AccountItem.pk.exists() & (AccountItem.verified == False),  # noqa: E712
                    )
        except TransactWriteError as exc:
            if any(cancelled(exc)):
                return False
            raise
        return True
