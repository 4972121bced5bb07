"""The organisers' progress report of a week so far: private, never published.

Per unit: registered contestants, contestants who took part this week, attempts, participation rate
against the unit's headcount where known, mean score so far; then the province-wide totals.

The week is read exactly as the weekly close reads it: the standings streamed shard by shard as compact
tuples (`StandingsReader.stream_standings`), excluded and disqualified accounts left out of every figure,
so the report's "took part" is the count the close would publish (in "contestants" mode) at that moment.
The mean score is the mean of each contestant's best attempt, as in the published unit table. Registered
contestants come from index gsi1 (per unit, excluded accounts not counted).

`tally` and `build_report` are pure; `read_progress` is the one function that talks to a repository and it
takes any object with the three repositories it reads (`ProgressSource`), so benchmarks can hand it a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from contest.rules import cells
from contest.rules.model import Unit, Week
from contest.rules.numerals import format_number, format_percent
from contest.rules.ranking import UnitRow

PROGRESS_EVERY = 5000  # rows between two progress callbacks

HEADER = (
    "Mã đơn vị",
    "Đơn vị",
    "Khối",
    "Biên chế",
    "Đã đăng ký",
    "Đã tham gia tuần này",
    "Số lượt thi",
    "Tỷ lệ tham gia (so với biên chế)",
    "Tỷ lệ tham gia (so với số đăng ký)",
    "Điểm trung bình",
)
PRIVATE_NOTE = "Báo cáo nội bộ của Ban Tổ chức — không công bố, không đăng lên trang web."


@dataclass(frozen=True)
class Totals:
    registered: int
    participants: int
    attempts: int
    score_sum: int
    headcount: int  # sum over the units whose headcount is known
    participants_with_headcount: int  # participants of those units

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.participants if self.participants else None

    @property
    def participation_rate(self) -> float | None:
        return self.participants_with_headcount / self.headcount if self.headcount else None

    @property
    def registered_rate(self) -> float | None:
        return self.participants / self.registered if self.registered else None


@dataclass(frozen=True)
class Tally:
    """What one pass over the week's standings yields: per unit [participants, attempts, score sum]."""

    per_unit: dict[str, list[int]]
    read: int  # standings read
    left_out: int  # excluded or disqualified


@dataclass
class ProgressReport:
    contest: str
    week: Week
    generated_at: datetime
    rows: list[UnitRow]
    totals: Totals
    standings_read: int
    left_out: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    scope_label: str = "Toàn Cuộc thi"  # the totals row (contest.yaml reports.scope_label, e.g. "Toàn tỉnh")


def tally(
    rows: Iterable[Sequence[Any]],
    skip: set[str] | frozenset[str] = frozenset(),
    on_rows: Callable[[int], None] | None = None,
) -> Tally:
    """One pass over compact standings (StandingRecord field order); constant memory per unit."""
    per_unit: dict[str, list[int]] = {}
    read = left_out = 0
    for row in rows:
        read += 1
        if on_rows is not None and read % PROGRESS_EVERY == 0:
            on_rows(read)
        if skip and row[0] in skip:
            left_out += 1
            continue
        acc = per_unit.get(row[4])
        if acc is None:
            acc = per_unit[row[4]] = [0, 0, 0]
        acc[0] += 1
        acc[1] += row[8]
        acc[2] += row[1]
    if on_rows is not None:
        on_rows(read)
    return Tally(per_unit, read, left_out)


def build_report(
    contest: str,
    week: Week,
    units: Sequence[Unit],
    registered: dict[str, int],
    counted: Tally,
    generated_at: datetime,
) -> ProgressReport:
    """Rows in the registry's order, then units found only in the standings; then the totals."""
    rows: list[UnitRow] = []
    for unit in units:
        p, a, s = counted.per_unit.get(unit.id, (0, 0, 0))
        rows.append(UnitRow(unit.id, unit.name, unit.group, unit.headcount, p, a, s, registered.get(unit.id, 0)))
    known = {u.id for u in units}
    for unit_id in sorted(set(counted.per_unit) - known):
        p, a, s = counted.per_unit[unit_id]
        rows.append(UnitRow(unit_id, unit_id, "", None, p, a, s, registered.get(unit_id, 0)))
    totals = Totals(
        registered=sum(r.registered or 0 for r in rows),
        participants=sum(r.participants for r in rows),
        attempts=sum(r.attempts for r in rows),
        score_sum=sum(r.score_sum for r in rows),
        headcount=sum(r.headcount for r in rows if r.headcount),
        participants_with_headcount=sum(r.participants for r in rows if r.headcount),
    )
    return ProgressReport(contest, week, generated_at, rows, totals, counted.read, counted.left_out)


class RegisteredCounts(Protocol):
    def registered_counts(self, unit_ids: Iterable[str], verified_only: bool = False) -> dict[str, int]: ...


class WeekExclusions(Protocol):
    def excluded_account_ids(self) -> set[str]: ...

    def week_decisions(self, week: int) -> Any: ...


class StandingsStream(Protocol):
    def stream_standings(self, week: int) -> Iterable[Sequence[Any]]: ...


class ProgressSource(Protocol):
    """What `read_progress` reads of a `contest.store.Store` (benchmarks hand it a fake)."""

    @property
    def coordinators(self) -> RegisteredCounts: ...

    @property
    def close(self) -> WeekExclusions: ...

    @property
    def standings(self) -> StandingsStream: ...


def read_progress(
    repo: ProgressSource,
    contest_name: str,
    week: Week,
    units: Sequence[Unit],
    now: datetime,
    on_registered: Callable[[int], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
    scope_label: str = "Toàn Cuộc thi",
    verified_only: bool = False,
) -> ProgressReport:
    """Registered counts (index gsi1), then one streamed pass over the week's standings. `verified_only`: the
    contest verifies at registration, so only accounts that proved their phone are registered contestants."""
    import time

    started = time.perf_counter()
    registered = repo.coordinators.registered_counts([u.id for u in units], verified_only)
    if on_registered is not None:
        on_registered(sum(registered.values()))
    decisions = repo.close.week_decisions(week.number)
    skip = set(repo.close.excluded_account_ids()) | {d.account_id for d in decisions.disqualifications}
    counted = tally(repo.standings.stream_standings(week.number), skip, on_rows)
    report = build_report(contest_name, week, units, registered, counted, now)
    report.seconds = time.perf_counter() - started
    report.scope_label = scope_label
    if decisions.closed is not None:
        report.notes.append("Tuần này đã chốt và công bố kết quả; số liệu là số liệu hiện tại trong cơ sở dữ liệu.")
    elif now < week.closes_at:
        report.notes.append("Tuần thi đang diễn ra: số liệu tính đến thời điểm lập báo cáo.")
    return report


# --- output ----------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "" if x is None else format_percent(x)


def _num(n: int | None) -> str:
    return "" if n is None else format_number(n)


def _mean(x: float | None) -> str:
    return "" if x is None else format_number(x, 2)


def table_rows(report: ProgressReport) -> list[list[str]]:
    """The terminal table's cells (Vietnamese number style: 1.234 and 12,5%)."""
    out = [
        [
            r.name,
            _num(r.headcount),
            _num(r.registered),
            _num(r.participants),
            _num(r.attempts),
            _pct(r.participation_rate),
            _pct(r.registered_rate),
            _mean(r.mean_score),
        ]
        for r in report.rows
    ]
    t = report.totals
    out.append(
        [
            report.scope_label,
            _num(t.headcount or None),
            _num(t.registered),
            _num(t.participants),
            _num(t.attempts),
            _pct(t.participation_rate),
            _pct(t.registered_rate),
            _mean(t.mean_score),
        ]
    )
    return out


COLUMN_WIDTHS = (16, 44, 14, 10, 12, 14, 12, 16, 16, 12)  # of HEADER's columns, in the workbook


def progress_xlsx(report: ProgressReport, *, group_names: Mapping[str, str]) -> bytes:
    """XLSX (openpyxl: strings stored as Unicode, so Vietnamese survives in Excel and LibreOffice); the same
    bytes for the same report (`contest.rules.spreadsheet.xlsx_bytes`).

    `group_names`: unit group id -> its name (units.yaml `groups:`), shown instead of the id."""
    from openpyxl import Workbook

    wb = Workbook()
    _progress_sheet(wb.active, report, group_names)
    _notes_sheet(wb.create_sheet("Ghi chú"), report)
    from contest.rules.spreadsheet import xlsx_bytes

    return xlsx_bytes(wb, report.generated_at)


def _progress_sheet(ws: Any, report: ProgressReport, group_names: Mapping[str, str]) -> None:
    """The first sheet: title, the week and the time of the report, the private note, one row per unit, the total."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    week = report.week
    ws.title = f"Tiến độ tuần {week.number}"
    put = cells.Sheet(ws).append  # every cell through the spreadsheet neutraliser
    put([f"{report.contest} — tiến độ tuần {week.number}"])
    put(
        [
            f"Tuần {week.number}: {week.opens_at:%H:%M %d/%m/%Y} – {week.closes_at:%H:%M %d/%m/%Y}; "
            f"lập lúc {report.generated_at:%H:%M:%S %d/%m/%Y}"
        ]
    )
    put([PRIVATE_NOTE])
    put([])
    put(list(HEADER))
    header_row = ws.max_row
    for r in report.rows:
        put([r.unit_id, r.name, group_names.get(r.group, r.group), r.headcount, r.registered, *_figures(r)])
    t = report.totals
    put(["", report.scope_label, "", t.headcount or None, t.registered, *_figures(t)])
    total_row = ws.max_row
    for cell in ws[1] + ws[header_row] + ws[total_row]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=header_row + 1, max_row=total_row):
        row[7].number_format = row[8].number_format = "0.0%"
        row[9].number_format = "0.00"
    for col, width in enumerate(COLUMN_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)


def _figures(r: UnitRow | Totals) -> list[Any]:
    return [r.participants, r.attempts, r.participation_rate, r.registered_rate, r.mean_score]


def _notes_sheet(notes: Any, report: ProgressReport) -> None:
    """The explanations once; the private note and the time of the report are on the first sheet already."""
    for line in (
        "Đã đăng ký: tài khoản của đơn vị, không tính số thuộc diện không được dự thi.",
        "Đã tham gia tuần này: người có ít nhất một bài đã nộp trong tuần "
        "(không tính người không được dự thi "
        "và bài bị hủy kết quả) — cách đếm của kết quả tuần.",
        "Số lượt thi: tổng số bài đã nộp của những người đó.",
        "Tỷ lệ tham gia: số đã tham gia / biên chế của đơn vị (để trống khi chưa có biên chế); "
        f"dòng “{report.scope_label}”: chỉ tính các đơn vị có biên chế.",
        "Điểm trung bình: trung bình điểm bài tốt nhất của mỗi người đã tham gia.",
        f"Đã đọc {format_number(report.standings_read)} bản ghi xếp hạng, không tính {format_number(report.left_out)}.",
        *dict.fromkeys(report.notes),
    ):
        cells.Sheet(notes).append([line])
    notes.column_dimensions["A"].width = 120
