"""A phone number's side of the store: who holds it (its CLAIM), sign-in counting on it, whether organisers
excluded it or its owner's data was erased, and the committee's record of numbers reclaimed by their owners."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, UpdateError

from contest.rules.errors import Busy
from contest.store import tables
from contest.store.conditions import is_condition_failure
from contest.store.keys import (
    CLAIM,
    ERASED,
    EXCLUSIONS,
    PROFILE,
    RECLAIMS,
    account_pk,
    login_counter,
    phone_pk,
    reclaim_sk,
)
from contest.store.mapping import claim_from_item
from contest.store.records import Exclusion, LoginCount, NumberState, PhoneClaim, Reclaim
from contest.store.tables import AccountItem, ErasureItem, ExclusionItem, PhoneItem, ReclaimItem


class PhoneStore:
    def number_state(
        self, phone: str, erased_key: str | None = None, login_of: tuple[str, int] | None = None
    ) -> NumberState:
        """Excluded, claim and erased of a number in ONE consistent BatchGetItem; `erased_key`
        (contest.rules.erasure.erasure_key) also reads whether the number was erased in this contest; `login_of`
        (address hash, hour) also reads that address's refused logins in that hour (Budgets.throttle_login)."""
        connection = tables.TableSchema._get_connection()
        keys: list[dict[str, str]] = [{"pk": EXCLUSIONS, "sk": phone}, {"pk": phone_pk(phone), "sk": CLAIM}]
        if erased_key is not None:
            keys.append({"pk": ERASED, "sk": erased_key})
        login_key = login_counter(*login_of) if login_of is not None else None
        if login_key is not None:
            keys.append({"pk": login_key[0], "sk": login_key[1]})
        excluded, claim, erased, refusals = False, None, False, 0
        for _ in range(10):
            answer = connection.batch_get_item(keys, consistent_read=True)  # type: ignore[arg-type]  # key maps
            for raw in answer.get("Responses", {}).get(connection.table_name, []):
                if raw["pk"]["S"] == EXCLUSIONS:
                    excluded = True
                elif raw["pk"]["S"] == ERASED:
                    erased = True
                elif login_key is not None and raw["pk"]["S"] == login_key[0]:
                    refusals = int(raw.get("hits", {}).get("N", "0"))
                else:
                    item = PhoneItem.from_raw_data(raw)
                    claim = claim_from_item(item)
            left = answer.get("UnprocessedKeys", {}).get(connection.table_name, {}).get("Keys", [])
            if not left:
                return NumberState(excluded, claim, erased, refusals)
            keys = [{"pk": k["pk"]["S"], "sk": k["sk"]["S"]} for k in left]
        raise Busy()

    def is_excluded(self, phone: str) -> bool:
        try:
            ExclusionItem.get(EXCLUSIONS, phone, consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def is_erased(self, key: str) -> bool:
        """Whether a number (its `contest.rules.erasure.erasure_key`) was erased in this contest."""
        try:
            ErasureItem.get(ERASED, key, consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def claim(self, phone: str) -> PhoneClaim | None:
        try:
            item = PhoneItem.get(phone_pk(phone), CLAIM, consistent_read=True)
        except DoesNotExist:
            return None
        return claim_from_item(item)

    def count_login(self, phone: str) -> LoginCount | None:
        """Count one login attempt on the phone (atomic ADD, before any password check) and return the
        counter as this attempt left it; None when no account holds the phone (nothing is written)."""
        item = PhoneItem(pk=phone_pk(phone), sk=CLAIM)
        try:
            item.update(actions=[PhoneItem.login_failures.add(1)], condition=PhoneItem.pk.exists())
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise
        claim = claim_from_item(item)  # the same attributes, as this attempt left them
        return LoginCount(claim.account_id, claim.login_failures, claim.locked_until_ms, claim.expires_at_s)

    def take_login_slot(self, phone: str, seen_locked_until_ms: int, locked_until_ms: int) -> bool:
        """Lock the phone until `locked_until_ms` unless another attempt did since this one was counted.
        Of the attempts that saw the same (expired) lock, exactly one gets its password checked."""
        unchanged = PhoneItem.locked_until_ms == seen_locked_until_ms
        if not seen_locked_until_ms:
            unchanged = unchanged | PhoneItem.locked_until_ms.does_not_exist()
        try:
            PhoneItem(pk=phone_pk(phone), sk=CLAIM).update(
                actions=[PhoneItem.locked_until_ms.set(locked_until_ms)], condition=unchanged
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def login_succeeded(self, phone: str, seen: LoginCount) -> None:
        """Forget the attempts this login saw. Attempts counted meanwhile (a parallel batch) stay counted
        and the lock stays: only when nobody else came in between are counter and lock cleared."""
        item = PhoneItem(pk=phone_pk(phone), sk=CLAIM)
        try:
            item.update(
                actions=[PhoneItem.login_failures.set(0), PhoneItem.locked_until_ms.set(0)],
                condition=PhoneItem.login_failures == seen.attempts,
            )
            return
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
        try:
            item.update(
                actions=[PhoneItem.login_failures.add(-seen.attempts)],
                condition=PhoneItem.login_failures >= seen.attempts,
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):  # a password reset cleared the counter meanwhile
                raise

    def add_exclusion(self, phone: str, note: str | None, now_ms: int) -> bool:
        """Exclude a phone; an existing account is marked too. Returns whether an account existed."""
        ExclusionItem(pk=EXCLUSIONS, sk=phone, phone=phone, added_at_ms=now_ms, note=note).save()
        return self._mark_excluded(phone, True)

    def remove_exclusion(self, phone: str) -> bool:
        try:
            ExclusionItem(pk=EXCLUSIONS, sk=phone).delete(condition=ExclusionItem.pk.exists())
        except Exception as exc:
            if is_condition_failure(exc):
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

    def record_reclaim(self, reclaim: Reclaim) -> None:
        ReclaimItem(
            pk=RECLAIMS,
            sk=reclaim_sk(reclaim.at_ms, reclaim.old_account_id),
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
