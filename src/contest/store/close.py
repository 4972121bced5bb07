"""The weekly close's own items: committee decisions, disqualifications and each week's closed marker
(one query of the week's partition returns them all), the retention purge's flag, the excluded accounts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist

from contest.store import tables
from contest.store.keys import (
    CLOSED,
    DECISION_PREFIX,
    PURGED,
    RETENTION,
    decision_sk,
    dq_sk,
    week_pk,
)
from contest.store.phones import PhoneStore
from contest.store.tables import ClosedItem, DecisionItem, DisqualificationItem, PurgeItem

if TYPE_CHECKING:  # contest.rules.ranking imports numpy: only the close's layer has it, so import it lazily
    from contest.rules.ranking import Disqualification, GroupOrder


@dataclass(frozen=True)
class ClosedWeek:
    """A week's closed marker: when, how many took part, the standings' SHA-256 and the unit totals."""

    week: int
    closed_at_ms: int
    participants: int
    standings_sha256: str
    units: list[dict[str, Any]]


@dataclass(frozen=True)
class WeekDecisions:
    """Everything the close reads of a week besides the standings."""

    orders: list[GroupOrder]
    disqualifications: list[Disqualification]
    closed: ClosedWeek | None


class CloseStore:
    def __init__(self, phones: PhoneStore) -> None:
        self.phones = phones

    def week_decisions(self, week: int) -> WeekDecisions:
        from contest.rules.ranking import Disqualification, GroupOrder

        orders: list[GroupOrder] = []
        dqs: list[Disqualification] = []
        closed: ClosedWeek | None = None
        for raw in tables.query_partition(week_pk(week)):
            sk = raw["sk"]["S"]
            if sk.startswith(DECISION_PREFIX):
                d = DecisionItem.from_raw_data(raw)
                members = tuple(str(x) for x in d.order)
                orders.append(GroupOrder(members, d.reason, d.by, int(d.decided_at_ms), d.group))
            elif sk.startswith("DQ#"):
                q = DisqualificationItem.from_raw_data(raw)
                dqs.append(Disqualification(q.account_id, q.reason, q.by, int(q.decided_at_ms)))
            elif sk == CLOSED:
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
            sk=decision_sk(decision.decided_at_ms, digest),
            week=week,
            group=decision.group,
            order=list(decision.order),
            reason=decision.reason,
            by=decision.by,
            decided_at_ms=decision.decided_at_ms,
        ).save()

    def record_disqualification(self, week: int, dq: Disqualification) -> None:
        _save_disqualification(week, dq.account_id, dq.reason, dq.by, dq.decided_at_ms)

    def withdraw_entries(self, account_id: str, weeks: list[int], reason: str, by: str, now_ms: int) -> None:
        """Record a disqualification per week (the close keeps them out of the ranking). Takes plain values:
        the request path (a reclaimed number) must not import contest.rules.ranking, which needs numpy."""
        for week in weeks:
            _save_disqualification(week, account_id, reason, by, now_ms)

    def purged(self) -> bool:
        """Whether the retention purge has run: the close then refuses to republish."""
        try:
            PurgeItem.get(RETENTION, PURGED, consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def mark_closed(self, closed: ClosedWeek) -> None:
        ClosedItem(
            pk=week_pk(closed.week),
            sk=CLOSED,
            week=closed.week,
            closed_at_ms=closed.closed_at_ms,
            participants=closed.participants,
            standings_sha256=closed.standings_sha256,
            units=json.dumps(closed.units, ensure_ascii=False, sort_keys=True),
        ).save()

    def closed_weeks(self, weeks: Iterable[int]) -> dict[int, ClosedWeek]:
        out: dict[int, ClosedWeek] = {}
        for week in weeks:
            closed = self.week_decisions(week).closed
            if closed is not None:
                out[week] = closed
        return out

    def week_is_closed(self, week: int) -> bool:
        try:
            ClosedItem.get(week_pk(week), CLOSED, consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def excluded_account_ids(self) -> set[str]:
        """Accounts of the excluded phones (organisers): never ranked. Reads the exclusion partition and the claims."""
        found: set[str] = set()
        for exclusion in self.phones.exclusions():
            claim = self.phones.claim(exclusion.phone)
            if claim is not None:
                found.add(claim.account_id)
        return found


def _save_disqualification(week: int, account_id: str, reason: str, by: str, decided_at_ms: int) -> None:
    DisqualificationItem(
        pk=week_pk(week),
        sk=dq_sk(account_id),
        week=week,
        account_id=account_id,
        reason=reason,
        by=by,
        decided_at_ms=decided_at_ms,
    ).save()
