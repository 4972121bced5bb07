"""The weekly ranking: pure rules over a stream of standings.

Rule (Kế hoạch 59/KH-STTTT, III): score descending, then duration ascending (compared at the configured
resolution), then |prediction − actual participant count| ascending. Entries equal on all three keys
form a *tie group*: they share one rank and the group is marked "Ban Tổ chức quyết định". The system
never orders a group by itself; a recorded committee order (`GroupOrder`) resolves it. Members of an
unresolved group are *listed* by name (then masked phone, then id) only so that the layout is stable;
that listing is not an order and every member carries the same rank.

Prizes are slots (1 first, 2 second, 3 third from the config). An unresolved group whose positions
cover slots of different tiers (or prize slots and no-prize positions) leaves those slots pending and
lists its members as candidates; no more prizes are ever handed out than configured.

Excluded (organiser) accounts and disqualified accounts never enter the ranking, nor the count.

The input is streamed (any iterable of `StandingRecord` or of compact rows in `STANDING_FIELDS`
order) into columns: numpy arrays for the numbers and plain lists for the strings, so a 1M-entry week
costs about 300 MB instead of a million model objects. No clock, no I/O, no AWS here.
"""

from __future__ import annotations

import operator
import unicodedata
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter
from typing import Any

import numpy as np

from contest.rules.erasure import ERASED_LABEL, ERASED_MARK
from contest.rules.model import (
    STANDING_FIELDS,
    Contest,
    DurationResolution,
    ParticipantsCount,
    Prize,
    StandingRecord,
    Unit,
)
from contest.rules.numerals import format_seconds
from contest.rules.phones import MASK_HIDDEN, mask

# A compact standing: the fields of StandingRecord, in that order, as a plain tuple.
CompactStanding = tuple[str, int, int, int, str, str, str, str, int, int]

_as_row = attrgetter(*STANDING_FIELDS)

COUNT_CONTESTANTS = ParticipantsCount.CONTESTANTS
COUNT_ATTEMPTS = ParticipantsCount.ATTEMPTS
PENDING = "pending"
GROUP_PREFIX = "N"  # tie groups are labelled N1, N2, ... in rank order ("nhóm")


class FlagKind(StrEnum):
    """Why a standing is flagged for the secretariat's review (private report only)."""

    TOO_FAST = "too_fast"
    SHARED_DEVICE = "shared_device"


class RemovalReason(StrEnum):
    """Why an entry is kept out of the ranking."""

    EXCLUDED = "excluded"  # a role that may not take part (contest.yaml `excluded_roles`)
    DISQUALIFIED = "disqualified"  # the committee annulled the result


FLAG_TOO_FAST = FlagKind.TOO_FAST
FLAG_SHARED_DEVICE = FlagKind.SHARED_DEVICE


def taker(indices: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A fast `seq -> tuple(seq[i] for i in indices)` (operator.itemgetter, which unpacks a single index)."""
    if len(indices) == 1:
        only = indices[0]
        return lambda seq: (seq[only],)
    return operator.itemgetter(*indices)


def as_compact(record: StandingRecord) -> CompactStanding:
    return _as_row(record)


@dataclass(frozen=True)
class RankingRules:
    duration_resolution: DurationResolution
    participants_count: ParticipantsCount
    prizes: tuple[Prize, ...]
    human_floor_ms: int
    shared_device_threshold: int = 5

    def __post_init__(self) -> None:
        if self.duration_resolution not in tuple(DurationResolution):
            raise ValueError(f"unknown duration resolution {self.duration_resolution!r}")
        if self.participants_count not in tuple(ParticipantsCount):
            raise ValueError(f"unknown participant count mode {self.participants_count!r}")

    @property
    def duration_divisor(self) -> int:
        return 1000 if self.duration_resolution == "seconds" else 1

    @classmethod
    def from_contest(cls, contest: Contest, shared_device_threshold: int = 5) -> RankingRules:
        return cls(
            duration_resolution=contest.quiz.duration_resolution,
            participants_count=contest.participants_count,
            prizes=contest.weekly_prizes,
            human_floor_ms=contest.quiz.human_floor_seconds * 1000,
            shared_device_threshold=shared_device_threshold,
        )


@dataclass(frozen=True)
class GroupOrder:
    """A committee decision: the order of the members of one tie group."""

    order: tuple[str, ...]  # account ids, first = best
    reason: str
    by: str
    decided_at_ms: int
    group: str = ""  # the label the group had when the decision was taken (informative only)


@dataclass(frozen=True)
class Disqualification:
    account_id: str
    reason: str
    by: str
    decided_at_ms: int


@dataclass(frozen=True)
class TieGroup:
    label: str
    start: int  # first position (0-based) in the ranked order
    size: int
    decision: GroupOrder | None

    @property
    def decided(self) -> bool:
        return self.decision is not None


@dataclass(frozen=True)
class PrizeSlot:
    prize: Prize
    position: int  # 0-based position the slot sits at
    winner: int | None  # column index of the winner, None while pending
    pending_group: str | None  # label of the tie group that must be decided


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    index: int  # column index
    detail: str


@dataclass(frozen=True)
class Removed:
    """An entry kept out of the ranking (private report only)."""

    row: CompactStanding
    why: RemovalReason
    reason: str


@dataclass
class Columns:
    """Standings as columns. Built by streaming; index i is one contestant."""

    account_id: list[str] = field(default_factory=list)
    full_name: list[str] = field(default_factory=list)
    phone_masked: list[str] = field(default_factory=list)
    listing: list[str] = field(default_factory=list)  # what a tie group is listed by: the name, or an erased prefix
    erased: int = 0  # entries of contestants who had their data erased (contest.rules.erasure)
    unit_code: array = field(default_factory=lambda: array("i"))  # index into unit_ids
    unit_ids: list[str] = field(default_factory=list)
    score: array = field(default_factory=lambda: array("q"))
    duration_ms: array = field(default_factory=lambda: array("q"))
    prediction: array = field(default_factory=lambda: array("q"))
    attempts: array = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.account_id)


@dataclass(frozen=True)
class UnitRow:
    """One unit's figures of a week: the close's unit table, and the organisers' progress report
    (contest.organisers.progress),
    which also counts the unit's registered contestants."""

    unit_id: str
    name: str
    group: str
    headcount: int | None
    participants: int
    attempts: int
    score_sum: int
    registered: int | None = None  # the progress report's; the close does not count registrations

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.participants if self.participants else None

    @property
    def participation_rate(self) -> float | None:
        if not self.headcount:
            return None
        return self.participants / self.headcount

    @property
    def registered_rate(self) -> float | None:
        return self.participants / self.registered if self.registered else None


@dataclass
class WeekRanking:
    rules: RankingRules
    columns: Columns
    score: np.ndarray
    duration: np.ndarray  # at the configured resolution
    duration_ms: np.ndarray
    prediction: np.ndarray
    error: np.ndarray
    attempts: np.ndarray
    order: np.ndarray  # column indices in ranked (listing) order
    rank: np.ndarray  # rank of the entry at each position
    group_at: np.ndarray  # per position: index into groups, -1 when alone
    groups: list[TieGroup]
    prizes: list[PrizeSlot]
    prize_at: dict[int, str]  # position -> prize rank or PENDING
    flags: list[Flag]
    devices_recorded: bool
    actual_count: int
    removed: list[Removed]
    stale_decisions: list[GroupOrder]
    disqualifications: list[Disqualification]

    def __len__(self) -> int:
        return len(self.order)

    def group_of(self, position: int) -> TieGroup | None:
        g = int(self.group_at[position])
        return self.groups[g] if g >= 0 else None

    def members(self, group: TieGroup) -> list[str]:
        ids = self.columns.account_id
        return [ids[int(i)] for i in self.order[group.start : group.start + group.size]]


def ingest(
    rows: Iterable[StandingRecord | Sequence[Any]],
    excluded: Collection[str] = (),
    disqualified: Mapping[str, Disqualification] | None = None,
) -> tuple[Columns, list[Removed]]:
    """Stream standings into columns, keeping excluded and disqualified accounts apart."""
    disqualified = disqualified or {}
    cols = Columns()
    removed: list[Removed] = []
    unit_index: dict[str, int] = {}
    a_id, a_name, a_phone = cols.account_id.append, cols.full_name.append, cols.phone_masked.append
    a_listing = cols.listing.append
    a_unit, a_score, a_dur = cols.unit_code.append, cols.score.append, cols.duration_ms.append
    a_pred, a_att = cols.prediction.append, cols.attempts.append
    normalize = unicodedata.normalize
    skip = set(excluded) | set(disqualified)
    masked: dict[str, str] = {}  # older masks, each masked again once
    for item in rows:
        row = _as_row(item) if isinstance(item, StandingRecord) else item
        account_id, score, duration_ms, prediction, unit_id, full_name, phone, _, attempts, _ = row
        listing = None
        if phone == ERASED_MARK:  # erased after publication: the stored name is only its listing prefix
            listing, full_name, phone = full_name, ERASED_LABEL, ""
            row = (*row[:5], ERASED_LABEL, ERASED_MARK, *row[7:])
            cols.erased += 1
        if skip and account_id in skip:
            if account_id in disqualified:
                removed.append(Removed(tuple(row), RemovalReason.DISQUALIFIED, disqualified[account_id].reason))
            else:
                removed.append(Removed(tuple(row), RemovalReason.EXCLUDED, ""))
            continue
        code = unit_index.get(unit_id)
        if code is None:
            code = unit_index[unit_id] = len(unit_index)
            cols.unit_ids.append(unit_id)
        a_id(account_id)
        name = normalize("NFC", full_name)
        a_name(name)
        a_listing(name if listing is None else listing)
        if phone and not phone.startswith(MASK_HIDDEN):  # stored under an older, wider mask: published the same way
            shown = masked.get(phone)
            if shown is None:
                shown = masked[phone] = mask(phone)
            phone = shown
        a_phone(phone)
        a_unit(code)
        a_score(score)
        a_dur(duration_ms)
        a_pred(prediction)
        a_att(attempts)
    removed.sort(key=lambda r: r.row[0])
    return cols, removed


def _pack_key(score: np.ndarray, duration: np.ndarray, error: np.ndarray) -> np.ndarray | None:
    """One int64 per entry ordering like (−score, duration, error); None if it does not fit 63 bits."""
    if len(score) == 0:
        return np.zeros(0, dtype=np.int64)
    if score.min() < 0 or duration.min() < 0:
        return None
    smax, dmax, emax = int(score.max()), int(duration.max()), int(error.max())
    bd, be, bs = dmax.bit_length(), emax.bit_length(), smax.bit_length()
    if bs + bd + be > 62:
        return None
    inv = np.int64(smax) - score
    return (inv << np.int64(bd + be)) | (duration << np.int64(be)) | error


def _listing_key(cols: Columns, i: int) -> tuple[str, str, str]:
    return (cols.listing[i].casefold(), cols.phone_masked[i], cols.account_id[i])


def rank_week(
    rows: Iterable[StandingRecord | Sequence[Any]],
    rules: RankingRules,
    *,
    excluded: Collection[str] = (),
    disqualifications: Iterable[Disqualification] = (),
    decisions: Iterable[GroupOrder] = (),
    devices: Mapping[str, str] | None = None,
) -> WeekRanking:
    """Rank a week. `devices` maps account id -> device/address fingerprint when one was recorded."""
    dq = {d.account_id: d for d in disqualifications}
    cols, removed = ingest(rows, excluded, dq)
    n = len(cols)
    score, duration_ms, prediction, attempts = (
        np.frombuffer(c, dtype=np.int64) if n else np.zeros(0, np.int64)
        for c in (cols.score, cols.duration_ms, cols.prediction, cols.attempts)
    )
    actual = n if rules.participants_count == COUNT_CONTESTANTS else int(attempts.sum())
    duration = duration_ms // rules.duration_divisor if rules.duration_divisor != 1 else duration_ms
    error = np.abs(prediction - actual)
    order, starts, sizes = _ranked_order(score, duration, error)
    rank = np.repeat(starts + 1, sizes)
    groups, group_at, stale = _tie_groups(cols, order, rank, starts, sizes, decisions, set(dq) | set(excluded))

    prizes, prize_at = allocate_prizes(rules.prizes, n, groups)
    flags, devices_recorded = review_flags(cols, order, duration_ms, rules, devices)
    return WeekRanking(
        rules=rules,
        columns=cols,
        score=score,
        duration=duration,
        duration_ms=duration_ms,
        prediction=prediction,
        error=error,
        attempts=attempts,
        order=order,
        rank=rank,
        group_at=group_at,
        groups=groups,
        prizes=prizes,
        prize_at=prize_at,
        flags=flags,
        devices_recorded=devices_recorded,
        actual_count=actual,
        removed=removed,
        stale_decisions=stale,
        disqualifications=sorted(dq.values(), key=lambda d: d.account_id),
    )


def _ranked_order(score: np.ndarray, duration: np.ndarray, error: np.ndarray) -> tuple[np.ndarray, ...]:
    """The ranked order (score desc, then duration, then prediction error) and its runs of equal keys: each run's
    start position and size."""
    n = len(score)
    key = _pack_key(score, duration, error)
    if key is not None:
        order = np.argsort(key, kind="stable")
        sk = key[order]
        change = np.flatnonzero(sk[1:] != sk[:-1]) + 1 if n > 1 else np.zeros(0, np.int64)
    else:  # very wide values: three-key sort
        order = np.lexsort((error, duration, -score))
        s, d, e = score[order], duration[order], error[order]
        diff = (s[1:] != s[:-1]) | (d[1:] != d[:-1]) | (e[1:] != e[:-1])
        change = np.flatnonzero(diff) + 1
    starts = np.concatenate(([0], change)).astype(np.int64) if n else np.zeros(0, np.int64)
    sizes = np.diff(np.concatenate((starts, [n]))) if n else np.zeros(0, np.int64)
    return order, starts, sizes


def _tie_groups(
    cols: Columns,
    order: np.ndarray,
    rank: np.ndarray,
    starts: np.ndarray,
    sizes: np.ndarray,
    decisions: Iterable[GroupOrder],
    removed: Collection[str],
) -> tuple[list[TieGroup], np.ndarray, list[GroupOrder]]:
    """Tie groups: members listed by name (layout only), committee orders that match a group exactly applied (in
    place, on `order` and `rank`). Returns the groups, each position's group (-1: none) and the stale decisions."""
    by_members: dict[frozenset[str], GroupOrder] = {}
    for decision in decisions:
        members = frozenset(decision.order).difference(removed)
        by_members[members] = decision  # later decisions for the same group win
    used: set[frozenset[str]] = set()
    groups: list[TieGroup] = []
    group_at = np.full(len(cols), -1, dtype=np.int32)
    ids = cols.account_id
    for gi, (start, size) in enumerate(
        ((int(a), int(b)) for a, b in zip(starts[sizes > 1], sizes[sizes > 1], strict=True))
    ):
        members_idx = [int(i) for i in order[start : start + size]]
        member_ids = frozenset(ids[i] for i in members_idx)
        matched = by_members.get(member_ids)
        if matched is not None:
            used.add(member_ids)
            position = {a: k for k, a in enumerate(x for x in matched.order if x in member_ids)}
            members_idx.sort(key=lambda i: position[ids[i]])
            rank[start : start + size] = np.arange(start + 1, start + size + 1)
        else:
            members_idx.sort(key=lambda i: _listing_key(cols, i))
        order[start : start + size] = members_idx
        group_at[start : start + size] = gi
        groups.append(TieGroup(f"{GROUP_PREFIX}{gi + 1}", start, size, matched))
    stale = sorted((d for m, d in by_members.items() if m not in used), key=lambda d: (d.decided_at_ms, d.order))
    return groups, group_at, stale


def prize_slots(prizes: Sequence[Prize]) -> list[Prize]:
    return [p for p in prizes for _ in range(p.count)]


def allocate_prizes(
    prizes: Sequence[Prize], n: int, groups: Sequence[TieGroup]
) -> tuple[list[PrizeSlot], dict[int, str]]:
    """Give prize slots to positions. Groups are the tie groups (sorted by start, size > 1).

    Returns the slots (each with a winner position, or pending) and position -> prize rank/PENDING.
    A slot's `winner` is the *position* here; callers map positions to columns.
    """
    slots = prize_slots(prizes)
    result: list[PrizeSlot] = []
    prize_at: dict[int, str] = {}
    group_by_start = {g.start: g for g in groups}
    pos = 0
    limit = min(len(slots), n)
    while pos < limit:
        group = group_by_start.get(pos)
        if group is None or group.decided:
            span = 1 if group is None else group.size
            for p in range(pos, min(pos + span, limit)):
                result.append(PrizeSlot(slots[p], p, p, None))
                prize_at[p] = slots[p].rank
            pos += span
            continue
        tiers = [slots[p].rank if p < len(slots) else None for p in range(pos, pos + group.size)]
        if len(set(tiers)) == 1:  # the whole group sits inside one tier: everyone gets it
            for p in range(pos, min(pos + group.size, limit)):
                result.append(PrizeSlot(slots[p], p, p, None))
            for p in range(pos, pos + group.size):
                if tiers[p - pos] is not None:
                    prize_at[p] = tiers[p - pos]  # type: ignore[assignment]
        else:
            for p in range(pos, min(pos + group.size, len(slots))):
                result.append(PrizeSlot(slots[p], p, None, group.label))
            for p in range(pos, pos + group.size):
                prize_at[p] = PENDING
        pos += group.size
    return result, prize_at


def review_flags(
    cols: Columns,
    order: np.ndarray,
    duration_ms: np.ndarray,
    rules: RankingRules,
    devices: Mapping[str, str] | None,
) -> tuple[list[Flag], bool]:
    """Flags for the committee, never verdicts: too-fast attempts, many accounts on one device/address."""
    flags: list[Flag] = []
    floor_s = rules.human_floor_ms / 1000
    fast: list[int] = np.flatnonzero(duration_ms < rules.human_floor_ms).tolist() if len(duration_ms) else []
    for i in sorted(fast, key=lambda i: cols.account_id[i]):
        flags.append(
            Flag(FLAG_TOO_FAST, i, f"{format_seconds(duration_ms[i] / 1000)} < ngưỡng {format_seconds(floor_s)}")
        )
    if devices is None:
        return flags, False
    shared: dict[str, list[int]] = {}
    index = {a: i for i, a in enumerate(cols.account_id) if a in devices}
    for account_id, i in index.items():
        shared.setdefault(devices[account_id], []).append(i)
    for fingerprint, members in sorted(shared.items()):
        if len(members) >= rules.shared_device_threshold:
            for i in sorted(members, key=lambda i: cols.account_id[i]):
                flags.append(
                    Flag(
                        FLAG_SHARED_DEVICE,
                        i,
                        f"{len(members)} tài khoản cùng thiết bị/địa chỉ {fingerprint[:12]}",
                    )
                )
    return flags, True


def aggregate_units(ranking: WeekRanking, units: Sequence[Unit]) -> list[UnitRow]:
    """Per unit: participants, attempts, score sum (mean and rate derive). Registry order, then unknowns."""
    cols = ranking.columns
    k = len(cols.unit_ids)
    codes = np.frombuffer(cols.unit_code, dtype=np.int32) if len(cols) else np.zeros(0, np.int32)
    participants = np.bincount(codes, minlength=k)
    attempt_sum = np.bincount(codes, weights=ranking.attempts, minlength=k)
    score_sum = np.bincount(codes, weights=ranking.score, minlength=k)
    by_id = {u: j for j, u in enumerate(cols.unit_ids)}
    rows: list[UnitRow] = []
    known = set()
    for unit in units:
        known.add(unit.id)
        j = by_id.get(unit.id)
        rows.append(
            UnitRow(
                unit.id,
                unit.name,
                unit.group,
                unit.headcount,
                int(participants[j]) if j is not None else 0,
                int(attempt_sum[j]) if j is not None else 0,
                int(score_sum[j]) if j is not None else 0,
            )
        )
    for unit_id in sorted(set(cols.unit_ids) - known):
        j = by_id[unit_id]
        rows.append(UnitRow(unit_id, unit_id, "", None, int(participants[j]), int(attempt_sum[j]), int(score_sum[j])))
    return rows


# ---------------------------------------------------------------------------------------------------
# Final unit awards (after the last week)
# ---------------------------------------------------------------------------------------------------

FINAL_WEIGHT_KEYS = ("participation", "participation_rate", "mean_score")


@dataclass(frozen=True)
class FinalUnitRow:
    unit_id: str
    name: str
    headcount: int | None
    participations: int  # sum over the weeks of the unit's weekly participants ("lượt")
    score_sum: int
    rate: float | None  # mean over the weeks of participants / headcount
    mean_score: float | None
    points: float
    rank: int
    tie_group: str | None
    prize: str | None  # prize rank, PENDING or None


def rank_final_units(
    weekly: Sequence[Sequence[UnitRow]],
    weights: Mapping[str, float],
    questions_per_attempt: int,
    prizes: Sequence[Prize],
) -> list[FinalUnitRow]:
    """The final unit formula.

    points = w_p · P/P_max + w_r · R/R_max + w_s · S/Q, where P = participations over the weeks,
    R = mean weekly participation rate (participants / headcount), S = mean score over every standing of
    the weeks and Q = questions per attempt. A unit without a known headcount has no R: its other weights
    are scaled up so the weights it is judged on still sum to the same total. Points are rounded to
    1e-9 before comparing; equal points form a tie group the committee decides, like a weekly tie.
    """
    unknown = set(weights) - set(FINAL_WEIGHT_KEYS)
    if unknown:
        raise ValueError(f"unknown final formula weights: {sorted(unknown)}")
    scored = _final_points(_unit_totals(weekly), len(weekly), weights, questions_per_attempt)
    return _final_rows(scored, prizes)


@dataclass
class _UnitTotals:
    """One unit over the weeks: what the final formula is computed from."""

    name: str
    headcount: int | None
    participations: int = 0  # P: participants summed over the weeks
    score_sum: int = 0  # the scores of those participations
    rates: list[float] = field(default_factory=list)  # the weekly participation rates (known headcount only)


@dataclass(frozen=True)
class _ScoredUnit:
    points: float  # rounded to 1e-9, so equal points compare equal
    unit_id: str
    totals: _UnitTotals
    rate: float | None  # R: mean weekly participation rate
    mean: float | None  # S: mean score per participation


def _unit_totals(weekly: Sequence[Sequence[UnitRow]]) -> dict[str, _UnitTotals]:
    totals: dict[str, _UnitTotals] = {}
    for week_rows in weekly:
        for row in week_rows:
            t = totals.setdefault(row.unit_id, _UnitTotals(row.name, row.headcount))
            t.participations += row.participants
            t.score_sum += row.score_sum
            if row.participation_rate is not None:
                t.rates.append(row.participation_rate)
    return totals


def _final_points(
    totals: Mapping[str, _UnitTotals], week_count: int, weights: Mapping[str, float], questions_per_attempt: int
) -> list[_ScoredUnit]:
    """Each unit's points by the formula, best first (equal points: by unit id)."""
    wp, wr, ws = (float(weights.get(k, 0.0)) for k in FINAL_WEIGHT_KEYS)
    weeks = max(week_count, 1)
    p_max = max((t.participations for t in totals.values()), default=0) or 1
    rate_of = {u: (sum(t.rates) / weeks if t.headcount else None) for u, t in totals.items()}
    r_max = max((r for r in rate_of.values() if r is not None), default=0.0) or 1.0
    scored = []
    for unit_id, t in totals.items():
        mean = t.score_sum / t.participations if t.participations else None
        rate = rate_of[unit_id]
        terms = wp * t.participations / p_max + ws * ((mean or 0.0) / questions_per_attempt)
        if rate is not None:
            points = terms + wr * rate / r_max
        else:
            base = wp + ws
            points = terms * ((wp + wr + ws) / base) if base else 0.0
        scored.append(_ScoredUnit(round(points, 9), unit_id, t, rate, mean))
    scored.sort(key=lambda x: (-x.points, x.unit_id))
    return scored


def _final_rows(scored: Sequence[_ScoredUnit], prizes: Sequence[Prize]) -> list[FinalUnitRow]:
    """Ranks, tie groups and prizes exactly as for a week (slots; straddling ties stay pending)."""
    n = len(scored)
    groups: list[TieGroup] = []
    starts: list[int] = []
    i = 0
    while i < n:
        j = i
        while j + 1 < n and scored[j + 1].points == scored[i].points:
            j += 1
        starts.append(i)
        if j > i:
            groups.append(TieGroup(f"{GROUP_PREFIX}{len(groups) + 1}", i, j - i + 1, None))
        i = j + 1
    _, prize_at = allocate_prizes(prizes, n, groups)
    group_at = {p: g for g in groups for p in range(g.start, g.start + g.size)}
    rows: list[FinalUnitRow] = []
    rank = 0
    for pos, unit in enumerate(scored):
        if pos in starts:
            rank = pos + 1
        g = group_at.get(pos)
        t = unit.totals
        rows.append(
            FinalUnitRow(
                unit.unit_id,
                t.name,
                t.headcount,
                t.participations,
                t.score_sum,
                unit.rate,
                unit.mean,
                unit.points,
                rank,
                g.label if g else None,
                prize_at.get(pos),
            )
        )
    return rows
