"""What the close publishes, as deterministic bytes.

Public (results/): `week-N.json`, `final.json`, `index.json`. Private (organisers): `week-N/review.json`
(tie groups, flags, removed entries, decisions); the full standings CSV and XLSX come from `close/reports.py`.

Determinism: every string NFC, keys sorted, fixed separators, `ensure_ascii=False`, floats rounded,
instants taken from the data (the week's configured instants, recorded decision times), never from the
clock of the run. Two runs over the same data produce the same bytes.

Nothing personal beyond the published ranking's display name, masked phone and unit: no full phone, no
account or attempt id (those appear in private files only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import numpy as np

from contest.rules.erasure import ERASED_NOTE
from contest.rules.model import Bank, Contest, Prize, Unit, Week, key_week
from contest.rules.names import nfc
from contest.rules.phones import mask
from contest.rules.ranking import (
    COUNT_CONTESTANTS,
    FINAL_WEIGHT_KEYS,
    PENDING,
    FinalUnitRow,
    UnitRow,
    WeekRanking,
    taker,
)

SCHEMA_VERSION = 1
DEFAULT_TOP = 100

COMMITTEE_DECIDES = "Ban Tổ chức quyết định"
COMMITTEE_DECIDED = "Ban Tổ chức đã quyết định"
PENDING_LABEL = "Chờ Ban Tổ chức quyết định"
COUNT_DESCRIPTION = {
    "contestants": (
        "Số người dự thi khác nhau có ít nhất một bài thi đã nộp trong tuần "
        "(không tính tài khoản thuộc diện không được dự thi và bài thi bị hủy kết quả)"
    ),
    "attempts": (
        "Số lượt bài thi đã nộp trong tuần "
        "(không tính tài khoản thuộc diện không được dự thi và bài thi bị hủy kết quả)"
    ),
}
FINAL_FORMULA_TEXT = (
    "Điểm = w_lượt × (số lượt dự thi của đơn vị / số lượt lớn nhất) "
    "+ w_tỷ_lệ × (tỷ lệ tham gia bình quân tuần / tỷ lệ lớn nhất) "
    "+ w_điểm × (điểm trung bình / số câu hỏi). Đơn vị chưa có số biên chế không tính tỷ lệ; "
    "các trọng số còn lại được nhân lên để tổng trọng số không đổi."
)


CANONICAL_HEADER = "rank\ttie_group\taccount_id\tunit_id\tscore\tduration_ms\tprediction\n"
_CANONICAL_ROW = "{}\t{}\t{}\t{}\t{}\t{}\t{}\n".format
_CHUNK = 50_000


def write_canonical_standings(ranking: WeekRanking, out: IO[bytes]) -> str:
    """Write the canonical full standings; return the SHA-256 (hex) of exactly the bytes written.

    Format (private file `standings.tsv`): UTF-8, LF line ends, one header line
    `rank, tie_group, account_id, unit_id, score, duration_ms, prediction` separated by tabs, then one
    line per ranked entry in listing order. The public results carry its SHA-256, so anyone given the
    file checks it with `sha256sum standings.tsv`. Built column-wise in chunks (no per-row Python code).
    """
    digest = hashlib.sha256()

    def emit(text: str) -> None:
        data = text.encode("utf-8")
        digest.update(data)
        out.write(data)

    emit(CANONICAL_HEADER)
    cols = ranking.columns
    labels = np.array([g.label for g in ranking.groups] + [""], dtype=object)
    unit_ids = np.array([*cols.unit_ids, ""], dtype=object)
    codes = np.frombuffer(cols.unit_code, dtype=np.int32) if len(cols) else np.zeros(0, np.int32)
    n = len(ranking)
    for lo in range(0, n, _CHUNK):
        idx = ranking.order[lo : lo + _CHUNK]
        ids = taker(idx.tolist())(cols.account_id)
        emit(
            "".join(
                map(
                    _CANONICAL_ROW,
                    ranking.rank[lo : lo + _CHUNK].tolist(),
                    labels[ranking.group_at[lo : lo + _CHUNK]].tolist(),
                    ids,
                    unit_ids[codes[idx]].tolist(),
                    ranking.score[idx].tolist(),
                    ranking.duration_ms[idx].tolist(),
                    ranking.prediction[idx].tolist(),
                )
            )
        )
    return digest.hexdigest()


def canonical_standings(ranking: WeekRanking) -> tuple[bytes, str]:
    import io

    buf = io.BytesIO()
    sha = write_canonical_standings(ranking, buf)
    return buf.getvalue(), sha


def canonical_json(value: Any) -> bytes:
    """The one serialisation of every published JSON file."""
    text = json.dumps(nfc(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def instant(ms: int, timezone: str) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


ANSWER_KEY_RULE = (
    "Đáp án của một câu hỏi chỉ được công bố khi mọi tuần thi có thể rút câu hỏi đó đều đã kết thúc: "
    "câu hỏi thuộc ngân hàng của nhiều tuần được công bố đáp án cùng kết quả của tuần cuối cùng trong số đó."
)


def key_note(week: int) -> str:
    return f"Đáp án được công bố cùng kết quả Tuần {week}"


def answer_key(bank: Bank, week: int) -> list[dict[str, Any]]:
    """The keys week N publishes: every question of the week's pool that no later week can draw.

    A question also in a later week's pool (`weeks: [1, 3]`) is published with its key by the last of
    those weeks (here week 3); before that its key appears in no public file (see `withheld_keys`)."""
    return [
        {"id": q.id, "text": q.text, "options": dict(q.options), "correct": q.correct, "weeks": list(q.weeks)}
        for q in sorted(bank.keys_published_with(week), key=lambda q: q.id)
    ]


def withheld_keys(bank: Bank, week: int) -> list[dict[str, Any]]:
    """Week N's questions that a later week can still draw: the question only, and the week whose
    results will publish its key. No option and no key: nothing a later contestant could use."""
    return [
        {
            "id": q.id,
            "text": q.text,
            "key_published_with_week": key_week(q),
            "note": key_note(key_week(q)),
        }
        for q in sorted(bank.keys_withheld_at(week), key=lambda q: (key_week(q), q.id))
    ]


def unit_table(rows: Sequence[UnitRow]) -> list[dict[str, Any]]:
    return [
        {
            "unit_id": r.unit_id,
            "name": r.name,
            "group": r.group,
            "headcount": r.headcount,
            "participants": r.participants,
            "attempts": r.attempts,
            "mean_score": _round(r.mean_score),
            "participation_rate": _round(r.participation_rate),
        }
        for r in rows
    ]


def _prize_labels(prizes: Sequence[Prize]) -> dict[str, str]:
    return {p.rank: p.label for p in prizes}


def prize_label(prize: str | None, prizes: Sequence[Prize]) -> str | None:
    if prize is None:
        return None
    if prize == PENDING:
        return PENDING_LABEL
    return _prize_labels(prizes).get(prize, prize)


def _public_entry(ranking: WeekRanking, position: int, unit_names: Mapping[str, str]) -> dict[str, Any]:
    cols = ranking.columns
    i = int(ranking.order[position])
    group = ranking.group_of(position)
    prize = ranking.prize_at.get(position)
    unit_id = cols.unit_ids[cols.unit_code[i]]
    return {
        "rank": int(ranking.rank[position]),
        "name": cols.full_name[i],
        "phone": cols.phone_masked[i],
        "unit": unit_names.get(unit_id, unit_id),
        "score": int(ranking.score[i]),
        "duration": int(ranking.duration[i]),
        "prediction": int(ranking.prediction[i]),
        "prize": prize,
        "prize_label": prize_label(prize, ranking.rules.prizes),
        "tie_group": group.label if group else None,
    }


def _group_public(ranking: WeekRanking, group_index: int, timezone: str) -> dict[str, Any]:
    g = ranking.groups[group_index]
    decision = None
    if g.decision is not None:
        decision = {
            "reason": g.decision.reason,
            "by": g.decision.by,
            "decided_at": instant(g.decision.decided_at_ms, timezone),
        }
    return {
        "label": g.label,
        "rank": int(ranking.rank[g.start]),
        "size": g.size,
        "status": "decided" if g.decided else "committee_decides",
        "status_label": COMMITTEE_DECIDED if g.decided else COMMITTEE_DECIDES,
        "decision": decision,
    }


def _prize_list(ranking: WeekRanking, unit_names: Mapping[str, str], timezone: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for prize in ranking.rules.prizes:
        slots = [s for s in ranking.prizes if s.prize.rank == prize.rank]
        winners = [_public_entry(ranking, s.winner, unit_names) for s in slots if s.winner is not None]
        pending: dict[str, int] = {}
        for s in slots:
            if s.pending_group is not None:
                pending[s.pending_group] = pending.get(s.pending_group, 0) + 1
        pending_list = []
        for label, count in sorted(pending.items(), key=lambda kv: int(kv[0][1:])):
            g = next(g for g in ranking.groups if g.label == label)
            candidates = [_public_entry(ranking, p, unit_names) for p in range(g.start, g.start + g.size)]
            pending_list.append(
                {"group": label, "count": count, "status_label": PENDING_LABEL, "candidates": candidates}
            )
        out.append(
            {
                "prize": prize.rank,
                "label": prize.label,
                "amount": prize.amount,
                "count": prize.count,
                "awarded": winners,
                "pending": pending_list,
            }
        )
    return out


def _decisions_public(ranking: WeekRanking, timezone: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for g in ranking.groups:
        if g.decision is not None:
            out.append(
                {
                    "kind": "order",
                    "group": g.label,
                    "reason": g.decision.reason,
                    "by": g.decision.by,
                    "decided_at": instant(g.decision.decided_at_ms, timezone),
                }
            )
    for d in ranking.disqualifications:
        out.append(
            {
                "kind": "disqualification",
                "group": None,
                "reason": d.reason,
                "by": d.by,
                "decided_at": instant(d.decided_at_ms, timezone),
            }
        )
    out.sort(key=lambda d: (d["decided_at"], d["kind"], d["group"] or "", d["reason"]))
    return out


def week_public(
    contest: Contest,
    week: Week,
    ranking: WeekRanking,
    unit_rows: Sequence[UnitRow],
    bank: Bank,
    standings_sha256: str,
    units: Sequence[Unit],
) -> dict[str, Any]:
    """The public results of a week (results/week-N.json)."""
    top = contest.published_top or DEFAULT_TOP
    unit_names = {u.id: u.name for u in units}
    shown = min(top, len(ranking))
    groups_shown = sorted({int(ranking.group_at[p]) for p in range(shown)} - {-1})
    for s in ranking.prizes:  # a pending prize group is always described, even past the top list
        if s.pending_group is not None:
            groups_shown.append(next(i for i, g in enumerate(ranking.groups) if g.label == s.pending_group))
    mode = ranking.rules.participants_count
    public: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "contest": contest.name,
        "week": week.number,
        "opens_at": _iso(week.opens_at),
        "closes_at": _iso(week.closes_at),
        "results_at": _iso(week.results_at),
        "participants": {
            "count": ranking.actual_count,
            "counted": mode,
            "description": COUNT_DESCRIPTION[mode],
        },
        "duration_resolution": ranking.rules.duration_resolution,
        "order_rule": (
            "Điểm cao hơn xếp trước; bằng điểm thì thời gian làm bài ngắn hơn xếp trước; "
            "bằng cả hai thì dự đoán gần số người tham gia hơn xếp trước; bằng cả ba thì " + COMMITTEE_DECIDES + "."
        ),
        "answer_key": answer_key(bank, week.number),
        "answer_key_withheld": withheld_keys(bank, week.number),
        "answer_key_rule": ANSWER_KEY_RULE,
        "prizes": _prize_list(ranking, unit_names, contest.timezone),
        "ranking": {
            "total": len(ranking),
            "shown": shown,
            "entries": [_public_entry(ranking, p, unit_names) for p in range(shown)],
        },
        "tie_groups": [_group_public(ranking, gi, contest.timezone) for gi in sorted(set(groups_shown))],
        "committee_decisions": _decisions_public(ranking, contest.timezone),
        "units": unit_table(unit_rows),
        "standings_sha256": standings_sha256,
        "standings_sha256_note": (
            "SHA-256 của tệp bảng xếp hạng đầy đủ (standings.tsv) do Ban Tổ chức lưu giữ; "
            "ai có tệp đó có thể kiểm tra bằng lệnh sha256sum."
        ),
    }
    if ranking.columns.erased:  # a republication after an erasure says so (only then: other weeks' bytes unchanged)
        public["erased_entries"] = {"count": ranking.columns.erased, "note": ERASED_NOTE}
    return public


def week_review(contest: Contest, ranking: WeekRanking, units: Sequence[Unit]) -> dict[str, Any]:
    """Private to organisers: every tie group with members' ids, flags, removed entries, decisions."""
    cols = ranking.columns
    unit_names = {u.id: u.name for u in units}

    def person(i: int) -> dict[str, Any]:
        unit_id = cols.unit_ids[cols.unit_code[i]]
        return {
            "account_id": cols.account_id[i],
            "name": cols.full_name[i],
            "phone": cols.phone_masked[i],
            "unit": unit_names.get(unit_id, unit_id),
            "score": int(ranking.score[i]),
            "duration_ms": int(ranking.duration_ms[i]),
            "prediction": int(ranking.prediction[i]),
        }

    position_of: dict[int, int] = {}
    flagged = {f.index for f in ranking.flags}
    for p in range(len(ranking)):
        if int(ranking.order[p]) in flagged:
            position_of[int(ranking.order[p])] = p
    groups = []
    for gi, g in enumerate(ranking.groups):
        entry = _group_public(ranking, gi, contest.timezone)
        entry["members"] = [
            {**person(int(ranking.order[p])), "rank": int(ranking.rank[p]), "prize": ranking.prize_at.get(p)}
            for p in range(g.start, g.start + g.size)
        ]
        entry["prize"] = ranking.prize_at.get(g.start)
        # the prizes this undecided group shares out (one rank per slot), e.g. a tie across first and second
        entry["at_stake"] = [s.prize.rank for s in ranking.prizes if s.pending_group == g.label]
        groups.append(entry)
    return {
        "schema": SCHEMA_VERSION,
        "participants": {"count": ranking.actual_count, "counted": ranking.rules.participants_count},
        "tie_groups": groups,
        "flags": [
            {
                "kind": f.kind,
                "detail": f.detail,
                "rank": int(ranking.rank[position_of[f.index]]),
                **person(f.index),
            }
            for f in ranking.flags
        ],
        "devices_recorded": ranking.devices_recorded,
        "removed": [
            {
                "account_id": r.row[0],
                "name": r.row[5],
                "phone": mask(r.row[6]),
                "why": r.why,
                "reason": r.reason,
            }
            for r in ranking.removed
        ],
        "stale_decisions": [
            {"group": d.group, "order": list(d.order), "reason": d.reason, "by": d.by} for d in ranking.stale_decisions
        ],
        "decisions": _decisions_public(ranking, contest.timezone),
    }


def results_index(
    existing: Mapping[str, Any] | None,
    entry: Mapping[str, Any] | None,
    final: bool,
    public: Mapping[str, Any] | None = None,
) -> dict:
    """The index of published weeks; `entry` replaces the same week's previous entry.

    `latest` carries the public results of the highest week published, exactly as its week-N.json (`public`, from
    week_public), so the results page shows them in one request; other weeks are fetched when asked for. A week
    published again (a committee decision, an erasure's relabelling) replaces it when it is that week or a later
    one; republishing an earlier week leaves it as it is."""
    weeks = {int(w["week"]): dict(w) for w in (existing or {}).get("weeks", [])}
    if entry is not None:
        weeks[int(entry["week"])] = dict(entry)
    latest = (existing or {}).get("latest")
    if public is not None and (latest is None or int(public["week"]) >= int(latest["week"])):
        latest = dict(public)
    return {
        "schema": SCHEMA_VERSION,
        "weeks": [weeks[k] for k in sorted(weeks)],
        "final": "final.json" if final or (existing or {}).get("final") else None,
        "latest": latest,
    }


def empty_results_index() -> dict:
    """The index before the first close: written by `make publish-site` and the local stack when there is none,
    so the results page reads a valid index instead of failing on a 404 that browsers log as an error."""
    return results_index(None, None, False)


def index_entry(public: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "week": public["week"],
        "url": f"week-{public['week']}.json",
        "results_at": public["results_at"],
        "participants": public["participants"]["count"],
        "standings_sha256": public["standings_sha256"],
    }


def final_public(
    contest: Contest, rows: Sequence[FinalUnitRow], weeks: Sequence[int], weights: Mapping[str, float]
) -> dict[str, Any]:
    prizes = contest.final_unit_prizes
    return {
        "schema": SCHEMA_VERSION,
        "contest": contest.name,
        "weeks": list(weeks),
        "formula": {
            "weights": {k: float(weights.get(k, 0.0)) for k in FINAL_WEIGHT_KEYS},
            "text": FINAL_FORMULA_TEXT,
        },
        "prizes": [{"prize": p.rank, "label": p.label, "amount": p.amount, "count": p.count} for p in prizes],
        "units": [
            {
                "rank": r.rank,
                "unit_id": r.unit_id,
                "name": r.name,
                "headcount": r.headcount,
                "participations": r.participations,
                "participation_rate": _round(r.rate),
                "mean_score": _round(r.mean_score),
                "points": _round(r.points, 6),
                "tie_group": r.tie_group,
                "prize": r.prize,
                "prize_label": prize_label(r.prize, prizes),
            }
            for r in rows
        ],
    }


__all__ = [
    "COUNT_CONTESTANTS",
    "canonical_json",
    "final_public",
    "index_entry",
    "results_index",
    "week_public",
    "week_review",
    "write_canonical_standings",
]
