"""Prize certificates: one PDF per prize winner, from the PUBLISHED results.

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

Rendering uses fpdf2 with DejaVu Serif (bundled under contest/close/fonts with its licence): every Vietnamese
letter with every tone mark is a precomposed glyph of that font; names are NFC-normalised first so a
name typed with combining marks renders the same.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from contest.rules.model import CertificateStyle
from contest.rules.names import nfc

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSerif.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSerif-Bold.ttf"
CODE_VERSION = "cert-v1"
MANIFEST = "danh-sach.csv"


def prize_order(prizes: Sequence[Any]) -> dict[str, int]:
    """Prize rank -> its place in the contest's own prize list (contest.yaml `prizes.weekly` / `final_units`, as
    published): certificates are numbered in that order, whatever the ranks are called (a special prize before
    the first, consolation prizes after the third)."""
    order: dict[str, int] = {}
    for prize in prizes:
        rank = prize["prize"] if isinstance(prize, Mapping) else prize.rank
        order.setdefault(rank, len(order))
    return order


def verification_code(*fields: Any) -> str:
    text = "|".join(nfc(str(f)) for f in (CODE_VERSION, *fields))
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
    number: str  # from certificates.number_format, e.g. 01/GCN-BTC-T1-2023
    code: str  # XXXX-XXXX
    style: CertificateStyle  # agency header, Quốc hiệu/Tiêu ngữ, place, signer (contest.yaml `certificates:`)
    contest: str
    theme: str
    prize_label: str  # "Giải Nhất"
    recipient: str  # a person's name, or a unit's name for the final awards
    unit: str | None  # the person's unit (None for a unit award)
    period: str  # "Tuần 1 (16/10/2023 – 22/10/2023)" or "toàn Cuộc thi"
    issued_on: date
    check_hint: str  # where to check the code, in words a reader understands
    round: str = ""  # T1, T2, … or CC
    seq: int = 0

    @property
    def file_name(self) -> str:
        """A file name that sorts in order whatever the number format holds (a '/' cannot be in a name)."""
        return f"{self.round}-{self.seq:02d}.pdf" if self.round else f"{_SAFE.sub('-', self.number)}.pdf"

    @property
    def organiser(self) -> str:
        return self.style.agency[-1]


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def week_numbers(ranking: Any, style: CertificateStyle | None, year: int, week: int) -> dict[int, str]:
    """Position in the week's ranking -> the number its certificate carries (the private winners' list shows it
    before the certificates are printed). The same order as `week_certificates`: prizes in the contest's order, the
    awarded entries of each prize as published; pending prizes have no number."""
    out: dict[int, str] = {}
    seq = 0
    for prize in ranking.rules.prizes:
        for slot in ranking.prizes:
            if slot.prize.rank == prize.rank and slot.winner is not None:
                seq += 1
                out[slot.winner] = (
                    style.number(year, f"T{week}", seq) if style else CertificateStyle.number_default(year, week, seq)
                )
    return out


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).date()


def week_certificates(
    results: Mapping[str, Any], *, style: CertificateStyle, theme: str, year: int
) -> list[Certificate]:
    """One certificate per awarded weekly prize; pending (committee) prizes give none."""
    week = int(results["week"])
    order = prize_order(results["prizes"])
    awarded = [
        (prize["label"], entry)
        for prize in sorted(results["prizes"], key=lambda p: order[p["prize"]])
        for entry in prize["awarded"]
    ]
    period = f"Tuần {week} ({_day(results['opens_at']):%d/%m/%Y} – {_day(results['closes_at']):%d/%m/%Y})"
    round_ = f"T{week}"
    out = []
    for n, (label, entry) in enumerate(awarded, 1):
        out.append(
            Certificate(
                number=style.number(year, round_, n),
                code=week_code(week, entry, results["standings_sha256"]),
                style=style,
                contest=results["contest"],
                theme=theme,
                prize_label=label,
                recipient=nfc(entry["name"]),
                unit=nfc(entry["unit"]),
                period=period,
                issued_on=_day(results["results_at"]),
                check_hint=f"Đối chiếu mã xác minh với kết quả Tuần {week} đã công bố trên trang Kết quả của Cuộc thi.",
                round=round_,
                seq=n,
            )
        )
    return out


def final_certificates(
    final: Mapping[str, Any], *, style: CertificateStyle, theme: str, year: int, issued_on: date
) -> list[Certificate]:
    """One certificate per unit holding a final prize (units in a pending tie group have no prize yet)."""
    labels = {p["prize"]: p["label"] for p in final["prizes"]}
    order = prize_order(final["prizes"])
    winners = sorted(
        (u for u in final["units"] if u.get("prize") in labels),
        key=lambda u: (order[u["prize"]], u["rank"], u["unit_id"]),
    )
    return [
        Certificate(
            number=style.number(year, "CC", n),
            code=final_code(u),
            style=style,
            contest=final["contest"],
            theme=theme,
            prize_label=labels[u["prize"]],
            recipient=nfc(u["name"]),
            unit=None,
            period="toàn Cuộc thi (giải tập thể)",
            issued_on=issued_on,
            check_hint="Đối chiếu mã xác minh với kết quả chung cuộc đã công bố trên trang Kết quả của Cuộc thi.",
            round="CC",
            seq=n,
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
    """A4 landscape, laid out as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP): the issuing
    agency top left (parent line(s), the agency in bold, a short rule, the number), Quốc hiệu and Tiêu ngữ
    (underlined) top right; the award in the middle; place and date, the signer's authority and title, room
    for the signature and the seal, then the signer's name, bottom right. Nothing here names a file."""
    style = cert.style
    pdf.add_page()
    w, h = pdf.w, pdf.h
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, w - 16, h - 16)
    pdf.set_line_width(0.4)
    pdf.rect(12, 12, w - 24, h - 24)

    def at(
        x: float,
        y: float,
        width: float,
        text: str,
        size: float,
        style_: str = "",
        color: tuple[int, int, int] = (0, 0, 0),
    ) -> float:
        """Centred text in the column [x, x + width] from y; returns the y below it."""
        pdf.set_font("DejaVuSerif", style_, size)
        pdf.set_text_color(*color)
        pdf.set_xy(x, y)
        pdf.multi_cell(width, size * 0.45, nfc(text), align="C")
        return float(pdf.get_y())

    def rule(cx: float, y: float, length: float) -> None:
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.3)
        pdf.line(cx - length / 2, y, cx + length / 2, y)

    # Header, left: the agency
    left_x, left_w = 18.0, 118.0
    y = 20.0
    for line_ in style.agency[:-1]:
        y = at(left_x, y, left_w, line_.upper(), 11)
    y = at(left_x, y, left_w, style.agency[-1].upper(), 11, "B")
    pdf.set_font("DejaVuSerif", "B", 11)
    rule(left_x + left_w / 2, y + 1.5, min(pdf.get_string_width(nfc(style.agency[-1].upper())), left_w) / 3)
    at(left_x, y + 4, left_w, f"Số: {cert.number}", 11)
    # Header, right: Quốc hiệu, Tiêu ngữ (underlined the width of the motto)
    right_x, right_w = 140.0, w - 140.0 - 18.0
    y = at(right_x, 20, right_w, style.national_name.upper(), 11.5, "B")
    y = at(right_x, y, right_w, style.national_motto, 12.5, "B")
    pdf.set_font("DejaVuSerif", "B", 12.5)
    rule(right_x + right_w / 2, y + 1, pdf.get_string_width(nfc(style.national_motto)))

    # The award
    y = at(20, 52, w - 40, "GIẤY CHỨNG NHẬN", 30, "B", RED) + 3
    y = at(20, y, w - 40, cert.contest, 12.5, "", NAVY)
    y = at(20, y, w - 40, f"“{cert.theme}”", 11.5, "", NAVY) + 5
    y = at(20, y, w - 40, "Ban Tổ chức Cuộc thi chứng nhận", 13) + 2
    y = at(20, y, w - 40, cert.recipient, 24, "B", NAVY) + 2
    if cert.unit:
        y = at(20, y, w - 40, f"Đơn vị: {cert.unit}", 13) + 2
    y = at(20, y, w - 40, f"đã đạt {cert.prize_label.upper()}", 19, "B", RED) + 1
    at(20, y, w - 40, cert.period, 13)

    # Signature block, bottom right: place and date, authority, title, room for signature and seal, name
    d = cert.issued_on
    sx, sw = w / 2 + 10, w / 2 - 28
    y = at(sx, h - 70, sw, f"{style.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}", 11.5, "")
    if style.signer_authority:
        y = at(sx, y + 1, sw, style.signer_authority.upper(), 11.5, "B")
    y = at(sx, y, sw, style.signer_title.upper(), 11.5, "B")
    at(sx, h - 26, sw, style.signer_name, 12.5, "B")  # ~28 mm left blank above: signature and seal

    # Verification, bottom left (small)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVuSerif", "", 9.5)
    pdf.set_xy(22, h - 34)
    pdf.cell(110, 5, f"Mã xác minh: {cert.code}")
    pdf.set_font("DejaVuSerif", "", 8)
    pdf.set_xy(22, h - 29)
    pdf.multi_cell(110, 3.6, nfc(cert.check_hint))


def write_all(certs: Sequence[Certificate], folder: Path) -> list[Path]:
    """Write each PDF, all in one PDF to print (tat-ca.pdf) and a manifest (CSV with BOM) into `folder`."""
    import io

    from contest.rules import cells

    folder.mkdir(parents=True, exist_ok=True)
    # A rerun replaces the whole set: certificates of an earlier run (a prize since moved, a week with no
    # winner any more) must not stay beside the new ones to be printed by mistake.
    for old in (*folder.glob("*.pdf"), folder / MANIFEST):
        old.unlink(missing_ok=True)
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
    writer.header(["Số", "Mã xác minh", "Người/đơn vị nhận", "Đơn vị", "Giải", "Thời gian", "Ngày", "Tệp"])
    for cert in certs:
        writer.writerow(
            [
                cert.number,
                cert.code,
                cert.recipient,
                cert.unit or "",
                cert.prize_label,
                cert.period,
                f"{cert.issued_on:%d/%m/%Y}",
                cert.file_name,
            ]
        )
    (folder / MANIFEST).write_bytes(buf.getvalue().encode("utf-8"))
    return written
