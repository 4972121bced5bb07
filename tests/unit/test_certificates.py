"""Certificates from the published results: the text extracted from each PDF matches its winner, the code
is the documented hash of published fields, pending prizes give nothing, and every Vietnamese letter with
every tone mark is drawn (checked on the rendered image, with Debian's pdftoppm)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import date, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from contest.close.certificates import (
    FONT_BOLD,
    FONT_REGULAR,
    final_certificates,
    render,
    render_many,
    week_certificates,
    write_all,
)
from contest.rules.model import CertificateStyle, StandingRecord, Unit
from contest.rules.publication import canonical_json, final_public, week_public
from contest.rules.ranking import RankingRules, aggregate_units, rank_final_units, rank_week
from tests.support import make_bank, make_content

VN = timezone(timedelta(hours=7))
# The contest under test with the prize table these tests are written for (six weekly prizes 1/2/3, three unit
# prizes), whatever the contest's own prizes are (CONTEST_TEST_CONTENT, tests/support.py).
PRIZES = {
    "prizes.weekly": [
        {"rank": "first", "label": "Giải Nhất", "count": 1, "amount": 2000000},
        {"rank": "second", "label": "Giải Nhì", "count": 2, "amount": 1000000},
        {"rank": "third", "label": "Giải Ba", "count": 3, "amount": 500000},
    ],
    "prizes.final_units": [
        {"rank": "first", "label": "Giải Nhất", "count": 1, "amount": 3000000},
        {"rank": "second", "label": "Giải Nhì", "count": 1, "amount": 2000000},
        {"rank": "third", "label": "Giải Ba", "count": 1, "amount": 1000000},
    ],
}
CONTENT = make_content(contest_changes=PRIZES)
CONTEST = CONTENT.contest
WEEK = CONTEST.weeks[0]
VOWELS = "aăâeêioôơuưy"
TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
TONED = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES]
LETTERS = [*TONED, "ă", "â", "ê", "ô", "ơ", "ư", "đ"]
ALL_LETTERS = LETTERS + [c.upper() for c in LETTERS]
# Six prize winners whose names hold, between them, every letter above in both cases
WINNERS = [
    "Nguyễn Thị Ngọc Huyền",
    "Đặng Ầu Ẩn Ẫu " + "".join(TONED[:20]),
    "Ưng Ơn Ỷ " + "".join(TONED[20:40]),
    "Ỵ Ỳ Ý " + "".join(TONED[40:]) + " ăâêôơưđ",
    " ".join(c.upper() for c in LETTERS[:34]),
    " ".join(c.upper() for c in LETTERS[34:]),
]
UNITS = [Unit(u.id, u.name, u.group, 50) for u in CONTENT.units[:8]]
# Another agency than the shipped contest's: every line of the header and the signature comes from here
STYLE = CertificateStyle(
    agency=("ỦY BAN NHÂN DÂN TỈNH QUẢNG BÌNH", "Sở Văn hoá, Thể thao và Du lịch"),
    place="Đồng Hới",
    signer_authority="KT. Giám đốc",
    signer_title="Phó Giám đốc",
    signer_name="Trần Thị Bích Ngọc",
    number_format="{seq:02d}/GCN-SVHTTDL-{round}",
)
REVIEW = Path(__file__).resolve().parents[2] / "build" / "review" / "certificates"


def standing(i: int, name: str, score: int, duration_s: int, prediction: int, unit: Unit) -> StandingRecord:
    return StandingRecord(
        f"acc-{i:03d}",
        score,
        duration_s * 1000,
        prediction,
        unit.id,
        name,
        f"09{i:02d}****{i:03d}",
        f"att-{i}",
        1,
        0,
    )


def published_week(names: list[str], tie: bool = False) -> dict:
    """week-1.json exactly as the close publishes it (the real ranking and publication code)."""
    rows = [standing(i, n, 15, 100 + i, 40, UNITS[i % len(UNITS)]) for i, n in enumerate(names)]
    if tie:  # three people equal on every key across the second/third boundary: pending prizes
        rows[1:4] = [replace(rows[k], duration_ms=101_000) for k in (1, 2, 3)]
    rows += [standing(100 + i, f"Người Dự Thi {i}", 5, 500, 40, UNITS[i % len(UNITS)]) for i in range(20)]
    ranking = rank_week(rows, RankingRules.from_contest(CONTEST))
    public = week_public(CONTEST, WEEK, ranking, aggregate_units(ranking, UNITS), make_bank(), "ab" * 32, UNITS)
    return json.loads(canonical_json(public))


def issued_line(at) -> str:
    d = at.astimezone(VN).date()
    return f"{STYLE.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def text_of(pdf: bytes) -> str:
    return unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def expected_code(*fields) -> str:
    digest = hashlib.sha256("|".join(["cert-v1", *map(str, fields)]).encode("utf-8")).hexdigest()[:8].upper()
    return digest[:4] + "-" + digest[4:]


def test_each_weekly_certificate_carries_its_winner_as_published(tmp_path):
    # Given the published results of a week whose six prize winners are clear
    results = published_week(WINNERS)
    awarded = [(p["label"], e) for p in results["prizes"] for e in p["awarded"]]
    assert len(awarded) == 6
    # When the certificates are made
    certs = week_certificates(results, style=STYLE, theme=CONTEST.theme, year=2023)
    paths = write_all(certs, tmp_path)
    # Then there is one PDF per winner, and the text extracted from each one is that winner's
    assert len(paths) == 6 and len({p.name for p in paths}) == 6
    for (label, entry), cert, path in zip(awarded, certs, paths, strict=True):
        text = text_of(path.read_bytes())
        lines = text.splitlines()
        assert entry["name"] in " ".join(lines), (entry["name"], text)  # a long name may wrap
        assert f"Đơn vị: {entry['unit']}" in lines
        assert f"đã đạt {label.upper()}" in lines
        opens, closes = WEEK.opens_at.astimezone(VN), WEEK.closes_at.astimezone(VN)
        assert f"Tuần 1 ({opens:%d/%m/%Y} – {closes:%d/%m/%Y})" in lines  # shipped: 16/10/2023 – 22/10/2023
        assert issued_line(WEEK.results_at) in lines  # shipped: "Đồng Hới, ngày 22 tháng 10 năm 2023"
        assert CONTEST.name in lines and "SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH" in lines
        assert f"Số: {cert.number}" in lines and cert.number.endswith("/GCN-SVHTTDL-T1")
        # And the code is the documented hash of fields anyone reads in week-1.json
        code = expected_code(
            "week",
            1,
            entry["prize"],
            entry["rank"],
            entry["name"],
            entry["phone"],
            entry["unit"],
            results["standings_sha256"],
        )
        assert f"Mã xác minh: {code}" in lines
    assert [c.number for c in certs] == [f"{n:02d}/GCN-SVHTTDL-T1" for n in range(1, 7)]
    assert [p.name for p in paths] == [f"T1-{n:02d}.pdf" for n in range(1, 7)]
    manifest = (tmp_path / "danh-sach.csv").read_bytes()
    assert manifest.startswith(b"\xef\xbb\xbf") and WINNERS[0].encode() in manifest


def test_every_letter_with_every_tone_mark_survives_as_text():
    certs = week_certificates(published_week(WINNERS), style=STYLE, theme=CONTEST.theme, year=2023)
    text = "".join(text_of(render(c)) for c in certs)
    missing = [c for c in ALL_LETTERS if c not in text]
    assert not missing


def test_a_name_typed_with_combining_marks_is_printed_composed():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ngọc Huyền")
    results = published_week([decomposed, *WINNERS[1:]])
    cert = week_certificates(results, style=STYLE, theme="Chủ đề", year=2023)[0]
    assert "Nguyễn Thị Ngọc Huyền" in text_of(render(cert)).splitlines()


def test_prizes_pending_the_committee_give_no_certificate():
    # Given a three-way tie across the second/third boundary (the committee has not decided)
    results = published_week(WINNERS, tie=True)
    pending = {c["name"] for p in results["prizes"] for g in p["pending"] for c in g["candidates"]}
    assert len(pending) == 3
    # When certificates are made: only the clear prizes have one, no tied candidate does
    certs = week_certificates(results, style=STYLE, theme="Chủ đề", year=2023)
    names = {c.recipient for c in certs}
    assert names and not names & pending
    assert len(certs) == sum(len(p["awarded"]) for p in results["prizes"]) < 6


def published_final(unit_of) -> dict:
    ranking = rank_week(
        [standing(i, f"Người {i}", i % 16, 100, 40, UNITS[unit_of(i)]) for i in range(40)],
        RankingRules.from_contest(CONTEST),
    )
    rows = rank_final_units([aggregate_units(ranking, UNITS)], CONTEST.final_formula, 15, CONTEST.final_unit_prizes)
    return json.loads(canonical_json(final_public(CONTEST, rows, [1], CONTEST.final_formula)))


def test_final_unit_certificates_name_the_units_with_their_prize():
    final = published_final(lambda i: 0 if i < 15 else 1 if i < 25 else 2 if i < 32 else 3 if i < 37 else 4)
    winners = [u for u in final["units"] if u["prize"] in ("first", "second", "third")]
    certs = final_certificates(final, style=STYLE, theme="Chủ đề", year=2023, issued_on=date(2023, 11, 12))
    assert [c.recipient for c in certs] == [u["name"] for u in winners] and len(certs) == 3
    for unit, cert in zip(winners, certs, strict=True):
        text = text_of(render(cert))
        assert unit["name"] in text.splitlines() and "toàn Cuộc thi (giải tập thể)" in text
        code = expected_code(
            "final", unit["prize"], unit["rank"], unit["unit_id"], unit["name"], json.dumps(unit["points"])
        )
        assert f"Mã xác minh: {code}" in text and cert.number.endswith("/GCN-SVHTTDL-CC")


def test_final_units_tied_for_a_prize_get_no_certificate_until_decided():
    final = published_final(lambda i: i % 5)  # units equal two by two: the committee decides
    assert {u["prize"] for u in final["units"][:4]} == {"pending"}
    assert final_certificates(final, style=STYLE, theme="Chủ đề", year=2023, issued_on=date(2023, 11, 12)) == []


def test_rendering_is_deterministic_and_the_font_is_bundled():
    cert = week_certificates(published_week(WINNERS), style=STYLE, theme="Chủ đề", year=2023)[0]
    assert render(cert) == render(cert)
    both = render_many([cert, cert])
    assert len(PdfReader(io.BytesIO(both)).pages) == 2 and cert.recipient in text_of(both)
    assert FONT_REGULAR.is_file() and FONT_BOLD.is_file()
    assert (FONT_REGULAR.parent / "LICENSE-DejaVu.txt").is_file()


def test_the_page_is_an_agency_document_ready_to_sign_and_stamp():
    # Given the certificate of a week's first prize
    cert = week_certificates(published_week(WINNERS), style=STYLE, theme=CONTEST.theme, year=2023)[0]
    lines = text_of(render(cert)).splitlines()
    # Then it carries Quốc hiệu and Tiêu ngữ, the agency lines, number, place and date, the signer's block
    for expected in (
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG BÌNH",
        "SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH",
        "Số: 01/GCN-SVHTTDL-T1",
        issued_line(WEEK.results_at),
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Trần Thị Bích Ngọc",
    ):
        assert expected in lines, (expected, lines)
    # And nothing on the page is a developer's hint or the shipped contest's province
    text = " ".join(lines)
    assert ".json" not in text and "week-" not in text and "Hà Tĩnh" not in text
    # And the signer's title and name are apart: room for the signature and the seal
    assert lines.index("Trần Thị Bích Ngọc") > lines.index("PHÓ GIÁM ĐỐC")


def test_a_rerun_with_no_winners_clears_the_earlier_certificates(tmp_path):
    # Given certificates written for a week
    certs = week_certificates(published_week(WINNERS), style=STYLE, theme=CONTEST.theme, year=2023)
    write_all(certs, tmp_path)
    assert len(list(tmp_path.glob("*.pdf"))) == 7  # six and tat-ca.pdf
    # When the week is rerun and nobody holds a prize any more
    write_all([], tmp_path)
    # Then no earlier certificate is left to be printed by mistake; the manifest lists nobody
    assert list(tmp_path.glob("*.pdf")) == []
    assert (tmp_path / "danh-sach.csv").read_text(encoding="utf-8-sig").count("\n") == 1


def test_the_certificates_are_rendered_to_images_kept_for_review(tmp_path):
    """build/review/certificates/*.png: the weekly and the final certificate, to look at before printing."""
    pdftoppm = ensure_pdftoppm()
    week = week_certificates(published_week(WINNERS), style=STYLE, theme=CONTEST.theme, year=2023)[0]
    final = final_certificates(
        published_final(lambda i: 0 if i < 15 else 1 if i < 25 else 2 if i < 32 else 3 if i < 37 else 4),
        style=STYLE,
        theme=CONTEST.theme,
        year=2023,
        issued_on=date(2023, 11, 12),
    )[0]
    REVIEW.mkdir(parents=True, exist_ok=True)
    for name, cert in (("tuan", week), ("chung-cuoc", final)):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(render(cert))
        subprocess.run([pdftoppm, "-r", "100", "-png", "-singlefile", str(pdf), str(REVIEW / name)], check=True)
        ink = _ink(REVIEW / f"{name}.png")
        height, width = ink.shape[:2]
        # the signature and seal area (right half, between the title and the name) is left blank
        band = ink[int(height * 0.77) : int(height * 0.86), int(width * 0.55) : int(width * 0.92)]  # inside the frame
        assert not band.any(), f"{name}: something is drawn where the signature and the seal go"
        assert ink[: height // 4].any()  # the header is drawn


# --- the rendered image ------------------------------------------------------------------------------


def ensure_pdftoppm() -> str:
    """Debian's poppler-utils, installed through apt when missing and running as root."""
    found = shutil.which("pdftoppm")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "poppler-utils"], env=env, capture_output=True)
        found = shutil.which("pdftoppm")
    if not found:
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed and cannot be installed here")
    return found


def _ink(path: Path, threshold: int = 140) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path)) < threshold


ABOVE = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0302", "\u0306"}
BELOW = {"\u0323"}


def bare_letter(letter: str) -> str:
    """The letter without its marks; for i the dotless ı (the tone mark takes the dot's place)."""
    if letter in "đĐ":
        return "d" if letter == "đ" else "D"
    base = "".join(ch for ch in unicodedata.normalize("NFD", letter) if not unicodedata.combining(ch))
    return "ı" if base == "i" else base


def test_every_tone_mark_is_drawn_on_the_rendered_page(tmp_path):
    """Each letter alone as the name on a real certificate, rendered to pixels, against its bare base letter:
    the base letter's shape is inside the accented glyph and the mark adds ink above (or below) it."""
    pdftoppm = ensure_pdftoppm()
    base_cert = week_certificates(published_week(WINNERS), style=STYLE, theme=CONTEST.theme, year=2023)[0]
    pages = [" "]
    for c in ALL_LETTERS:
        pages += [c, bare_letter(c)]
    merged = tmp_path / "letters.pdf"
    merged.write_bytes(render_many([replace(base_cert, recipient=name) for name in pages]))
    # Only the part of the page where the name is drawn (found from the first letter against the blank)
    dpi = "150"
    subprocess.run(
        [pdftoppm, "-r", dpi, "-gray", "-f", "1", "-l", "2", str(merged), str(tmp_path / "probe")], check=True
    )
    blank_full, first = (_ink(p) for p in sorted(tmp_path.glob("probe*.pgm")))
    ys, xs = np.nonzero(first & ~blank_full)
    top, left = int(ys.min()) - 40, int(xs.min()) - 60
    subprocess.run(
        [
            pdftoppm,
            "-r",
            dpi,
            "-gray",
            "-y",
            str(top),
            "-H",
            str(int(ys.max()) + 40 - top),
            "-x",
            str(left),
            "-W",
            str(int(xs.max()) + 60 - left),
            str(merged),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    images = [_ink(p) for p in sorted(tmp_path.glob("p-*.pgm"))]
    assert len(images) == len(pages)
    blank = images[0]
    failures = []
    for k, letter in enumerate(ALL_LETTERS):
        accented = images[1 + 2 * k] & ~blank
        bare = images[2 + 2 * k] & ~blank
        if not accented.any() or not bare.any():
            failures.append((letter, "nothing drawn"))
            continue
        # best horizontal alignment of the bare letter inside the accented glyph (advance widths may differ)
        best = max(range(-8, 9), key=lambda dx: int((np.roll(bare, dx, axis=1) & accented).sum()))
        shifted = np.roll(bare, best, axis=1)
        covered = (shifted & accented).sum() / shifted.sum()
        extra_rows = np.nonzero((accented & ~shifted).any(axis=1))[0]
        bare_rows = np.nonzero(shifted.any(axis=1))[0]
        marks = set(unicodedata.normalize("NFD", letter))
        if covered < 0.85:
            failures.append((letter, f"base letter not found in the glyph ({covered:.0%})"))
        elif (accented & ~shifted).sum() < 8:
            failures.append((letter, "no mark drawn"))
        elif marks & ABOVE and not extra_rows.min() < bare_rows.min() - 2:
            failures.append((letter, "no ink above the letter"))
        elif marks & BELOW and not extra_rows.max() > (bare_rows.min() + bare_rows.max()) / 2:
            failures.append((letter, "no ink in the lower half"))  # y's dot may sit above its descender
    assert not failures, failures


def test_a_missing_glyph_would_be_caught(tmp_path):
    """The image check above fails on a letter the font cannot draw (guards the guard)."""
    from fpdf import FPDF

    pdftoppm = ensure_pdftoppm()
    pdf = FPDF(unit="mm", format=(60, 30))
    pdf.add_font("DejaVuSerif", "", str(FONT_REGULAR))
    pdf.add_page()
    pdf.set_font("DejaVuSerif", "", 40)
    pdf.text(5, 20, "\U00010400")  # Deseret: no glyph in DejaVu Serif, drawn as nothing or a box
    path = tmp_path / "missing.pdf"
    path.write_bytes(bytes(pdf.output()))
    subprocess.run([pdftoppm, "-r", "100", "-gray", str(path), str(tmp_path / "m")], check=True)
    ink = _ink(next(tmp_path.glob("m*.pgm")))
    reference = FPDF(unit="mm", format=(60, 30))
    reference.add_font("DejaVuSerif", "", str(FONT_REGULAR))
    reference.add_page()
    reference.set_font("DejaVuSerif", "", 40)
    reference.text(5, 20, "e")
    ref_path = tmp_path / "ref.pdf"
    ref_path.write_bytes(bytes(reference.output()))
    subprocess.run([pdftoppm, "-r", "100", "-gray", str(ref_path), str(tmp_path / "r")], check=True)
    ref_ink = _ink(next(tmp_path.glob("r*.pgm")))
    covered = (ref_ink & ink).sum() / ref_ink.sum()
    assert covered < 0.85  # a box or nothing never passes for the letter
