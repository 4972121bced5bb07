"""Private reports for organisers: CSV (UTF-8 with BOM, so Excel shows Vietnamese) and XLSX.

`write_standings_csv` writes the canonical full standings: the published SHA-256 is the SHA-256 of
exactly these bytes (`sha256sum standings.csv` checks it). Rows are in ranked order; members of an
undecided tie group are listed by name and share one rank.

XLSX bytes are deterministic: openpyxl stamps `modified` with the wall clock and zip entries with the
file/system time, so the workbook is written through `ExcelWriter` (not `save_workbook`) into a zip
archive whose every entry carries one fixed timestamp, and the document properties carry fixed
created/modified instants.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from contest.model import Prize, Unit
from contest.publication import COMMITTEE_DECIDED, COMMITTEE_DECIDES, prize_label
from contest.ranking import FinalUnitRow, UnitRow, WeekRanking

BOM = "\ufeff"
FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_CHUNK = 20_000

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
FLAG_LABELS = {"too_fast": "Làm bài quá nhanh", "shared_device": "Nhiều tài khoản cùng thiết bị/địa chỉ"}


def _clean(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def _standings_rows(ranking: WeekRanking, unit_names: Mapping[str, str]) -> Iterable[list[tuple]]:
    """Ranked rows, in chunks (lists of tuples) so a million entries never become one string."""
    cols = ranking.columns
    prizes = ranking.rules.prizes
    labels = {p.rank: prize_label(p.rank, prizes) for p in prizes}
    labels["pending"] = prize_label("pending", prizes)
    flags: dict[int, str] = {}
    for f in ranking.flags:
        text = f"{FLAG_LABELS.get(f.kind, f.kind)}: {f.detail}"
        flags[f.index] = f"{flags[f.index]}; {text}" if f.index in flags else text
    group_text = {
        gi: f"{g.label} ({COMMITTEE_DECIDED if g.decided else COMMITTEE_DECIDES})"
        for gi, g in enumerate(ranking.groups)
    }
    unit_code = cols.unit_code
    unit_ids = cols.unit_ids
    unit_label = [unit_names.get(u, u) for u in unit_ids]
    n = len(ranking)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        idx = ranking.order[lo:hi].tolist()
        ranks = ranking.rank[lo:hi].tolist()
        group_at = ranking.group_at[lo:hi].tolist()
        score = ranking.score[ranking.order[lo:hi]].tolist()
        dur = ranking.duration_ms[ranking.order[lo:hi]].tolist()
        pred = ranking.prediction[ranking.order[lo:hi]].tolist()
        err = ranking.error[ranking.order[lo:hi]].tolist()
        att = ranking.attempts[ranking.order[lo:hi]].tolist()
        prize_at = ranking.prize_at
        chunk = []
        for k, i in enumerate(idx):
            code = unit_code[i]
            g = group_at[k]
            chunk.append(
                (
                    ranks[k],
                    group_text[g] if g >= 0 else "",
                    cols.account_id[i],
                    cols.full_name[i],
                    cols.phone_masked[i],
                    unit_ids[code],
                    unit_label[code],
                    score[k],
                    dur[k],
                    pred[k],
                    err[k],
                    att[k],
                    labels.get(prize_at.get(lo + k, ""), "") or "",
                    flags.get(i, ""),
                )
            )
        yield chunk


def write_standings_csv(ranking: WeekRanking, units: Sequence[Unit], out: IO[bytes]) -> str:
    """Write the canonical full standings CSV to `out`; return the SHA-256 (hex) of the bytes written."""
    digest = hashlib.sha256()
    unit_names = {u.id: u.name for u in units}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def flush() -> None:
        data = buf.getvalue().encode("utf-8")
        digest.update(data)
        out.write(data)
        buf.seek(0)
        buf.truncate()

    buf.write(BOM)
    writer.writerow(STANDINGS_HEADER)
    for chunk in _standings_rows(ranking, unit_names):
        writer.writerows(chunk)
        flush()
    flush()
    return digest.hexdigest()


def standings_csv(ranking: WeekRanking, units: Sequence[Unit]) -> tuple[bytes, str]:
    out = io.BytesIO()
    sha = write_standings_csv(ranking, units, out)
    return out.getvalue(), sha


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
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(UNITS_HEADER)
    writer.writerows(["" if v is None else v for v in _unit_values(r)] for r in rows)
    return buf.getvalue().encode("utf-8")


class _FixedTimeZip(zipfile.ZipFile):
    """A zip archive whose entries all carry one timestamp (openpyxl writes str names or temp files)."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_ZIP_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        with open(filename, "rb") as fh:
            self.writestr(arcname or str(filename), fh.read())


def workbook_bytes(wb: Workbook, fixed: datetime) -> bytes:
    """Serialise a workbook to identical bytes on every run."""
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "contest"
    wb.properties.lastModifiedBy = "contest"
    out = io.BytesIO()
    archive = _FixedTimeZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return out.getvalue()


def week_workbook(
    ranking: WeekRanking,
    unit_rows: Sequence[UnitRow],
    units: Sequence[Unit],
    review: Mapping[str, Any],
    fixed: datetime,
) -> bytes:
    """Weekly report: summary by unit, per-person detail, ties and flags (three sheets)."""
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("Tổng hợp theo đơn vị")
    summary.append(list(UNITS_HEADER))
    for r in unit_rows:
        summary.append(list(_unit_values(r)))
    detail = wb.create_sheet("Chi tiết cá nhân")
    detail.append(list(STANDINGS_HEADER))
    unit_names = {u.id: u.name for u in units}
    for chunk in _standings_rows(ranking, unit_names):
        for row in chunk:
            detail.append(list(row))
    ties = wb.create_sheet("Đồng hạng và cờ rà soát")
    ties.append(["Nhóm đồng hạng", "Hạng", "Trạng thái", "Giải", "Mã tài khoản", "Họ và tên",
                 "Số điện thoại (đã che)", "Đơn vị", "Điểm", "Thời gian (ms)", "Dự đoán", "Quyết định"])
    prizes: Sequence[Prize] = ranking.rules.prizes
    for g in review["tie_groups"]:
        decision = g["decision"]
        note = f"{decision['reason']} ({decision['by']}, {decision['decided_at']})" if decision else ""
        for m in g["members"]:
            ties.append([g["label"], g["rank"], g["status_label"], prize_label(g["prize"], prizes) or "",
                         m["account_id"], m["name"], m["phone"], m["unit"], m["score"], m["duration_ms"],
                         m["prediction"], note])
    ties.append([])
    ties.append(["Cờ rà soát", "Hạng", "Loại", "Chi tiết", "Mã tài khoản", "Họ và tên",
                 "Số điện thoại (đã che)", "Đơn vị", "Điểm", "Thời gian (ms)", "Dự đoán", ""])
    for f in review["flags"]:
        ties.append(["", f["rank"], FLAG_LABELS.get(f["kind"], f["kind"]), f["detail"], f["account_id"],
                     f["name"], f["phone"], f["unit"], f["score"], f["duration_ms"], f["prediction"], ""])
    if not review["devices_recorded"]:
        ties.append(["", "", FLAG_LABELS["shared_device"], "Chưa ghi nhận thiết bị/địa chỉ khi xác thực"])
    ties.append([])
    ties.append(["Không xếp hạng", "", "Lý do", "Ghi chú", "Mã tài khoản", "Họ và tên", "Số điện thoại (đã che)"])
    for r in review["removed"]:
        why = "Thuộc diện không được dự thi" if r["why"] == "excluded" else "Bị hủy kết quả"
        ties.append(["", "", why, r["reason"], r["account_id"], r["name"], r["phone"]])
    return workbook_bytes(wb, fixed)


def final_workbook(rows: Sequence[FinalUnitRow], prizes: Sequence[Prize], fixed: datetime) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Giải đơn vị")
    ws.append(["Hạng", "Mã đơn vị", "Đơn vị", "Biên chế", "Số lượt dự thi", "Tỷ lệ tham gia bình quân",
               "Điểm trung bình", "Điểm xét giải", "Nhóm đồng hạng", "Giải"])
    for r in rows:
        ws.append([r.rank, r.unit_id, r.name, r.headcount, r.participations,
                   None if r.rate is None else round(r.rate, 4),
                   None if r.mean_score is None else round(r.mean_score, 4), round(r.points, 6),
                   r.tie_group or "", prize_label(r.prize, prizes) or ""])
    return workbook_bytes(wb, fixed)
