"""The weekly close's private reports for organisers: CSV (UTF-8 with BOM, so Excel shows Vietnamese) and XLSX.

`write_standings_csv` writes the full standings for people (names, masked phones, units, prizes, flags);
the canonical file whose SHA-256 is published is `publication.write_canonical_standings`. Rows are in
ranked order; members of an undecided tie group are listed by name and share one rank.

XLSX bytes are deterministic: written by `contest.rules.spreadsheet.xlsx_bytes`, the one XLSX writer.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from contest.rules import cells
from contest.rules.awards import AWARDS_HEADER, WINNERS_HEADER
from contest.rules.model import Prize, Unit
from contest.rules.publication import COMMITTEE_DECIDED, COMMITTEE_DECIDES, prize_label
from contest.rules.ranking import FinalUnitRow, FlagKind, RemovalReason, UnitRow, WeekRanking, taker
from contest.rules.spreadsheet import xlsx_bytes

BOM = "\ufeff"
_CHUNK = 20_000
EXCEL_MAX_ROWS = 1_048_576

STANDINGS_HEADER = (
    "Hạng",
    "Nhóm đồng hạng",
    "Mã tài khoản",
    "Họ và tên",
    "Số điện thoại (đã che)",
    "Mã đơn vị",
    "Đơn vị",
    "Điểm",
    "Thời gian làm bài (ms)",
    "Dự đoán",
    "Sai số dự đoán",
    "Số lượt thi",
    "Giải",
    "Cờ rà soát",
)
UNITS_HEADER = (
    "Mã đơn vị",
    "Đơn vị",
    "Khối",
    "Biên chế",
    "Số người dự thi",
    "Số lượt thi",
    "Điểm trung bình",
    "Tỷ lệ tham gia",
)
FLAG_LABELS = {
    FlagKind.TOO_FAST: "Làm bài quá nhanh",
    FlagKind.SHARED_DEVICE: "Nhiều tài khoản cùng thiết bị/địa chỉ",
}
REMOVAL_LABELS = {
    RemovalReason.EXCLUDED: "Thuộc diện không được dự thi",
    RemovalReason.DISQUALIFIED: "Bị hủy kết quả",
}
_PERSON_COLUMNS = (  # one ranked entry, as the review sheet shows it after the columns of its kind
    "Mã tài khoản",
    "Họ và tên",
    "Số điện thoại (đã che)",
    "Đơn vị",
    "Điểm",
    "Thời gian (ms)",
    "Dự đoán",
)
TIES_HEADER = ("Nhóm đồng hạng", "Hạng", "Trạng thái", "Giải", *_PERSON_COLUMNS, "Quyết định")
FLAGS_HEADER = ("Cờ rà soát", "Hạng", "Loại", "Chi tiết", *_PERSON_COLUMNS, "")
REMOVED_HEADER = ("Không xếp hạng", "", "Lý do", "Ghi chú", "Mã tài khoản", "Họ và tên", "Số điện thoại (đã che)")


# Excel number formats (shown with the reader's own separators: 1.234,5 and 12,5 % on a Vietnamese Excel)
PERCENT = "0.0%"
MEAN = "0.00"
WHOLE = "#,##0"
WHEN = "dd/mm/yyyy hh:mm"
TEXT = "@"


def formatted_sheet(wb: Workbook, title: str, header: Sequence[str], widths: Sequence[float]) -> cells.Sheet:
    """A write-only sheet with column widths, a bold wrapped header and the header row frozen (set before any row
    is written, as write-only sheets require)."""
    ws = wb.create_sheet(title)
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    row = []
    for text in header:
        cell = WriteOnlyCell(ws, cells.neutralise(text))
        cell.font, cell.alignment = bold, wrap
        row.append(cell)
    ws.append(row)
    return cells.Sheet(ws)


def styled(sheet: cells.Sheet, value: Any, number_format: str) -> Any:
    """One cell with a number format; a text value still goes through the neutraliser."""
    cell = WriteOnlyCell(sheet.worksheet, cells.neutralise(value))
    cell.number_format = number_format
    return cell


def local_time(iso: str | None, timezone: str) -> datetime | None:
    """An ISO instant as the naive Vietnam-time datetime Excel shows (Excel has no time zones)."""
    if not iso:
        return None
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _clean(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def _standings_columns(ranking: WeekRanking, unit_names: Mapping[str, str]) -> Iterable[Iterable[tuple]]:
    """Ranked rows, chunk by chunk, built column-wise (a million entries never become one string)."""
    cols = ranking.columns
    prizes = ranking.rules.prizes
    # Every text goes through the spreadsheet neutraliser (contest.rules.cells): the texts chosen from a few values
    # (groups, units, prizes, flags) once per value here, the per-person ones column by column below.
    safe = cells.neutralise
    labels = {p.rank: safe(prize_label(p.rank, prizes)) for p in prizes}
    labels["pending"] = safe(prize_label("pending", prizes))
    flags: dict[int, str] = {}
    for f in ranking.flags:
        text = f"{FLAG_LABELS.get(f.kind, f.kind)}: {f.detail}"
        flags[f.index] = f"{flags[f.index]}; {text}" if f.index in flags else text
    flags = {i: safe(text) for i, text in flags.items()}
    group_text = np.array(
        [safe(f"{g.label} ({COMMITTEE_DECIDED if g.decided else COMMITTEE_DECIDES})") for g in ranking.groups] + [""],
        dtype=object,
    )
    codes = np.frombuffer(cols.unit_code, dtype=np.int32) if len(cols) else np.zeros(0, np.int32)
    unit_ids = np.array([*map(safe, cols.unit_ids), ""], dtype=object)
    unit_label = np.array([safe(unit_names.get(u, u)) for u in cols.unit_ids] + [""], dtype=object)
    n = len(ranking)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        idx = ranking.order[lo:hi]
        idx_list = idx.tolist()
        take = taker(idx_list)
        prize_col = [""] * (hi - lo)
        for p, prize in ranking.prize_at.items():
            if lo <= p < hi:
                prize_col[p - lo] = labels.get(prize) or ""
        # the per-person texts, column by column (a quick pass when no value can start a formula)
        per_person = cells.column
        yield zip(
            ranking.rank[lo:hi].tolist(),
            group_text[ranking.group_at[lo:hi]].tolist(),
            per_person(take(cols.account_id)),
            per_person(take(cols.full_name)),
            per_person(take(cols.phone_masked)),
            unit_ids[codes[idx]].tolist(),
            unit_label[codes[idx]].tolist(),
            ranking.score[idx].tolist(),
            ranking.duration_ms[idx].tolist(),
            ranking.prediction[idx].tolist(),
            ranking.error[idx].tolist(),
            ranking.attempts[idx].tolist(),
            prize_col,
            [flags.get(i, "") for i in idx_list] if flags else [""] * (hi - lo),
            strict=True,
        )


def write_standings_csv(ranking: WeekRanking, units: Sequence[Unit], out: IO[bytes]) -> None:
    """The full standings for organisers (names, masked phones, units, prizes, flags) as CSV with BOM."""
    unit_names = {u.id: u.name for u in units}
    buf = io.StringIO()
    writer = cells.csv_writer(buf)

    def flush() -> None:
        out.write(buf.getvalue().encode("utf-8"))
        buf.seek(0)
        buf.truncate()

    buf.write(BOM)
    writer.header(STANDINGS_HEADER)
    for chunk in _standings_columns(ranking, unit_names):
        writer.writerows_of_columns(chunk)
        flush()
    flush()


def standings_csv(ranking: WeekRanking, units: Sequence[Unit]) -> bytes:
    out = io.BytesIO()
    write_standings_csv(ranking, units, out)
    return out.getvalue()


def _unit_values(r: UnitRow) -> tuple:
    return (
        r.unit_id,
        r.name,
        r.group,
        r.headcount,
        r.participants,
        r.attempts,
        None if r.mean_score is None else round(r.mean_score, 4),
        None if r.participation_rate is None else round(r.participation_rate, 4),
    )


def units_csv(rows: Sequence[UnitRow]) -> bytes:
    buf = io.StringIO()
    buf.write(BOM)
    writer = cells.csv_writer(buf)
    writer.header(UNITS_HEADER)
    writer.writerows(_unit_values(r) for r in rows)
    return buf.getvalue().encode("utf-8")


def week_workbook(
    ranking: WeekRanking,
    unit_rows: Sequence[UnitRow],
    units: Sequence[Unit],
    review: Mapping[str, Any],
    fixed: datetime,
    awards: Sequence[Sequence[Any]] = (),
    timezone: str = "Asia/Ho_Chi_Minh",
) -> bytes:
    """Weekly report: summary by unit, per-person detail, ties and flags, prize confirmations (four sheets)."""
    wb = Workbook(write_only=True)
    _unit_summary_sheet(wb, unit_rows)
    _standings_sheet(wb, ranking, {u.id: u.name for u in units})
    _review_sheet(wb, review, ranking.rules.prizes)
    _confirmations_sheet(wb, awards, timezone)
    return xlsx_bytes(wb, fixed)


def _unit_summary_sheet(wb: Workbook, unit_rows: Sequence[UnitRow]) -> None:
    summary = formatted_sheet(wb, "Tổng hợp theo đơn vị", UNITS_HEADER, (16, 44, 14, 10, 12, 11, 12, 12))
    for r in unit_rows:
        v = _unit_values(r)
        summary.append([*v[:6], styled(summary, v[6], MEAN), styled(summary, v[7], PERCENT)])


def _standings_sheet(wb: Workbook, ranking: WeekRanking, unit_names: Mapping[str, str]) -> None:
    """Every standing in ranked order, up to Excel's last row (then a note pointing at standings.csv)."""
    detail = formatted_sheet(
        wb, "Chi tiết cá nhân", STANDINGS_HEADER, (7, 14, 20, 28, 14, 16, 36, 7, 12, 10, 10, 8, 14, 40)
    )
    written = 0
    for chunk in _standings_columns(ranking, unit_names):
        for row in chunk:
            if written == EXCEL_MAX_ROWS - 2:  # header + this note
                rest = len(ranking) - written
                detail.append([f"… còn {rest} dòng: xem standings.csv (Excel tối đa 1.048.576 dòng)"])
                return
            detail.append_of_columns(row)
            written += 1


def _review_sheet(wb: Workbook, review: Mapping[str, Any], prizes: Sequence[Prize]) -> None:
    """What the secretariat reviews: tie groups and their decisions, flags, entries kept out of the ranking."""
    ties = formatted_sheet(wb, "Đồng hạng và cờ rà soát", TIES_HEADER, (16, 7, 26, 26, 20, 28, 14, 36, 7, 12, 10, 40))
    for g in review["tie_groups"]:
        decision = g["decision"]
        note = f"{decision['reason']} ({decision['by']}, {decision['decided_at']})" if decision else ""
        for m in g["members"]:
            ties.append(
                [
                    g["label"],
                    g["rank"],
                    g["status_label"],
                    prize_label(g["prize"], prizes) or "",
                    m["account_id"],
                    m["name"],
                    m["phone"],
                    m["unit"],
                    m["score"],
                    m["duration_ms"],
                    m["prediction"],
                    note,
                ]
            )
    ties.append([])
    ties.append(list(FLAGS_HEADER))
    for f in review["flags"]:
        ties.append(
            [
                "",
                f["rank"],
                FLAG_LABELS.get(f["kind"], f["kind"]),
                f["detail"],
                f["account_id"],
                f["name"],
                f["phone"],
                f["unit"],
                f["score"],
                f["duration_ms"],
                f["prediction"],
                "",
            ]
        )
    if not review["devices_recorded"]:
        ties.append(["", "", FLAG_LABELS[FlagKind.SHARED_DEVICE], "Chưa ghi nhận thiết bị/địa chỉ khi xác thực"])
    ties.append([])
    ties.append(list(REMOVED_HEADER))
    for r in review["removed"]:
        ties.append(
            [
                "",
                "",
                REMOVAL_LABELS.get(r["why"], REMOVAL_LABELS[RemovalReason.DISQUALIFIED]),
                r["reason"],
                r["account_id"],
                r["name"],
                r["phone"],
            ]
        )


def _confirmations_sheet(wb: Workbook, awards: Sequence[Sequence[Any]], timezone: str) -> None:
    confirmations = formatted_sheet(wb, "Xác nhận giải", AWARDS_HEADER, (7, 26, 20, 28, 14, 36, 30, 17, 26, 30, 17))
    for award_row in awards:
        values = list(award_row)
        for at in (7, 10):  # confirmed at, confirm by: Vietnam time, as dates Excel can sort
            if isinstance(values[at], str) and values[at]:
                values[at] = styled(confirmations, local_time(values[at], timezone), WHEN)
        confirmations.append(values)


def winners_workbook(
    rows: Sequence[Sequence[Any]], fixed: datetime, *, timezone: str, currency: str, title: str
) -> bytes:
    """The private winners' list for paying prizes (full phone numbers: never public). One sheet, formatted:
    widths, frozen header, amounts as numbers, confirmation times in Vietnam time; a total row; a note sheet."""
    wb = Workbook(write_only=True)
    header = [f"Số tiền ({currency})" if h == "Số tiền" else h for h in WINNERS_HEADER]
    sheet = formatted_sheet(wb, "Danh sách nhận giải", header, (7, 26, 14, 24, 28, 36, 14, 30, 30, 17, 36, 20))
    total = 0
    for row in rows:
        values = list(row)
        total += values[2] or 0
        values[2] = styled(sheet, values[2], WHOLE)
        values[6] = styled(sheet, values[6], TEXT)  # 0912…: a text, or Excel drops the leading zero
        values[9] = styled(sheet, local_time(values[9], timezone), WHEN) if values[9] else ""
        sheet.append(values)
    sheet.append(["", "Tổng cộng", styled(sheet, total, WHOLE)])
    notes = formatted_sheet(wb, "Ghi chú", [title], (110,))
    for line in (
        "Tài liệu nội bộ của Ban Tổ chức để trao và chi trả giải: có họ tên, số điện thoại đầy đủ. "
        "Không công bố, không gửi qua kênh không bảo mật, xoá khi đã chi trả xong (Luật 91/2025/QH15).",
        f"Thời gian theo giờ Việt Nam ({timezone}). Số tiền bằng {currency}.",
        "Người đang chờ Ban Tổ chức quyết định (đồng hạng) chưa có số tiền và số giấy chứng nhận.",
        "Số giấy chứng nhận: đúng số in trên giấy chứng nhận (contest certificates).",
        "Đồng ý liên hệ về giải: người không đồng ý để Ban Tổ chức gọi điện, nhắn tin về giải chỉ có số điện thoại "
        "đã che (để nhận ra khi họ liên hệ). Không gọi, không nhắn tin cho họ: thông báo thời gian, địa điểm, thủ tục "
        "nhận giải trên trang Kết quả; người đoạt giải theo dõi giải trên Trang của tôi và tự liên hệ Ban Tổ chức "
        "(đối chiếu mã tài khoản, số giấy chứng nhận và 3 số cuối điện thoại).",
    ):
        notes.append([line])
    return xlsx_bytes(wb, fixed)


def awards_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    """Prize candidates and whether each confirmed the phone (at_award), UTF-8 with BOM."""
    out = io.StringIO()
    out.write(BOM)
    writer = cells.csv_writer(out)  # names are neutralised like every export's
    writer.header(AWARDS_HEADER)
    writer.writerows([_clean(str(v)) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def final_workbook(rows: Sequence[FinalUnitRow], prizes: Sequence[Prize], fixed: datetime) -> bytes:
    wb = Workbook(write_only=True)
    ws = formatted_sheet(
        wb,
        "Giải đơn vị",
        (
            "Hạng",
            "Mã đơn vị",
            "Đơn vị",
            "Biên chế",
            "Số lượt dự thi",
            "Tỷ lệ tham gia bình quân",
            "Điểm trung bình",
            "Điểm xét giải",
            "Nhóm đồng hạng",
            "Giải",
        ),
        (7, 16, 44, 10, 12, 14, 12, 12, 14, 26),
    )
    for r in rows:
        ws.append(
            [
                r.rank,
                r.unit_id,
                r.name,
                r.headcount,
                r.participations,
                styled(ws, None if r.rate is None else round(r.rate, 4), PERCENT),
                styled(ws, None if r.mean_score is None else round(r.mean_score, 4), MEAN),
                styled(ws, round(r.points, 6), "0.0000"),
                r.tie_group or "",
                prize_label(r.prize, prizes) or "",
            ]
        )
    return xlsx_bytes(wb, fixed)
