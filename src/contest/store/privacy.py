"""Data subjects' rights: consents, the privacy request log, everything stored about an account.

The request log is one small partition; an item holds the account id and what was asked, never a name or a phone
(it outlives an erased account as proof of handling).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from contest.adapters.config import STANDING_SHARDS
from contest.store import tables
from contest.store.conditions import is_condition_failure, put_once
from contest.store.keys import (
    ATTEMPT_PREFIX,
    AWARD_PREFIX,
    CLAIM,
    COORDINATORS,
    DECISION_PREFIX,
    PRIVACY,
    PROFILE,
    RECLAIMS,
    RULINGS_PREFIX,
    account_pk,
    dq_sk,
    phone_pk,
    shard_of,
    standing_pk,
    week_pk,
)
from contest.store.mapping import consents_json
from contest.store.tables import AccountItem, PrivacyRequestItem


@dataclass(frozen=True)
class PrivacyRequest:
    """A data subject's request and its handling (account id only)."""

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


class PrivacyStore:
    def __init__(self, shards: int = STANDING_SHARDS) -> None:
        self.shards = shards

    def set_consents(
        self, account_id: str, consents: dict[str, Any], seen: dict[str, Any] | None, unit_visible: bool
    ) -> bool:
        """Replace the account's consents if they are still what the caller read (False: they moved)."""
        condition = AccountItem.pk.exists() & (
            AccountItem.consents.does_not_exist() if seen is None else AccountItem.consents == consents_json(seen)
        )
        try:
            AccountItem(pk=account_pk(account_id), sk=PROFILE).update(
                actions=[
                    AccountItem.consents.set(consents_json(consents)),
                    AccountItem.unit_visible.set(unit_visible),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def log_privacy_request(self, request: PrivacyRequest) -> tuple[PrivacyRequest, bool]:
        """Write a request unless one with its id exists: (the stored request, True when newly written).
        Ids are derived from what was asked, so a retried request finds its first write."""
        item = PrivacyRequestItem(
            pk=PRIVACY,
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
        if put_once(item):
            return request, True
        stored = self.privacy_request(request.request_id)
        assert stored is not None
        return stored, False

    def privacy_request(self, request_id: str) -> PrivacyRequest | None:
        try:
            return _privacy_request(PrivacyRequestItem.get(PRIVACY, request_id, consistent_read=True))
        except DoesNotExist:
            return None

    def privacy_requests(self, account_id: str | None = None) -> list[PrivacyRequest]:
        """Every request (one small partition), oldest first; only one account's when given."""
        found = [_privacy_request(PrivacyRequestItem.from_raw_data(raw)) for raw in tables.query_partition(PRIVACY)]
        if account_id is not None:
            found = [r for r in found if r.account_id == account_id]
        return sorted(found, key=lambda r: (r.received_at_ms, r.request_id))

    def close_privacy_request(self, request_id: str, by: str, now_ms: int) -> bool:
        """Mark a request handled (once: False when it does not exist or was already handled)."""
        try:
            PrivacyRequestItem(pk=PRIVACY, sk=request_id).update(
                actions=[
                    PrivacyRequestItem.status.set("done"),
                    PrivacyRequestItem.handled_by.set(by),
                    PrivacyRequestItem.handled_at_ms.set(now_ms),
                ],
                condition=PrivacyRequestItem.pk.exists() & (PrivacyRequestItem.status == "pending"),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def account_records(self, account_id: str, weeks: Iterable[int]) -> dict[str, list[dict[str, Any]]]:
        """Every table item that belongs to or mentions the account, as plain dicts by kind (keys included).

        Where they live: its own partition (profile, attempts, awards); its phone's partition (the claim and
        codes, only those bound to this account); each week's standing and disqualification; committee tie
        decisions naming it; its coordinator appointment; reclaims naming it; its privacy requests."""
        out: dict[str, list[dict[str, Any]]] = {}
        for kind, raw in self._records_of(account_id, weeks):
            out.setdefault(kind, []).append(plain_item(raw))
        return out

    def _records_of(self, account_id: str, weeks: Iterable[int]) -> Iterator[tuple[str, dict[str, Any]]]:
        phone = None
        for raw in tables.query_partition(account_pk(account_id)):
            sk = raw["sk"]["S"]
            if sk == PROFILE:
                phone = raw.get("phone", {}).get("S")
                yield "profile", raw
            elif sk.startswith(ATTEMPT_PREFIX):
                yield "attempts", raw
            elif sk.startswith(AWARD_PREFIX):
                yield "awards", raw
            else:
                yield "other", raw
        if phone:
            for raw in tables.query_partition(phone_pk(phone)):
                if raw.get("account_id", {}).get("S") == account_id:
                    yield ("phone_claim" if raw["sk"]["S"] == CLAIM else "codes"), raw
        for week in weeks:
            yield from self._week_records(week, account_id)
        yield from _registry_records(account_id)

    def _week_records(self, week: int, account_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The account's standing of a week, its disqualification and the committee decisions naming it."""
        for raw in tables.query_partition(standing_pk(week, shard_of(account_id, self.shards)), account_id):
            if raw["sk"]["S"] == account_id:
                yield "standings", raw
        for raw in tables.query_partition(week_pk(week), RULINGS_PREFIX):
            sk = raw["sk"]["S"]
            if sk == dq_sk(account_id):
                yield "disqualifications", raw
            elif sk.startswith(DECISION_PREFIX) and account_id in [v.get("S") for v in raw["order"]["L"]]:
                yield "decisions", raw


def _registry_records(account_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The small partitions naming the account: its coordinator appointment, reclaims, privacy requests."""
    for raw in tables.query_partition(COORDINATORS, account_id):
        if raw["sk"]["S"] == account_id:
            yield "coordinator_appointments", raw
    for raw in tables.query_partition(RECLAIMS):
        if account_id in (raw["old_account_id"]["S"], raw["new_account_id"]["S"]):
            yield "reclaims", raw
    for raw in tables.query_partition(PRIVACY):
        if raw["account_id"]["S"] == account_id:
            yield "privacy_requests", raw
