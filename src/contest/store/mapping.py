"""Table items <-> records, each mapping written once.

The standing has four shapes: `StandingRecord` (the model), `StandingItem` (the table), the wire item of a Query
body and the close's compact tuple. All four follow `contest.rules.model.STANDING_FIELDS`; the conversions below are
derived from it, so a new field is added in one place (the record) and the item's attribute of the same name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from contest.rules.model import STANDING_FIELDS, Account, Attempt, StandingRecord
from contest.store.records import Award, CodeRecord, PhoneClaim

if TYPE_CHECKING:  # contest.rules.ranking imports numpy: only the close's layer has it
    from contest.rules.ranking import CompactStanding
    from contest.store.tables import AccountItem, AttemptItem, CodeItem, PhoneItem, StandingItem

_NUMBERS = frozenset(f.name for f in fields(StandingRecord) if f.type in ("int", int))
# (name, is a number) per standing field, in StandingRecord order
STANDING_KINDS: tuple[tuple[str, bool], ...] = tuple((name, name in _NUMBERS) for name in STANDING_FIELDS)


def consents_json(consents: dict[str, Any]) -> str:
    return json.dumps(consents, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def account_from_item(item: AccountItem) -> Account:
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


def attempt_from_item(item: AttemptItem) -> Attempt:
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


def award_from_item(item: Any) -> Award:
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


def claim_from_item(item: PhoneItem) -> PhoneClaim:
    return PhoneClaim(
        item.account_id,
        int(item.login_failures or 0),
        int(item.locked_until_ms or 0),
        None if item.ttl is None else int(item.ttl),
    )


def code_from_item(item: CodeItem) -> CodeRecord:
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


def standing_from_item(item: StandingItem) -> StandingRecord:
    values: dict[str, Any] = {n: int(getattr(item, n)) if number else getattr(item, n) for n, number in STANDING_KINDS}
    return StandingRecord(**values)


def standing_attributes(standing: StandingRecord) -> dict[str, Any]:
    """The StandingItem attributes of a record (keys and index keys aside)."""
    return {name: getattr(standing, name) for name in STANDING_FIELDS}


def standing_rows(items: Iterable[dict[str, Any]]) -> list[CompactStanding]:
    """DynamoDB wire items (as in a Query response body) -> compact standings, StandingRecord field order."""
    kinds = STANDING_KINDS
    return [tuple([int(i[n]["N"]) if number else i[n]["S"] for n, number in kinds]) for i in items]  # type: ignore[misc]
