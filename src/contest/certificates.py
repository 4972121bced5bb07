"""Prize certificates (issue 8): one PDF per prize winner, from the PUBLISHED results.

Input is the public results file as published by the close (`results/week-N.json`, `results/final.json`):
a certificate can only say what the public results say. A prize still waiting for the committee (listed
under `pending`, not `awarded`) produces no certificate until it is decided and republished.

Each certificate carries a number and a short verification code anyone can recompute from the published
file, so a printed certificate can be checked against the results page:

    weekly: code = first 8 hex digits (upper case) of
            SHA-256( "cert-v1|week|<week>|<prize>|<rank>|<name>|<phone>|<unit>|<standings_sha256>" )
    final:  code = first 8 hex digits (upper case) of
            SHA-256( "cert-v1|final|<prize>|<rank>|<unit_id>|<name>|<points>" )

with every field exactly as in the JSON (strings NFC, `rank` as an integer, `points` as JSON writes it),
encoded as UTF-8, shown as XXXX-XXXX. `standings_sha256` binds a weekly code to one publication of the
full standings: a rerun that changes the standings changes the codes; a byte-identical rerun keeps them.

Rendering uses fpdf2 with DejaVu Serif (bundled under contest/fonts with its licence): every Vietnamese
letter with every tone mark is a precomposed glyph of that font; names are NFC-normalised first so a
name typed with combining marks renders the same.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSerif.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSerif-Bold.ttf"
CODE_VERSION = "cert-v1"
PRIZE_ORDER = {"first": 0, "second": 1, "third": 2}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def verification_code(*fields: Any) -> str:
    text = "|".join(_nfc(str(f)) for f in (CODE_VERSION, *fields))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()
    return f"{digest[:4]}-{digest[4:]}"


def week_code(week: int, entry: Mapping[str, Any], standings_sha256: str) -> str:
    return verification_code(
        "week",
        week,
        entry["prize"],
        int(entry["rank"]),
        entry["name"],
        entry["phone"],
        entry["unit"],
        standings_sha256,
    )


def final_code(unit: Mapping[str, Any]) -> str:
    return verification_code(
        "final", unit["prize"], int(unit["rank"]), unit["unit_id"], unit["name"], json.dumps(unit["points"])
    )


@dataclass(frozen=True)
class Certificate:
    number: str  # e.g. 2023-T1-01
    code: str  # XXXX-XXXX
    organiser: str
    contest: str
    theme: str
    prize_label: str  # "Giải Nhất"
    recipient: str  # a person's name, or a unit's name for the final awards
    unit: str | None  # the person's unit (None for a unit award)
    period: str  # "Tuần 1 (16/10/2023 – 22/10/2023)" or "toàn Cuộc thi"
    issued_on: date
    place: str
    check_hint: str  # where to check the code

    @property
    def file_name(self) -> str:
        return f"{self.number}.pdf"


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).date()


def week_certificates(
    results: Mapping[str, Any], *, organiser: str, theme: str, year: int, place: str = "Hà Tĩnh"
) -> list[Certificate]:
    """One certificate per awarded weekly prize; pending (committee) prizes give none."""
    week = int(results["week"])
    awarded = [
        (prize["label"], entry)
        for prize in sorted(results["prizes"], key=lambda p: PRIZE_ORDER.get(p["prize"], 9))
        for entry in prize["awarded"]
    ]
    period = f"Tuần {week} ({_day(results['opens_at']):%d/%m/%Y} – {_day(results['closes_at']):%d/%m/%Y})"
    out = []
    for n, (label, entry) in enumerate(awarded, 1):
        out.append(
            Certificate(
                number=f"{year}-T{week}-{n:02d}",
                code=week_code(week, entry, results["standings_sha256"]),
                organiser=organiser,
                contest=results["contest"],
                theme=theme,
                prize_label=label,
                recipient=_nfc(entry["name"]),
                unit=_nfc(entry["unit"]),
                period=period,
                issued_on=_day(results["results_at"]),
                place=place,
                check_hint=f"Đối chiếu với kết quả Tuần {week} đã công bố (week-{week}.json).",
            )
        )
    return out


def final_certificates(
    final: Mapping[str, Any],
    *,
    organiser: str,
    theme: str,
    year: int,
    issued_on: date,
    place: str = "Hà Tĩnh",
) -> list[Certificate]:
    """One certificate per unit holding a final prize (units in a pending tie group have no prize yet)."""
    labels = {p["prize"]: p["label"] for p in final["prizes"]}
    winners = sorted(
        (u for u in final["units"] if u.get("prize") in labels),
        key=lambda u: (PRIZE_ORDER.get(u["prize"], 9), u["rank"], u["unit_id"]),
    )
    return [
        Certificate(
            number=f"{year}-CC-{n:02d}",
            code=final_code(u),
            organiser=organiser,
            contest=final["contest"],
            theme=theme,
            prize_label=labels[u["prize"]],
            recipient=_nfc(u["name"]),
            unit=None,
            period="toàn Cuộc thi (giải tập thể)",
            issued_on=issued_on,
            place=place,
            check_hint="Đối chiếu với kết quả chung cuộc đã công bố (final.json).",
        )
        for n, u in enumerate(winners, 1)
    ]


# --- rendering -------------------------------------------------------------------------------------

NAVY = (20, 48, 102)
RED = (170, 20, 30)
GOLD = (176, 137, 48)


def _document(title: str, author: str, day: date) -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creation_date(datetime(day.year, day.month, day.day))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("contest")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVuSerif", "", str(FONT_REGULAR))
    pdf.add_font("DejaVuSerif", "B", str(FONT_BOLD))
    return pdf


def render(cert: Certificate) -> bytes:
    """One A4 landscape page. Deterministic: same certificate, same bytes."""
    pdf = _document(f"Giấy chứng nhận {cert.number}", cert.organiser, cert.issued_on)
    _page(pdf, cert)
    return bytes(pdf.output())


def render_many(certs: Sequence[Certificate]) -> bytes:
    """Every certificate as one page of a single PDF (one file to print)."""
    if not certs:
        raise ValueError("no certificate to render")
    pdf = _document("Giấy chứng nhận", certs[0].organiser, certs[0].issued_on)
    for cert in certs:
        _page(pdf, cert)
    return bytes(pdf.output())


def _page(pdf: Any, cert: Certificate) -> None:
    pdf.add_page()
    w, h = pdf.w, pdf.h
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, w - 16, h - 16)
    pdf.set_line_width(0.4)
    pdf.rect(12, 12, w - 24, h - 24)

    def line(text: str, size: float, style: str = "", color: tuple[int, int, int] = (0, 0, 0), gap: float = 2) -> None:
        pdf.set_font("DejaVuSerif", style, size)
        pdf.set_text_color(*color)
        pdf.set_x(20)
        pdf.multi_cell(w - 40, size * 0.45, _nfc(text), align="C")
        pdf.ln(gap)

    pdf.set_y(22)
    line(cert.organiser.upper(), 13, "B", NAVY, 1)
    line(cert.contest, 12, "", NAVY, 0)
    line(f"“{cert.theme}”", 11, "", NAVY, 8)
    line("GIẤY CHỨNG NHẬN", 30, "B", RED, 6)
    line("Ban Tổ chức Cuộc thi chứng nhận", 13, "", (0, 0, 0), 3)
    line(cert.recipient, 26, "B", NAVY, 3)
    if cert.unit:
        line(f"Đơn vị: {cert.unit}", 13, "", (0, 0, 0), 4)
    line(f"đã đạt {cert.prize_label.upper()}", 20, "B", RED, 2)
    line(cert.period, 13, "", (0, 0, 0), 8)
    d = cert.issued_on
    pdf.set_font("DejaVuSerif", "", 12)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(w / 2, h - 62)
    pdf.cell(w / 2 - 25, 7, f"{cert.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}", align="C")
    pdf.set_xy(w / 2, h - 54)
    pdf.set_font("DejaVuSerif", "B", 12)
    pdf.cell(w / 2 - 25, 7, "TM. BAN TỔ CHỨC", align="C")
    pdf.set_font("DejaVuSerif", "", 10)
    pdf.set_xy(25, h - 40)
    pdf.cell(120, 6, f"Số: {cert.number}")
    pdf.set_xy(25, h - 34)
    pdf.cell(120, 6, f"Mã xác minh: {cert.code}")
    pdf.set_font("DejaVuSerif", "", 8)
    pdf.set_xy(25, h - 28)
    pdf.cell(w - 50, 5, cert.check_hint)


def write_all(certs: Sequence[Certificate], folder: Path) -> list[Path]:
    """Write each PDF, all in one PDF to print (tat-ca.pdf) and a manifest (CSV with BOM) into `folder`."""
    import io

    from contest import cells

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for cert in certs:
        path = folder / cert.file_name
        path.write_bytes(render(cert))
        written.append(path)
    if certs:
        (folder / "tat-ca.pdf").write_bytes(render_many(certs))
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = cells.csv_writer(buf)  # a winner's name is text, never a live formula
    writer.header(["Số", "Mã xác minh", "Người/đơn vị nhận", "Đơn vị", "Giải", "Thời gian", "Tệp"])
    for cert in certs:
        writer.writerow(
            [
                cert.number,
                cert.code,
                cert.recipient,
                cert.unit or "",
                cert.prize_label,
                cert.period,
                cert.file_name,
            ]
        )
    (folder / "danh-sach.csv").write_bytes(buf.getvalue().encode("utf-8"))
    return written
