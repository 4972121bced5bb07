"""Unit coordinators and what they see of their unit through index gsi1.

An appointment lives twice, written in one transaction: on the account (`AccountItem.coordinator_unit`: read with
the profile every coordinator request needs anyway) and as a registry item in the COORDINATORS partition, so
organisers list every coordinator with one query. Index gsi1 holds a unit's accounts (UNIT#<unit>) and who of a
unit took part in a week (WEEK#<ww>#UNIT#<unit>); it carries names, phones and flags, never a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from contest.rules.model import Account
from contest.store import tables
from contest.store.conditions import cancelled
from contest.store.keys import COORDINATORS, PROFILE, UNIT_INDEX, account_pk, unit_index_pk, unit_week_index_pk
from contest.store.tables import AccountItem, CoordinatorItem, TableSchema


@dataclass(frozen=True)
class Coordinator:
    """An appointment of a unit's coordinator, as organisers list it."""

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
    """An account of a unit as index gsi1 holds it (never a score)."""

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


class CoordinatorStore:
    def appoint_coordinator(self, account: Account, unit_id: str, now_ms: int, note: str | None) -> None:
        """Mark the account as the unit's coordinator (one unit per person: a new appointment replaces it).

        Only a verified account can be appointed: the write is conditioned on the stored flag, so an account
        un-verified between the organiser's check and this write is refused (CoordinatorNotVerified).
        """
        entry = CoordinatorItem(
            pk=COORDINATORS,
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
            if any(cancelled(exc)):  # only the profile update carries a condition
                raise CoordinatorNotVerified() from exc
            raise

    def dismiss_coordinator(self, account_id: str) -> bool:
        """Remove an appointment; False when the account was not a coordinator."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                tx.delete(CoordinatorItem(pk=COORDINATORS, sk=account_id), condition=CoordinatorItem.pk.exists())
                tx.update(
                    AccountItem(pk=account_pk(account_id), sk=PROFILE),
                    actions=[AccountItem.coordinator_unit.remove()],
                    condition=AccountItem.pk.exists(),
                )
        except TransactWriteError as exc:
            if any(cancelled(exc)):
                return False
            raise
        return True

    def appointments(self) -> list[Coordinator]:
        """Every appointment, with the account's verification status as stored now."""
        found = [CoordinatorItem.from_raw_data(raw) for raw in tables.query_partition(COORDINATORS)]
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

    def registered_counts(self, unit_ids: Iterable[str], verified_only: bool = False) -> dict[str, int]:
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
