"""The only door to DynamoDB: maps table items to domain objects and keeps invariants as conditions.

Services never see PynamoDB objects. Every write that guards an invariant is a conditional write or
a transaction (one account per phone, one submission per attempt), never read-then-write.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from contest import tables
from contest.budget import Counter
from contest.config import STANDING_SHARDS
from contest.errors import Busy, LoginThrottled, PhoneTaken, ProofReused, TooManyRegistrations
from contest.model import STANDING_FIELDS, Account, Attempt, StandingRecord
from contest.tables import (
    AccountItem,
    AttemptItem,
    AwardItem,
    CodeItem,
    ContentItem,
    DisqualificationItem,
    ExclusionItem,
    PhoneItem,
    ReclaimItem,
    StandingItem,
    ThrottleItem,
)

PROFILE = "PROFILE"


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def phone_pk(phone: str) -> str:
    return f"PHONE#{phone}"


EXCLUSIONS = "EXCL"  # one small partition: a query lists it, a transaction checks one key of it


def attempt_sk(week: int, number: int) -> str:
    return f"ATTEMPT#{week:02d}#{number:02d}"


def shard_of(account_id: str, shards: int = STANDING_SHARDS) -> int:
    return int(hashlib.sha256(account_id.encode()).hexdigest()[:8], 16) % shards


def standing_pk(week: int, shard: int) -> str:
    return f"WEEK#{week:02d}#S#{shard:02d}"


def unit_index_pk(unit_id: str) -> str:
    """Index gsi1: the accounts of a unit."""
    return f"UNIT#{unit_id}"


def unit_week_index_pk(week: int, unit_id: str) -> str:
    """Index gsi1: the standings (who took part) of a unit in a week."""
    return f"WEEK#{week:02d}#UNIT#{unit_id}"


@dataclass(frozen=True)
class PhoneClaim:
    account_id: str
    login_failures: int
    locked_until_ms: int
    expires_at_s: int | None = None  # TTL of an unverified account's claim (at_registration)

    def live(self, now_s: int) -> bool:
        """DynamoDB deletes expired items only eventually (moto never): an expired claim is no claim."""
        return self.expires_at_s is None or self.expires_at_s > now_s


@dataclass(frozen=True)
class LoginCount:
    """A phone's login counter as one counted attempt left it."""

    account_id: str
    attempts: int  # attempts since the last success, this one included
    locked_until_ms: int
    expires_at_s: int | None = None  # TTL of an unverified account's claim (at_registration)


@dataclass(frozen=True)
class CodeRecord:
    code_hash: str
    account_id: str
    expires_at_ms: int
    tries: int
    sent_at_ms: int
    window_start_ms: int
    window_sends: int
    ticket_hash: str | None = None  # CODE#claim: the registrant's ticket (the code alone is not enough)
    pending: dict[str, Any] | None = None  # CODE#claim: the registration waiting for the code


@dataclass(frozen=True)
class Award:
    account_id: str
    week: int
    prize: str
    created_at_ms: int
    deadline_ms: int
    code_salt: str | None
    code_hash: str | None
    tries: int
    sent_at_ms: int | None
    confirmed_at_ms: int | None
    confirmed_by: str | None
    confirmed_note: str | None


@dataclass(frozen=True)
class Reclaim:
    phone: str
    old_account_id: str
    old_full_name: str
    old_unit_id: str
    new_account_id: str
    at_ms: int
    withdrawn_weeks: tuple[int, ...]
    published_weeks: tuple[int, ...]


RECLAIMS = "RECLAIMS"


def _award(item: Any) -> Award:
    return Award(
        account_id=item.account_id,
        week=int(item.week),
        prize=item.prize,
        created_at_ms=int(item.created_at_ms),
        deadline_ms=int(item.deadline_ms),
        code_salt=item.code_salt,
        code_hash=item.code_hash,
        tries=int(item.tries or 0),
        sent_at_ms=None if item.sent_at_ms is None else int(item.sent_at_ms),
        confirmed_at_ms=None if item.confirmed_at_ms is None else int(item.confirmed_at_ms),
        confirmed_by=item.confirmed_by,
        confirmed_note=item.confirmed_note,
    )


@dataclass(frozen=True)
class Exclusion:
    phone: str
    added_at_ms: int
    note: str | None


def _consents_json(consents: dict[str, Any]) -> str:
    return json.dumps(consents, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class RegistrationGate:
    """What a registration must pass, written inside its own transaction (registration costs at most 3 DynamoDB calls):
    the solved proof of work recorded as used (single use, kept until it expires) and +1 on the address's
    hourly registration count (the same counter `throttle_registration` uses)."""

    proof_key: str | None
    proof_expires_at_s: int
    address: str | None
    hour: int
    limit: int


def _cancelled(exc: TransactWriteError) -> list[bool]:
    """Per transaction item: did its condition fail?"""
    return [bool(r and r.code == "ConditionalCheckFailed") for r in exc.cancellation_reasons]


def _account(item: AccountItem) -> Account:
    return Account(
        account_id=item.account_id,
        phone=item.phone,
        full_name=item.full_name,
        unit_id=item.unit_id,
        password_hash=item.password_hash,
        verified=bool(item.verified),
        excluded=bool(item.excluded),
        created_at_ms=int(item.created_at_ms),
        password_version=int(item.password_version or 1),
        expires_at_s=None if item.ttl is None else int(item.ttl),
        closed_at_ms=None if item.closed_at_ms is None else int(item.closed_at_ms),
        coordinator_unit=item.coordinator_unit,
        session_version=int(item.session_version or 0),
        consents=json.loads(item.consents) if item.consents else None,
        consent_version=item.consent_version or "",
        consent_at_ms=int(item.consent_at_ms or 0),
    )


def _attempt(item: AttemptItem) -> Attempt:
    return Attempt(
        account_id=item.account_id,
        week=int(item.week),
        number=int(item.number),
        attempt_id=item.attempt_id,
        question_ids=tuple(map(str, item.question_ids)),
        orders=tuple(map(str, item.orders)),
        issued_at_ms=int(item.issued_at_ms),
        expires_at_ms=int(item.expires_at_ms),
        full_name=item.full_name,
        unit_id=item.unit_id,
        phone_masked=item.phone_masked,
        submitted_at_ms=None if item.submitted_at_ms is None else int(item.submitted_at_ms),
        answers=None if item.answers is None else {k: str(v) for k, v in item.answers.as_dict().items()},
        prediction=None if item.prediction is None else int(item.prediction),
        duration_ms=None if item.duration_ms is None else int(item.duration_ms),
        score=None if item.score is None else int(item.score),
        request_hash=item.request_hash,
    )


class Repository:
    def __init__(self, shards: int = STANDING_SHARDS) -> None:
        self.shards = shards

    # --- content ---------------------------------------------------------------------------------

    def load_bundle(self) -> dict[str, Any] | None:
        try:
            item = ContentItem.get("CONTENT", "bundle")
        except DoesNotExist:
            return None
        return json.loads(zlib.decompress(item.body))

    def save_bundle(self, bundle: dict[str, Any]) -> None:
        body = zlib.compress(json.dumps(bundle, ensure_ascii=False, sort_keys=True).encode(), 9)
        ContentItem(pk="CONTENT", sk="bundle", body=body, version=bundle["version"]).save()

    # --- accounts --------------------------------------------------------------------------------

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
            consents=None if consents is None else _consents_json(consents),
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
        claim = PhoneItem(
            pk=phone_pk(account.phone), sk="CLAIM", account_id=account.account_id, ttl=account.expires_at_s
        )
        # PynamoDB sends a transaction's puts before its updates: reasons come back in that order.
        proof_puts = self._gate(None, gate)
        puts = proof_puts + 2 + (code is not None)
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                self._gate(tx, gate)
                tx.save(claim, condition=self._free_phone(now_s))
                tx.save(profile, condition=AccountItem.pk.does_not_exist())
                if code is not None:
                    tx.save(self._code_item(account.phone, "verify", code, code_ttl_s))
        except TransactWriteError as exc:
            failed = _cancelled(exc)
            self._gate_refused(failed, gate, puts)
            if len(failed) > proof_puts and failed[proof_puts]:
                raise PhoneTaken() from exc
            raise

    def pass_gate(self, gate: RegistrationGate) -> None:
        """The registration gate alone (a registration that creates nothing: the number is taken), one
        transaction, so every registration path records its proof and counts its address the same way."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                self._gate(tx, gate)
        except TransactWriteError as exc:
            self._gate_refused(_cancelled(exc), gate, self._gate(None, gate))
            raise

    @staticmethod
    def _gate(tx: TransactWrite | None, gate: RegistrationGate | None) -> int:
        """Add the gate's items to `tx` (the proof's put first); return how many puts (without `tx`: count only)."""
        if gate is None:
            return 0
        n = 0
        if gate.proof_key is not None:
            used = ThrottleItem(pk=f"POW#{gate.proof_key}", sk="USED", hits=1, ttl=gate.proof_expires_at_s + 60)
            if tx is not None:
                tx.save(used, condition=ThrottleItem.pk.does_not_exist())
            n += 1
        if gate.address is not None and tx is not None:
            tx.update(
                ThrottleItem(pk=f"IP#{gate.address}", sk=f"REG#{gate.hour}"),
                actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set((gate.hour + 2) * 3600)],
                condition=ThrottleItem.hits.does_not_exist() | (ThrottleItem.hits < gate.limit),
            )
        return n

    @staticmethod
    def _gate_refused(failed: list[bool], gate: RegistrationGate | None, puts: int) -> None:
        """The gate's refusals first: the proof's put is the first put, the address count the first update."""
        if gate is None:
            return
        if gate.proof_key is not None and failed[:1] == [True]:
            raise ProofReused()
        if gate.address is not None and len(failed) > puts and failed[puts]:
            raise TooManyRegistrations()

    def number_state(self, phone: str, erased_key: str | None = None) -> tuple[bool, PhoneClaim | None, bool]:
        """(excluded, claim, erased) of a number in ONE consistent BatchGetItem; `erased_key`
        (contest.erasure.erasure_key) also reads whether the number was erased in this contest."""
        connection = tables.TableSchema._get_connection()
        keys: list[dict[str, str]] = [{"pk": EXCLUSIONS, "sk": phone}, {"pk": phone_pk(phone), "sk": "CLAIM"}]
        if erased_key is not None:
            keys.append({"pk": "ERASED", "sk": erased_key})
        excluded, claim, erased = False, None, False
        for _ in range(10):
            answer = connection.batch_get_item(keys, consistent_read=True)  # type: ignore[arg-type]  # key maps
            for raw in answer.get("Responses", {}).get(connection.table_name, []):
                if raw["pk"]["S"] == EXCLUSIONS:
                    excluded = True
                elif raw["pk"]["S"] == "ERASED":
                    erased = True
                else:
                    item = PhoneItem.from_raw_data(raw)
                    claim = PhoneClaim(
                        item.account_id,
                        int(item.login_failures or 0),
                        int(item.locked_until_ms or 0),
                        None if item.ttl is None else int(item.ttl),
                    )
            left = answer.get("UnprocessedKeys", {}).get(connection.table_name, {}).get("Keys", [])
            if not left:
                return excluded, claim, erased
            keys = [{"pk": k["pk"]["S"], "sk": k["sk"]["S"]} for k in left]
        raise Busy()

    def is_excluded(self, phone: str) -> bool:
        try:
            ExclusionItem.get(EXCLUSIONS, phone, consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def is_erased(self, key: str) -> bool:
        """Whether a number (its `contest.erasure.erasure_key`) was erased in this contest."""
        from contest.tables import ErasureItem

        try:
            ErasureItem.get("ERASED", key, consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def claim(self, phone: str) -> PhoneClaim | None:
        try:
            item = PhoneItem.get(phone_pk(phone), "CLAIM", consistent_read=True)
        except DoesNotExist:
            return None
        return PhoneClaim(
            item.account_id,
            int(item.login_failures or 0),
            int(item.locked_until_ms or 0),
            None if item.ttl is None else int(item.ttl),
        )

    def account(self, account_id: str) -> Account | None:
        try:
            return _account(AccountItem.get(account_pk(account_id), PROFILE, consistent_read=True))
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
                account = _account(AccountItem.from_raw_data(raw))
            elif sk.startswith("ATTEMPT#"):
                attempts.append(_attempt(AttemptItem.from_raw_data(raw)))
            elif sk.startswith("AWARD#"):
                awards.append(_award(AwardItem.from_raw_data(raw)))
        return account, attempts, awards

    def count_login(self, phone: str) -> LoginCount | None:
        """Count one login attempt on the phone (atomic ADD, before any password check) and return the
        counter as this attempt left it; None when no account holds the phone (nothing is written)."""
        item = PhoneItem(pk=phone_pk(phone), sk="CLAIM")
        try:
            item.update(actions=[PhoneItem.login_failures.add(1)], condition=PhoneItem.pk.exists())
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return None
            raise
        return LoginCount(
            item.account_id,
            int(item.login_failures or 0),
            int(item.locked_until_ms or 0),
            None if item.ttl is None else int(item.ttl),
        )

    def take_login_slot(self, phone: str, seen_locked_until_ms: int, locked_until_ms: int) -> bool:
        """Lock the phone until `locked_until_ms` unless another attempt did since this one was counted.
        Of the attempts that saw the same (expired) lock, exactly one gets its password checked."""
        unchanged = PhoneItem.locked_until_ms == seen_locked_until_ms
        if not seen_locked_until_ms:
            unchanged = unchanged | PhoneItem.locked_until_ms.does_not_exist()
        try:
            PhoneItem(pk=phone_pk(phone), sk="CLAIM").update(
                actions=[PhoneItem.locked_until_ms.set(locked_until_ms)], condition=unchanged
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def login_succeeded(self, phone: str, seen: LoginCount) -> None:
        """Forget the attempts this login saw. Attempts counted meanwhile (a parallel batch) stay counted
        and the lock stays: only when nobody else came in between are counter and lock cleared."""
        item = PhoneItem(pk=phone_pk(phone), sk="CLAIM")
        try:
            item.update(
                actions=[PhoneItem.login_failures.set(0), PhoneItem.locked_until_ms.set(0)],
                condition=PhoneItem.login_failures == seen.attempts,
            )
            return
        except UpdateError as exc:
            if not _is_condition_failure(exc):
                raise
        try:
            item.update(
                actions=[PhoneItem.login_failures.add(-seen.attempts)],
                condition=PhoneItem.login_failures >= seen.attempts,
            )
        except UpdateError as exc:
            if not _is_condition_failure(exc):  # a password reset cleared the counter meanwhile
                raise

    def end_sessions(self, account_id: str) -> bool:
        """Server-side logout: raise the session version, so every session token signed before is dead."""
        try:
            AccountItem(pk=account_pk(account_id), sk=PROFILE).update(
                actions=[AccountItem.session_version.add(1)], condition=AccountItem.pk.exists()
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def throttle_login(self, ip_hash: str, hour: int, limit: int) -> None:
        """Count a login attempt from an address (atomic, before the password check); LoginThrottled past
        `limit` in the hour. A successful login gives its count back (`refund_login`), so the limit is on
        refused logins and a whole office behind one address can still sign in."""
        self._count_within(f"IP#{ip_hash}", f"LOGIN#{hour}", hour, limit, LoginThrottled)

    def refund_login(self, ip_hash: str, hour: int) -> None:
        try:
            ThrottleItem(pk=f"IP#{ip_hash}", sk=f"LOGIN#{hour}").update(
                actions=[ThrottleItem.hits.add(-1)], condition=ThrottleItem.hits > 0
            )
        except UpdateError as exc:
            if not _is_condition_failure(exc):
                raise

    def throttle_registration(self, ip_hash: str, hour: int, limit: int) -> None:
        self._count_within(f"IP#{ip_hash}", f"REG#{hour}", hour, limit, TooManyRegistrations)

    @staticmethod
    def _count_within(pk: str, sk: str, hour: int, limit: int, refused: type[Exception]) -> None:
        """+1 on an hourly counter (kept two hours), atomically refused with `refused` once it reached `limit`."""
        try:
            ThrottleItem(pk=pk, sk=sk).update(
                actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set((hour + 2) * 3600)],
                condition=ThrottleItem.hits.does_not_exist() | (ThrottleItem.hits < limit),
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                raise refused() from exc
            raise

    # --- SMS budgets and used proofs of work --------------------------------------------

    def charge_counters(self, counters: list[Counter]) -> set[int]:
        """One transaction: +1 on every counter, each conditioned on staying within its limit (all or nothing)."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                for c in counters:
                    tx.update(
                        ThrottleItem(pk=c.pk, sk=c.sk),
                        actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(c.ttl_s)],
                        condition=ThrottleItem.hits.does_not_exist() | (ThrottleItem.hits < c.limit),
                    )
        except TransactWriteError as exc:
            failed = {i for i, bad in enumerate(_cancelled(exc)) if bad}
            if failed:
                return failed
            raise
        return set()

    def refund_counters(self, keys: tuple[tuple[str, str], ...]) -> None:
        """Give back one message that was charged but certainly not sent (never below zero; best effort: a lost
        refund only makes a budget stricter)."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                for pk, sk in keys:
                    tx.update(
                        ThrottleItem(pk=pk, sk=sk),
                        actions=[ThrottleItem.hits.add(-1)],
                        condition=ThrottleItem.hits > 0,
                    )
        except TransactWriteError:
            pass

    def use_proof(self, key: str, expires_at_s: int) -> bool:
        """Record a solved challenge as used; False when it was used before (single use, kept until expiry)."""
        try:
            ThrottleItem(pk=f"POW#{key}", sk="USED", hits=1, ttl=expires_at_s + 60).save(
                condition=ThrottleItem.pk.does_not_exist()
            )
        except PutError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    # --- one-time codes --------------------------------------------------------------------------

    @staticmethod
    def _code_item(phone: str, purpose: str, code: CodeRecord, ttl_s: int) -> CodeItem:
        return CodeItem(
            ticket_hash=code.ticket_hash,
            pending=None if code.pending is None else json.dumps(code.pending, ensure_ascii=False),
            pk=phone_pk(phone),
            sk=f"CODE#{purpose}",
            code_hash=code.code_hash,
            account_id=code.account_id,
            expires_at_ms=code.expires_at_ms,
            tries=code.tries,
            sent_at_ms=code.sent_at_ms,
            window_start_ms=code.window_start_ms,
            window_sends=code.window_sends,
            ttl=code.expires_at_ms // 1000 + ttl_s,
        )

    def code(self, phone: str, purpose: str) -> CodeRecord | None:
        try:
            item = CodeItem.get(phone_pk(phone), f"CODE#{purpose}", consistent_read=True)
        except DoesNotExist:
            return None
        return CodeRecord(
            item.code_hash,
            item.account_id,
            int(item.expires_at_ms),
            int(item.tries or 0),
            int(item.sent_at_ms),
            int(item.window_start_ms),
            int(item.window_sends or 1),
            item.ticket_hash,
            None if item.pending is None else json.loads(item.pending),
        )

    def replace_code(self, phone: str, purpose: str, code: CodeRecord, previous: CodeRecord | None, ttl_s: int) -> bool:
        """Write a new code unless another request changed the item since `previous` was read."""
        condition = CodeItem.pk.does_not_exist() if previous is None else CodeItem.sent_at_ms == previous.sent_at_ms
        try:
            self._code_item(phone, purpose, code, ttl_s).save(condition=condition)
        except PutError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def discard_code(self, phone: str, purpose: str, seen: CodeRecord) -> None:
        try:
            CodeItem(pk=phone_pk(phone), sk=f"CODE#{purpose}").delete(condition=CodeItem.sent_at_ms == seen.sent_at_ms)
        except Exception as exc:
            if not _is_condition_failure(exc):
                raise

    def mark_code_unsent(self, phone: str, purpose: str, sent: CodeRecord) -> None:
        """The code's message certainly did not leave (budget, gateway refusal): the contestant may ask again at
        once, and it does not count against the phone's hourly sends."""
        try:
            CodeItem(pk=phone_pk(phone), sk=f"CODE#{purpose}").update(
                actions=[CodeItem.sent_at_ms.set(0), CodeItem.window_sends.add(-1)],
                condition=CodeItem.code_hash == sent.code_hash,
            )
        except UpdateError as exc:
            if not _is_condition_failure(exc):  # replaced meanwhile by a newer code: nothing to undo
                raise

    def count_wrong_code(self, phone: str, purpose: str, seen: CodeRecord) -> None:
        try:
            CodeItem(pk=phone_pk(phone), sk=f"CODE#{purpose}").update(
                actions=[CodeItem.tries.add(1)],
                condition=(CodeItem.sent_at_ms == seen.sent_at_ms),
            )
        except UpdateError as exc:
            if not _is_condition_failure(exc):
                raise

    def _consume(self, tx: TransactWrite, phone: str, purpose: str, seen: CodeRecord, max_tries: int) -> None:
        item = CodeItem(pk=phone_pk(phone), sk=f"CODE#{purpose}")
        tx.delete(item, condition=(CodeItem.sent_at_ms == seen.sent_at_ms) & (CodeItem.tries < max_tries))

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
        claim = PhoneItem(pk=phone_pk(phone), sk="CLAIM")
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                self._consume(tx, phone, "verify", seen, max_tries)
                tx.update(profile, actions=actions, condition=AccountItem.pk.exists())
                tx.update(claim, actions=[PhoneItem.ttl.remove()], condition=PhoneItem.account_id == seen.account_id)
        except TransactWriteError as exc:
            if any(_cancelled(exc)):
                return False
            raise
        return True

    def reset_password(self, phone: str, seen: CodeRecord, max_tries: int, password_hash: str) -> bool:
        """Consume the code, set the new password, end old sessions and clear login failures, atomically."""
        profile = AccountItem(pk=account_pk(seen.account_id), sk=PROFILE)
        claim = PhoneItem(pk=phone_pk(phone), sk="CLAIM")
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                self._consume(tx, phone, "reset", seen, max_tries)
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
            if any(_cancelled(exc)):
                return False
            raise
        return True

    # --- exclusions (organisers) -----------------------------------------------------------------

    def add_exclusion(self, phone: str, note: str | None, now_ms: int) -> bool:
        """Exclude a phone; an existing account is marked too. Returns whether an account existed."""
        ExclusionItem(pk=EXCLUSIONS, sk=phone, phone=phone, added_at_ms=now_ms, note=note).save()
        return self._mark_excluded(phone, True)

    def remove_exclusion(self, phone: str) -> bool:
        try:
            ExclusionItem(pk=EXCLUSIONS, sk=phone).delete(condition=ExclusionItem.pk.exists())
        except Exception as exc:
            if _is_condition_failure(exc):
                return False
            raise
        self._mark_excluded(phone, False)
        return True

    def _mark_excluded(self, phone: str, excluded: bool) -> bool:
        claim = self.claim(phone)
        if claim is None:
            return False
        AccountItem(pk=account_pk(claim.account_id), sk=PROFILE).update(actions=[AccountItem.excluded.set(excluded)])
        return True

    def exclusions(self) -> list[Exclusion]:
        found = ExclusionItem.query(EXCLUSIONS)
        return sorted((Exclusion(i.phone, int(i.added_at_ms), i.note) for i in found), key=lambda e: e.phone)

    # --- reclaiming a number ---------------------------------------------------------

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
        claim = PhoneItem(pk=phone_pk(phone), sk="CLAIM", account_id=new.account_id)
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                self._consume(tx, phone, "claim", seen, max_tries)
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
            if any(_cancelled(exc)):
                return False
            raise
        return True

    def submitted_weeks(self, account_id: str) -> list[int]:
        """Weeks in which the account has a submitted attempt."""
        weeks = {
            int(item.week)
            for item in (
                AttemptItem.from_raw_data(raw) for raw in tables.query_partition(account_pk(account_id), "ATTEMPT#")
            )
            if item.submitted_at_ms is not None
        }
        return sorted(weeks)

    def week_is_closed(self, week: int) -> bool:
        from contest.tables import ClosedItem

        try:
            ClosedItem.get(f"WEEK#{week:02d}", "CLOSED", consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def withdraw_entries(self, account_id: str, weeks: list[int], reason: str, by: str, now_ms: int) -> None:
        """Record a disqualification per week (the close keeps them out of the ranking)."""
        for week in weeks:
            DisqualificationItem(
                pk=f"WEEK#{week:02d}",
                sk=f"DQ#{account_id}",
                week=week,
                account_id=account_id,
                reason=reason,
                by=by,
                decided_at_ms=now_ms,
            ).save()

    def record_reclaim(self, reclaim: Reclaim) -> None:
        ReclaimItem(
            pk=RECLAIMS,
            sk=f"{reclaim.at_ms:013d}#{reclaim.old_account_id}",
            phone=reclaim.phone,
            old_account_id=reclaim.old_account_id,
            old_full_name=reclaim.old_full_name,
            old_unit_id=reclaim.old_unit_id,
            new_account_id=reclaim.new_account_id,
            at_ms=reclaim.at_ms,
            withdrawn_weeks=list(reclaim.withdrawn_weeks),
            published_weeks=list(reclaim.published_weeks),
        ).save()

    def reclaims(self) -> list[Reclaim]:
        return [
            Reclaim(
                i.phone,
                i.old_account_id,
                i.old_full_name,
                i.old_unit_id,
                i.new_account_id,
                int(i.at_ms),
                tuple(int(str(w)) for w in i.withdrawn_weeks),
                tuple(int(str(w)) for w in i.published_weeks),
            )
            for i in (ReclaimItem.from_raw_data(raw) for raw in tables.query_partition(RECLAIMS))
        ]

    # --- award confirmations (at_award) --------------------------------------------------------------

    def create_award(self, award: Award) -> bool:
        """Write a week's award for an account once; False when it exists already (a rerun)."""
        item = AwardItem(
            pk=account_pk(award.account_id),
            sk=f"AWARD#{award.week:02d}",
            account_id=award.account_id,
            week=award.week,
            prize=award.prize,
            created_at_ms=award.created_at_ms,
            deadline_ms=award.deadline_ms,
            code_salt=award.code_salt,
            code_hash=award.code_hash,
            tries=0,
        )
        try:
            item.save(condition=AwardItem.pk.does_not_exist())
        except PutError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def rekey_award(self, account_id: str, week: int, salt: str, code_hash: str, seen_hash: str | None) -> bool:
        """A new code for an award whose SMS never went out (the previous run failed before sending)."""
        try:
            AwardItem(pk=account_pk(account_id), sk=f"AWARD#{week:02d}").update(
                actions=[AwardItem.code_salt.set(salt), AwardItem.code_hash.set(code_hash), AwardItem.tries.set(0)],
                condition=AwardItem.sent_at_ms.does_not_exist() & (AwardItem.code_hash == seen_hash),
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def mark_award_sent(self, account_id: str, week: int, now_ms: int) -> None:
        AwardItem(pk=account_pk(account_id), sk=f"AWARD#{week:02d}").update(actions=[AwardItem.sent_at_ms.set(now_ms)])

    def award(self, account_id: str, week: int) -> Award | None:
        try:
            return _award(AwardItem.get(account_pk(account_id), f"AWARD#{week:02d}", consistent_read=True))
        except DoesNotExist:
            return None

    def awards_of(self, account_id: str) -> list[Award]:
        return [
            _award(AwardItem.from_raw_data(raw)) for raw in tables.query_partition(account_pk(account_id), "AWARD#")
        ]

    def count_wrong_award_code(self, account_id: str, week: int) -> None:
        AwardItem(pk=account_pk(account_id), sk=f"AWARD#{week:02d}").update(actions=[AwardItem.tries.add(1)])

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
                tx.update(
                    AwardItem(pk=account_pk(account_id), sk=f"AWARD#{week:02d}"), actions=actions, condition=condition
                )
                tx.update(
                    AccountItem(pk=account_pk(account_id), sk=PROFILE),
                    actions=self._verified_actions(now_ms, by, note),
                    condition=AccountItem.pk.exists(),
                )
        except TransactWriteError as exc:
            if any(_cancelled(exc)):
                return False
            raise
        return True

    @staticmethod
    def _verified_actions(now_ms: int, by: str, note: str | None) -> list[Action]:
        actions: list[Action] = [
            AccountItem.verified.set(True),
            AccountItem.ttl.remove(),
            AccountItem.verified_at_ms.set(now_ms),
            AccountItem.verified_by.set(by),
        ]
        if note:
            actions.append(AccountItem.verified_note.set(note))
        return actions

    def verify_by_committee(self, account_id: str, now_ms: int, by: str, note: str) -> list[int]:
        """A confirmation made by telephone: the account is verified and every open award confirmed.
        Returns the weeks whose award it confirmed."""
        AccountItem(pk=account_pk(account_id), sk=PROFILE).update(
            actions=self._verified_actions(now_ms, by, note), condition=AccountItem.pk.exists()
        )
        confirmed = []
        for award in self.awards_of(account_id):
            if award.confirmed_at_ms is None and self.confirm_award(account_id, award.week, now_ms, by, note, None):
                confirmed.append(award.week)
        claim = self.account(account_id)
        if claim is not None:
            PhoneItem(pk=phone_pk(claim.phone), sk="CLAIM").update(
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

    # --- attempts and standings ------------------------------------------------------------------

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
        try:
            item.save(condition=AttemptItem.pk.does_not_exist())
        except PutError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def attempts(self, account_id: str, week: int) -> list[Attempt]:
        prefix = f"ATTEMPT#{week:02d}#"
        return [
            _attempt(AttemptItem.from_raw_data(raw)) for raw in tables.query_partition(account_pk(account_id), prefix)
        ]

    def record_submission(self, submitted: Attempt, standing: StandingRecord, is_best: bool) -> str:
        """Store the result on the attempt and the week's standing, atomically.

        Returns "stored", or "attempt-taken" when the attempt was already submitted (possibly by our own
        earlier request whose response was lost), or "standing-moved" when another attempt of the same
        contestant changed the standing meanwhile (the caller re-reads and retries).
        """
        assert (
            submitted.submitted_at_ms is not None
            and submitted.prediction is not None
            and submitted.duration_ms is not None
            and submitted.score is not None
            and submitted.request_hash is not None
        ), "only a scored submission is recorded"
        attempt_item = AttemptItem(pk=account_pk(submitted.account_id), sk=attempt_sk(submitted.week, submitted.number))
        standing_item = StandingItem(
            pk=standing_pk(submitted.week, shard_of(submitted.account_id, self.shards)),
            sk=submitted.account_id,
            account_id=standing.account_id,
            score=standing.score,
            duration_ms=standing.duration_ms,
            prediction=standing.prediction,
            unit_id=standing.unit_id,
            full_name=standing.full_name,
            phone_masked=standing.phone_masked,
            attempt_id=standing.attempt_id,
            attempts=standing.attempts,
            received_at_ms=standing.received_at_ms,
            gsi1pk=unit_week_index_pk(submitted.week, standing.unit_id),
            gsi1sk=submitted.account_id,
        )
        first = standing.attempts == 1
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                tx.update(
                    attempt_item,
                    actions=[
                        AttemptItem.submitted_at_ms.set(submitted.submitted_at_ms),
                        AttemptItem.answers.set(submitted.answers or {}),
                        AttemptItem.prediction.set(submitted.prediction),
                        AttemptItem.duration_ms.set(submitted.duration_ms),
                        AttemptItem.score.set(submitted.score),
                        AttemptItem.request_hash.set(submitted.request_hash),
                    ],
                    condition=AttemptItem.pk.exists() & AttemptItem.submitted_at_ms.does_not_exist(),
                )
                moved_guard = (
                    StandingItem.pk.does_not_exist() if first else StandingItem.attempts == standing.attempts - 1
                )
                if is_best:
                    tx.save(standing_item, condition=moved_guard)
                else:
                    tx.update(
                        standing_item,
                        actions=[StandingItem.attempts.set(standing.attempts)],
                        condition=moved_guard,
                    )
        except TransactWriteError as exc:
            failed = _cancelled(exc)
            if failed and failed[0]:
                return "attempt-taken"
            if len(failed) > 1 and failed[1]:
                return "standing-moved"
            if getattr(exc, "cause_response_code", None) == "TransactionConflictException":
                raise Busy() from exc
            raise
        return "stored"

    def standing(self, week: int, account_id: str) -> StandingRecord | None:
        try:
            item = StandingItem.get(
                standing_pk(week, shard_of(account_id, self.shards)), account_id, consistent_read=True
            )
        except DoesNotExist:
            return None
        return _standing(item)

    def iter_standings(self, week: int) -> Iterator[StandingRecord]:
        """Every standing of a week, shard by shard, page by page (never all in memory as models)."""
        for shard in range(self.shards):
            for item in StandingItem.query(standing_pk(week, shard)):
                yield _standing(item)


def _standing(item: StandingItem) -> StandingRecord:
    return StandingRecord(
        account_id=item.account_id,
        score=int(item.score),
        duration_ms=int(item.duration_ms),
        prediction=int(item.prediction),
        unit_id=item.unit_id,
        full_name=item.full_name,
        phone_masked=item.phone_masked,
        attempt_id=item.attempt_id,
        attempts=int(item.attempts),
        received_at_ms=int(item.received_at_ms),
    )


# ---------------------------------------------------------------------------------------------------
# The weekly close: streaming a week's standings, committee decisions, disqualifications,
# exclusions and the closed marker. `CloseRepository` extends `Repository` so nothing above changes.
#
# Reading a lot: PynamoDB objects cost ≈ 19 µs each on top of botocore's own response parsing
# (≈ 24 µs per item); a 1M-entry week would spend ≈ 45 s of CPU there. The close therefore asks for the
# standing attributes only (projection), takes the raw JSON body of each Query page before botocore parses
# it (a `before-parse` hook on a private client: credentials, retries, endpoint and CRC check unchanged)
# and turns the page straight into compact tuples. benchmarks/read_path.py measures the difference.
# ---------------------------------------------------------------------------------------------------

import queue as _queue  # noqa: E402
import threading as _threading  # noqa: E402
import time as _time  # noqa: E402
from collections.abc import Iterable as _Iterable  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from contest.tables import ClosedItem, DecisionItem  # noqa: E402

if TYPE_CHECKING:  # contest.ranking imports numpy: only the close's layer has it, so import it lazily
    from contest.ranking import CompactStanding, Disqualification, GroupOrder

STANDING_ATTRIBUTES = STANDING_FIELDS
_PROJECTION = ", ".join(f"#a{i}" for i in range(len(STANDING_ATTRIBUTES)))
_PROJECTION_NAMES = {f"#a{i}": name for i, name in enumerate(STANDING_ATTRIBUTES)}
_RAW_BODY = "RawBody"


def week_pk(week: int) -> str:
    return f"WEEK#{week:02d}"


def standing_rows(items: _Iterable[dict[str, Any]]) -> list[CompactStanding]:
    """DynamoDB wire items (as in a Query response body) -> compact standings, StandingRecord field order."""
    return [
        (
            i["account_id"]["S"],
            int(i["score"]["N"]),
            int(i["duration_ms"]["N"]),
            int(i["prediction"]["N"]),
            i["unit_id"]["S"],
            i["full_name"]["S"],
            i["phone_masked"]["S"],
            i["attempt_id"]["S"],
            int(i["attempts"]["N"]),
            int(i["received_at_ms"]["N"]),
        )
        for i in items
    ]


def _keep_raw_body(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """botocore `before-parse` hook: hand the successful Query body over unparsed."""
    if response_dict.get("status_code") == 200:
        customized_response_dict[_RAW_BODY] = response_dict["body"]
        response_dict["body"] = b"{}"


@dataclass(frozen=True)
class ClosedWeek:
    week: int
    closed_at_ms: int
    participants: int
    standings_sha256: str
    units: list[dict[str, Any]]


@dataclass(frozen=True)
class WeekDecisions:
    orders: list[GroupOrder]
    disqualifications: list[Disqualification]
    closed: ClosedWeek | None


class CloseRepository(Repository):
    """Repository plus what the weekly close reads and writes."""

    def __init__(
        self,
        shards: int = STANDING_SHARDS,
        parallel: int = 8,
        queue_pages: int = 32,
        page_limit: int | None = None,
    ) -> None:
        super().__init__(shards)
        self.parallel = max(1, parallel)
        self.queue_pages = queue_pages
        self.page_limit = page_limit  # items per Query page (None: DynamoDB's 1 MB pages); tests paginate
        self._raw_client: Any = None

    # --- standings, streamed ---------------------------------------------------------------------

    def _client(self) -> Any:
        if self._raw_client is None:
            import botocore.session

            session = botocore.session.get_session()
            client = session.create_client("dynamodb", region_name=tables.TableSchema.Meta.region)
            client.meta.events.register("before-parse.dynamodb.Query", _keep_raw_body)
            self._raw_client = client
        return self._raw_client

    def standing_pages(self, week: int, shard: int) -> Iterator[list[CompactStanding]]:
        """One shard of a week, page by page, each page as compact tuples (strongly consistent)."""
        client = self._client()
        request: dict[str, Any] = {
            "TableName": tables.TableSchema.Meta.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": standing_pk(week, shard)}},
            "ProjectionExpression": _PROJECTION,
            "ExpressionAttributeNames": _PROJECTION_NAMES,
            "ConsistentRead": True,
        }
        if self.page_limit:
            request["Limit"] = self.page_limit
        while True:
            response = client.query(**request)
            page = json.loads(response[_RAW_BODY])
            yield standing_rows(page.get("Items", ()))
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            request["ExclusiveStartKey"] = start

    def stream_standings(self, week: int) -> Iterator[CompactStanding]:
        """Every standing of a week: the shards read in parallel threads, pages handed over as they come.

        Order of arrival is not defined; the ranking does not depend on it. At most `queue_pages` pages
        wait in memory at any time.
        """
        if self.parallel == 1:
            for shard in range(self.shards):
                for rows in self.standing_pages(week, shard):
                    yield from rows
            return
        self._client()  # build once, before the threads share it (botocore clients are thread-safe)
        pages: _queue.Queue[Any] = _queue.Queue(maxsize=self.queue_pages)
        shards: _queue.Queue[int] = _queue.Queue()
        for shard in range(self.shards):
            shards.put(shard)
        done = object()
        stop = _threading.Event()

        def work() -> None:
            try:
                while not stop.is_set():
                    try:
                        shard = shards.get_nowait()
                    except _queue.Empty:
                        return
                    for rows in self.standing_pages(week, shard):
                        while not stop.is_set():
                            try:
                                pages.put(rows, timeout=0.5)
                                break
                            except _queue.Full:
                                continue
            except BaseException as exc:  # handed to the consumer, raised there
                pages.put(exc)
            finally:
                pages.put(done)

        count = min(self.parallel, self.shards)
        workers = [_threading.Thread(target=work, daemon=True) for _ in range(count)]
        for t in workers:
            t.start()
        finished = 0
        try:
            while finished < len(workers):
                item = pages.get()
                if item is done:
                    finished += 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield from item
        finally:
            stop.set()
            while any(t.is_alive() for t in workers):  # drain so blocked workers can finish
                try:
                    pages.get(timeout=0.1)
                except _queue.Empty:
                    pass
            for t in workers:
                t.join()

    # --- exclusions and devices ------------------------------------------------------------------

    def excluded_account_ids(self) -> set[str]:
        """Accounts of the excluded phones (organisers): never ranked. Reads the exclusion partition and the claims."""
        found: set[str] = set()
        for exclusion in self.exclusions():
            claim = self.claim(exclusion.phone)
            if claim is not None:
                found.add(claim.account_id)
        return found

    def verified_ip_hashes(self, account_ids: _Iterable[str]) -> dict[str, str]:
        """account id -> hash of the address the phone was verified from, where one was recorded.

        BatchGetItem of the profiles, 100 keys a call, `parallel` calls at a time, two attributes each.
        (Cheaper still: copy the hash onto the standing at submit time, then the close needs no extra read.)
        """
        from concurrent.futures import ThreadPoolExecutor

        client = self._client()
        table = tables.TableSchema.Meta.table_name
        keys = [{"pk": {"S": account_pk(a)}, "sk": {"S": PROFILE}} for a in account_ids]

        def fetch(batch: list[dict[str, Any]]) -> list[tuple[str, str]]:
            found: list[tuple[str, str]] = []
            request: dict[str, Any] = {
                table: {
                    "Keys": batch,
                    "ProjectionExpression": "#a, #h",
                    "ExpressionAttributeNames": {"#a": "account_id", "#h": "verified_ip_hash"},
                }
            }
            for attempt in range(10):
                response = client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(table, []):
                    if "verified_ip_hash" in item and "S" in item["verified_ip_hash"]:
                        found.append((item["account_id"]["S"], item["verified_ip_hash"]["S"]))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    return found
                _time.sleep(min(0.05 * 2**attempt, 2.0))
            raise RuntimeError("BatchGetItem kept returning unprocessed keys")

        batches = [keys[i : i + 100] for i in range(0, len(keys), 100)]
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return dict(pair for found in pool.map(fetch, batches) for pair in found)

    # --- committee decisions, disqualifications, closed marker -----------------------------------

    def week_decisions(self, week: int) -> WeekDecisions:
        from contest.ranking import Disqualification, GroupOrder

        orders: list[GroupOrder] = []
        dqs: list[Disqualification] = []
        closed: ClosedWeek | None = None
        for raw in tables.query_partition(week_pk(week)):
            sk = raw["sk"]["S"]
            if sk.startswith("DECISION#"):
                d = DecisionItem.from_raw_data(raw)
                members = tuple(str(x) for x in d.order)
                orders.append(GroupOrder(members, d.reason, d.by, int(d.decided_at_ms), d.group))
            elif sk.startswith("DQ#"):
                q = DisqualificationItem.from_raw_data(raw)
                dqs.append(Disqualification(q.account_id, q.reason, q.by, int(q.decided_at_ms)))
            elif sk == "CLOSED":
                c = ClosedItem.from_raw_data(raw)
                closed = ClosedWeek(
                    int(c.week),
                    int(c.closed_at_ms),
                    int(c.participants),
                    c.standings_sha256,
                    json.loads(c.units),
                )
        orders.sort(key=lambda o: (o.decided_at_ms, o.order))
        return WeekDecisions(orders, dqs, closed)

    def record_group_order(self, week: int, decision: GroupOrder) -> None:
        digest = hashlib.sha256("\n".join(decision.order).encode()).hexdigest()[:12]
        DecisionItem(
            pk=week_pk(week),
            sk=f"DECISION#{decision.decided_at_ms:013d}#{digest}",
            week=week,
            group=decision.group,
            order=list(decision.order),
            reason=decision.reason,
            by=decision.by,
            decided_at_ms=decision.decided_at_ms,
        ).save()

    def record_disqualification(self, week: int, dq: Disqualification) -> None:
        DisqualificationItem(
            pk=week_pk(week),
            sk=f"DQ#{dq.account_id}",
            week=week,
            account_id=dq.account_id,
            reason=dq.reason,
            by=dq.by,
            decided_at_ms=dq.decided_at_ms,
        ).save()

    def purged(self) -> bool:
        """Whether the retention purge has run: the close then refuses to republish."""
        from contest.tables import PurgeItem

        try:
            PurgeItem.get("RETENTION", "PURGED", consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def mark_closed(self, closed: ClosedWeek) -> None:
        ClosedItem(
            pk=week_pk(closed.week),
            sk="CLOSED",
            week=closed.week,
            closed_at_ms=closed.closed_at_ms,
            participants=closed.participants,
            standings_sha256=closed.standings_sha256,
            units=json.dumps(closed.units, ensure_ascii=False, sort_keys=True),
        ).save()

    def closed_weeks(self, weeks: _Iterable[int]) -> dict[int, ClosedWeek]:
        out: dict[int, ClosedWeek] = {}
        for week in weeks:
            closed = self.week_decisions(week).closed
            if closed is not None:
                out[week] = closed
        return out


# ---------------------------------------------------------------------------------------------------
# Unit coordinators and the progress report. `CoordinatorRepository` extends `CloseRepository`
# (the report streams a week's standings exactly as the close does) with:
#   - appointments: `AccountItem.coordinator_unit` + a `CoordinatorItem` in the COORDINATORS partition,
#     written and removed together in one transaction;
#   - index gsi1: a unit's accounts (UNIT#<unit>) and who of a unit took part in a week
#     (WEEK#<ww>#UNIT#<unit>). The index carries names, phones and flags, never a score.
# ---------------------------------------------------------------------------------------------------

from contest.tables import CoordinatorItem, TableSchema  # noqa: E402

COORDINATORS_PK = "COORDINATORS"
UNIT_INDEX = "gsi1"


@dataclass(frozen=True)
class Coordinator:
    account_id: str
    unit_id: str
    phone: str  # E.164: organisers' CLI only, never sent to the site
    full_name: str
    appointed_at_ms: int
    note: str | None
    # read from the account at listing time (not the appointment's snapshot); None: the account is gone
    verified: bool | None = None


class CoordinatorNotVerified(Exception):
    """The account to appoint is not (or no longer) verified: the appointment was not written."""


@dataclass(frozen=True)
class UnitMember:
    account_id: str
    full_name: str
    phone: str  # E.164; services mask it before it leaves
    verified: bool
    excluded: bool
    unit_visible: bool = False  # the coordinator-view consent stands


def _index_pages(pk: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Raw pages of one gsi1 partition (eventually consistent, as every index read is)."""
    start = None
    while True:
        page = TableSchema._get_connection().query(pk, index_name=UNIT_INDEX, exclusive_start_key=start, **kwargs)
        yield page
        start = page.get("LastEvaluatedKey")
        if not start:
            return


class CoordinatorRepository(CloseRepository):
    # --- appointments ----------------------------------------------------------------------------

    def appoint_coordinator(self, account: Account, unit_id: str, now_ms: int, note: str | None) -> None:
        """Mark the account as the unit's coordinator (one unit per person: a new appointment replaces it).

        Only a verified account can be appointed: the write is conditioned on the stored flag, so an account
        un-verified between the organiser's check and this write is refused (CoordinatorNotVerified).
        """
        entry = CoordinatorItem(
            pk=COORDINATORS_PK,
            sk=account.account_id,
            account_id=account.account_id,
            unit_id=unit_id,
            phone=account.phone,
            full_name=account.full_name,
            appointed_at_ms=now_ms,
            note=note,
        )
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                tx.update(
                    AccountItem(pk=account_pk(account.account_id), sk=PROFILE),
                    actions=[AccountItem.coordinator_unit.set(unit_id)],
                    condition=AccountItem.pk.exists() & (AccountItem.verified == True),  # noqa: E712
                )
                tx.save(entry)
        except TransactWriteError as exc:
            if any(_cancelled(exc)):  # only the profile update carries a condition
                raise CoordinatorNotVerified() from exc
            raise

    def dismiss_coordinator(self, account_id: str) -> bool:
        """Remove an appointment; False when the account was not a coordinator."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                tx.delete(CoordinatorItem(pk=COORDINATORS_PK, sk=account_id), condition=CoordinatorItem.pk.exists())
                tx.update(
                    AccountItem(pk=account_pk(account_id), sk=PROFILE),
                    actions=[AccountItem.coordinator_unit.remove()],
                    condition=AccountItem.pk.exists(),
                )
        except TransactWriteError as exc:
            if any(_cancelled(exc)):
                return False
            raise
        return True

    def coordinators(self) -> list[Coordinator]:
        """Every appointment, with the account's verification status as stored now."""
        found = [CoordinatorItem.from_raw_data(raw) for raw in tables.query_partition(COORDINATORS_PK)]
        verified: dict[str, bool] = {}
        keys = [(account_pk(c.account_id), PROFILE) for c in found]
        for item in AccountItem.batch_get(keys, consistent_read=True, attributes_to_get=["account_id", "verified"]):
            verified[item.account_id] = bool(item.verified)
        return sorted(
            (
                Coordinator(
                    c.account_id,
                    c.unit_id,
                    c.phone,
                    c.full_name,
                    int(c.appointed_at_ms),
                    c.note,
                    verified.get(c.account_id),
                )
                for c in found
            ),
            key=lambda c: (c.unit_id, c.full_name, c.account_id),
        )

    # --- a unit through index gsi1 ---------------------------------------------------------------

    def unit_members(self, unit_id: str) -> list[UnitMember]:
        """Every account registered in a unit (excluded ones included, flagged)."""
        members: list[UnitMember] = []
        for page in _index_pages(unit_index_pk(unit_id)):
            for raw in page.get("Items", ()):
                members.append(
                    UnitMember(
                        account_id=raw["gsi1sk"]["S"],
                        full_name=raw.get("full_name", {}).get("S", ""),
                        phone=raw.get("phone", {}).get("S", ""),
                        verified=bool(raw.get("verified", {}).get("BOOL", False)),
                        excluded=bool(raw.get("excluded", {}).get("BOOL", False)),
                        unit_visible=bool(raw.get("unit_visible", {}).get("BOOL", False)),
                    )
                )
        return members

    def unit_took_part(self, week: int, unit_id: str) -> set[str]:
        """Account ids of the unit with at least one submitted attempt in the week (no scores read)."""
        found: set[str] = set()
        for page in _index_pages(unit_week_index_pk(week, unit_id), attributes_to_get=["gsi1sk"]):
            found.update(raw["gsi1sk"]["S"] for raw in page.get("Items", ()))
        return found

    def registered_counts(self, unit_ids: _Iterable[str], verified_only: bool = False) -> dict[str, int]:
        """Per unit: accounts registered and not excluded (index counts; no item leaves DynamoDB). With
        `verified_only` (at_registration mode) only accounts that proved their phone: an unverified account is
        not a contestant yet, and one past its TTL is gone even before DynamoDB deletes it (lazily)."""
        condition = AccountItem.excluded != True  # noqa: E712 (a DynamoDB condition, not a comparison)
        if verified_only:
            condition = condition & (AccountItem.verified == True)  # noqa: E712
        counts: dict[str, int] = {}
        for unit_id in unit_ids:
            counts[unit_id] = sum(
                int(page.get("Count", 0))
                for page in _index_pages(unit_index_pk(unit_id), select="COUNT", filter_condition=condition)
            )
        return counts


# --- personal data lifecycle: erasure and the retention purge ------------------------------------

ERASED = "ERASED"
RETENTION = "RETENTION"
PURGED = "PURGED"
REQUEST_LOG = "PRIVACY"  # the data subjects' requests (account ids only): kept as proof of their handling


def _kept_after_purge(pk: str, sk: str) -> bool:
    """What the retention purge keeps: the content, each week's closed marker (SHA-256 and unit totals, nothing
    personal), the purge record and the request log. Everything else is deleted: a new item kind is purged
    unless listed here."""
    if pk in ("CONTENT", RETENTION, REQUEST_LOG):
        return True
    return pk.startswith("WEEK#") and sk == "CLOSED" and "#S#" not in pk


@dataclass(frozen=True)
class Erasure:
    key: str  # contest.erasure.erasure_key of the phone
    erased_at_ms: int
    by: str
    published_weeks: tuple[int, ...]
    withdrawn_weeks: tuple[int, ...]


@dataclass(frozen=True)
class Purge:
    purged_at_ms: int
    retention_ms: int
    deleted: dict[str, int]


class ErasureRepository(CoordinatorRepository):
    # --- erasure ---------------------------------------------------------------------------------------------

    def record_erasure(self, erasure: Erasure, ttl_s: int | None) -> None:
        from contest.tables import ErasureItem

        ErasureItem(
            pk=ERASED,
            sk=erasure.key,
            erased_at_ms=erasure.erased_at_ms,
            by=erasure.by,
            published_weeks=list(erasure.published_weeks),
            withdrawn_weeks=list(erasure.withdrawn_weeks),
            ttl=ttl_s,
        ).save()

    def erasures(self) -> list[Erasure]:
        from contest.tables import ErasureItem

        return sorted(
            (
                Erasure(
                    i.sk,
                    int(i.erased_at_ms),
                    i.by,
                    tuple(int(str(w)) for w in i.published_weeks),
                    tuple(int(str(w)) for w in i.withdrawn_weeks),
                )
                for i in ErasureItem.query(ERASED)
            ),
            key=lambda e: (e.erased_at_ms, e.key),
        )

    def anonymise_standing(self, week: int, account_id: str, listing: str, mark: str) -> bool:
        """A published week: keep the entry's numbers (ranks and the SHA-256 stay), drop name and phone."""
        item = StandingItem(pk=standing_pk(week, shard_of(account_id, self.shards)), sk=account_id)
        try:
            item.update(
                actions=[StandingItem.full_name.set(listing), StandingItem.phone_masked.set(mark)],
                condition=StandingItem.pk.exists(),
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def delete_standing(self, week: int, account_id: str) -> None:
        StandingItem(pk=standing_pk(week, shard_of(account_id, self.shards)), sk=account_id).delete()

    def delete_partition(self, pk: str) -> int:
        """Delete every item of one partition (an account's profile, attempts and awards; a phone's claim and
        codes). Returns how many."""
        keys = [(i["pk"]["S"], i["sk"]["S"]) for i in tables.query_partition(pk)]
        self.delete_keys(keys)
        return len(keys)

    def partition_owners(self, pk: str) -> list[tuple[tuple[str, str], str | None]]:
        """Each item's key in one partition with the account it belongs to (`account_id`, when it has one)."""
        return [((i["pk"]["S"], i["sk"]["S"]), i.get("account_id", {}).get("S")) for i in tables.query_partition(pk)]

    def delete_keys(self, keys: _Iterable[tuple[str, str]]) -> None:
        with TableSchema.batch_write() as batch:
            for pk, sk in keys:
                batch.delete(TableSchema(pk=pk, sk=sk))

    def delete_exclusion(self, phone: str) -> None:
        ExclusionItem(pk=EXCLUSIONS, sk=phone).delete()

    def reclaim_keys_of(self, account_id: str) -> list[tuple[str, str]]:
        """The committee's reclaim records naming the account (as the number's old or new holder)."""
        return [
            (RECLAIMS, i.sk)
            for i in (ReclaimItem.from_raw_data(raw) for raw in tables.query_partition(RECLAIMS))
            if account_id in (i.old_account_id, i.new_account_id)
        ]

    # --- the retention purge ---------------------------------------------------------------------------------

    def purge_record(self) -> Purge | None:
        from contest.tables import PurgeItem

        try:
            item = PurgeItem.get(RETENTION, PURGED, consistent_read=True)
        except DoesNotExist:
            return None
        return Purge(int(item.purged_at_ms), int(item.retention_ms), json.loads(item.deleted))

    def purgeable_keys(self) -> Iterator[tuple[str, str]]:
        """The key of every item the purge deletes (a scan of the whole table)."""
        for raw in tables.scan_items():
            pk, sk = raw["pk"]["S"], raw["sk"]["S"]
            if not _kept_after_purge(pk, sk):
                yield pk, sk

    def mark_purged(self, purge: Purge) -> None:
        from contest.tables import PurgeItem

        PurgeItem(
            pk=RETENTION,
            sk=PURGED,
            purged_at_ms=purge.purged_at_ms,
            retention_ms=purge.retention_ms,
            deleted=json.dumps(purge.deleted, sort_keys=True),
        ).save()


# ---------------------------------------------------------------------------------------------------
# Data subjects' rights: consents, the privacy request log, everything stored about an account.
# ---------------------------------------------------------------------------------------------------

from contest.tables import PrivacyRequestItem  # noqa: E402

PRIVACY_PK = "PRIVACY"
RECLAIMS_PK = RECLAIMS


@dataclass(frozen=True)
class PrivacyRequest:
    request_id: str
    account_id: str
    kind: str  # export | withdraw | erasure
    purpose: str | None
    received_at_ms: int
    due_at_ms: int
    status: str  # pending | done
    handled_by: str | None = None
    handled_at_ms: int | None = None


def _privacy_request(item: PrivacyRequestItem) -> PrivacyRequest:
    return PrivacyRequest(
        request_id=item.sk,
        account_id=item.account_id,
        kind=item.kind,
        purpose=item.purpose,
        received_at_ms=int(item.received_at_ms),
        due_at_ms=int(item.due_at_ms),
        status=item.status,
        handled_by=item.handled_by,
        handled_at_ms=None if item.handled_at_ms is None else int(item.handled_at_ms),
    )


def plain(raw: dict[str, Any]) -> Any:
    """A DynamoDB attribute value as plain JSON (numbers as int when whole); bytes as their length only."""
    (kind, value), *_ = raw.items()
    if kind == "S":
        return value
    if kind == "N":
        number = float(value)
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "L":
        return [plain(v) for v in value]
    if kind == "M":
        return {k: plain(v) for k, v in value.items()}
    if kind == "SS":
        return sorted(value)
    if kind == "NS":
        return sorted(plain({"N": v}) for v in value)
    return f"<{len(value)} bytes>"


def plain_item(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in raw.items()}


class PrivacyRepository(CoordinatorRepository):
    # --- consents --------------------------------------------------------------------------------

    def set_consents(
        self, account_id: str, consents: dict[str, Any], seen: dict[str, Any] | None, unit_visible: bool
    ) -> bool:
        """Replace the account's consents if they are still what the caller read (False: they moved)."""
        condition = AccountItem.pk.exists() & (
            AccountItem.consents.does_not_exist() if seen is None else AccountItem.consents == _consents_json(seen)
        )
        try:
            AccountItem(pk=account_pk(account_id), sk=PROFILE).update(
                actions=[
                    AccountItem.consents.set(_consents_json(consents)),
                    AccountItem.unit_visible.set(unit_visible),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    # --- the request log -------------------------------------------------------------------------

    def log_privacy_request(self, request: PrivacyRequest) -> tuple[PrivacyRequest, bool]:
        """Write a request unless one with its id exists: (the stored request, True when newly written).
        Ids are derived from what was asked, so a retried request finds its first write."""
        item = PrivacyRequestItem(
            pk=PRIVACY_PK,
            sk=request.request_id,
            account_id=request.account_id,
            kind=request.kind,
            purpose=request.purpose,
            received_at_ms=request.received_at_ms,
            due_at_ms=request.due_at_ms,
            status=request.status,
            handled_by=request.handled_by,
            handled_at_ms=request.handled_at_ms,
        )
        try:
            item.save(condition=PrivacyRequestItem.pk.does_not_exist())
        except PutError as exc:
            if not _is_condition_failure(exc):
                raise
            stored = self.privacy_request(request.request_id)
            assert stored is not None
            return stored, False
        return request, True

    def privacy_request(self, request_id: str) -> PrivacyRequest | None:
        try:
            return _privacy_request(PrivacyRequestItem.get(PRIVACY_PK, request_id, consistent_read=True))
        except DoesNotExist:
            return None

    def privacy_requests(self, account_id: str | None = None) -> list[PrivacyRequest]:
        """Every request (one small partition), oldest first; only one account's when given."""
        found = [_privacy_request(PrivacyRequestItem.from_raw_data(raw)) for raw in tables.query_partition(PRIVACY_PK)]
        if account_id is not None:
            found = [r for r in found if r.account_id == account_id]
        return sorted(found, key=lambda r: (r.received_at_ms, r.request_id))

    def close_privacy_request(self, request_id: str, by: str, now_ms: int) -> bool:
        """Mark a request handled (once: False when it does not exist or was already handled)."""
        try:
            PrivacyRequestItem(pk=PRIVACY_PK, sk=request_id).update(
                actions=[
                    PrivacyRequestItem.status.set("done"),
                    PrivacyRequestItem.handled_by.set(by),
                    PrivacyRequestItem.handled_at_ms.set(now_ms),
                ],
                condition=PrivacyRequestItem.pk.exists() & (PrivacyRequestItem.status == "pending"),
            )
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    # --- everything stored about an account ------------------------------------------------------

    def account_records(self, account_id: str, weeks: _Iterable[int]) -> dict[str, list[dict[str, Any]]]:
        """Every table item that belongs to or mentions the account, as plain dicts by kind (keys included).

        Where they live: its own partition (profile, attempts, awards); its phone's partition (the claim and
        codes, only those bound to this account); each week's standing and disqualification; committee tie
        decisions naming it; its coordinator appointment; reclaims naming it; its privacy requests."""
        out: dict[str, list[dict[str, Any]]] = {}

        def add(kind: str, raw: dict[str, Any]) -> None:
            out.setdefault(kind, []).append(plain_item(raw))

        phone = None
        for raw in tables.query_partition(account_pk(account_id)):
            sk = raw["sk"]["S"]
            if sk == PROFILE:
                phone = raw.get("phone", {}).get("S")
                add("profile", raw)
            elif sk.startswith("ATTEMPT#"):
                add("attempts", raw)
            elif sk.startswith("AWARD#"):
                add("awards", raw)
            else:
                add("other", raw)
        if phone:
            for raw in tables.query_partition(phone_pk(phone)):
                if raw.get("account_id", {}).get("S") == account_id:
                    add("phone_claim" if raw["sk"]["S"] == "CLAIM" else "codes", raw)
        for week in weeks:
            key = (standing_pk(week, shard_of(account_id, self.shards)), account_id)
            for raw in tables.query_partition(key[0], key[1]):
                if raw["sk"]["S"] == account_id:
                    add("standings", raw)
            for raw in tables.query_partition(week_pk(week), "D"):
                sk = raw["sk"]["S"]
                if sk == f"DQ#{account_id}":
                    add("disqualifications", raw)
                elif sk.startswith("DECISION#") and account_id in [v.get("S") for v in raw["order"]["L"]]:
                    add("decisions", raw)
        for raw in tables.query_partition(COORDINATORS_PK, account_id):
            if raw["sk"]["S"] == account_id:
                add("coordinator_appointments", raw)
        for raw in tables.query_partition(RECLAIMS_PK):
            if account_id in (raw["old_account_id"]["S"], raw["new_account_id"]["S"]):
                add("reclaims", raw)
        for raw in tables.query_partition(PRIVACY_PK):
            if raw["account_id"]["S"] == account_id:
                add("privacy_requests", raw)
        return out
