"""cells: the one spreadsheet neutraliser used by every CSV and XLSX export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from contest.rules import cells

DANGEROUS = [
    '=HYPERLINK("http://x"&D2,"x")',
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\u00a0=1+1",
    "\uff1d1+1",  # full-width equals
    "'=1+1",  # an apostrophe before a trigger gets one more (so the rule can be undone)
    "''+1",
    "-",
    "=",
]
HARMLESS = ["Nguyễn Văn An", "", "Hà Tĩnh", "'Hà Tĩnh'", "091****123", "1; 3", "Giải Nhất", "a=b", "x-1"]
NUMERIC_TEXT = ["-5", "+84", "-1,5", "-1.5", "12"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_text_a_spreadsheet_would_evaluate_gets_the_neutraliser(text: str) -> None:
    # Given a text starting with = + - @ TAB CR (or LF, or spaces before them)
    # When it is made a cell
    # Then it starts with the apostrophe, the rest unchanged
    assert cells.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS + NUMERIC_TEXT)
def test_ordinary_text_and_number_text_are_unchanged(text: str) -> None:
    assert cells.neutralise(text) == text


@pytest.mark.parametrize("value", [-5, -1.5, 0, 15, Decimal("-2.5"), None, True])
def test_numbers_stay_numbers_negative_ones_included(value: object) -> None:
    assert cells.neutralise(value) is value


@given(st.text(alphabet=st.sampled_from("'=+-@\t\r\n aA1,.\uff1d\u00a0"), max_size=8) | st.text(max_size=12))
def test_restore_undoes_neutralise_for_every_text(text: str) -> None:
    # Given any text (weighted towards apostrophes, triggers and spaces)
    # When it is neutralised and then restored
    # Then it is exactly what it was (the question workbook's round trip is lossless)
    assert cells.restore(cells.neutralise(text)) == text
    # And what is written never starts a formula (only a bare number may start with a sign)
    out = cells.neutralise(text)
    starts = out.lstrip(" \u00a0")[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d")
    assert not starts or cells._NUMBER.fullmatch(out)


def test_an_apostrophe_an_organiser_typed_before_ordinary_text_is_kept() -> None:
    assert cells.restore("'Hà Tĩnh'") == "'Hà Tĩnh'"


def test_the_csv_writer_quotes_text_neutralises_and_leaves_numbers_bare() -> None:
    # Given a row with a formula-like name, a separator inside a text, a negative number and an empty cell
    buf = io.StringIO()
    writer = cells.csv_writer(buf)
    writer.header(["Hạng", "Họ và tên", "Ghi chú", "Số", "Trống"])
    writer.writerow([1, "=1+1", "An;=1+1", -5, None])
    # When it is written
    text = buf.getvalue()
    # Then the header is plain, texts are quoted (no ';' split), numbers bare, the formula neutralised
    assert text.splitlines()[0] == "Hạng,Họ và tên,Ghi chú,Số,Trống"
    assert text.splitlines()[1] == '1,"\'=1+1","An;=1+1",-5,""'
    assert list(csv.reader(io.StringIO(text)))[1] == ["1", "'=1+1", "An;=1+1", "-5", ""]


def test_a_sheet_written_through_the_neutraliser_has_no_formula_cell() -> None:
    # Given a workbook row with a formula-like text and a negative number
    wb = Workbook()
    cells.Sheet(wb.active).append(['=HYPERLINK("http://x"&D2,"x")', -3, "Nguyễn"])
    out = io.BytesIO()
    wb.save(out)
    # When it is read back
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    a, b, c = ws[1]
    # Then the text is a text cell starting with the apostrophe and the number a number
    assert (a.data_type, a.value) == ("s", '\'=HYPERLINK("http://x"&D2,"x")')
    assert (b.data_type, b.value) == ("n", -3)
    assert c.value == "Nguyễn"


def test_every_unicode_white_space_is_a_start_the_quick_filter_looks_at() -> None:
    # Given every character Python calls white space (LibreOffice trims them before reading a formula)
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    # When / Then each is in the quick filter, so "<space>=1+1" is never passed over
    assert [c for c in spaces if cells.neutralise(c + "=1+1") != "'" + c + "=1+1"] == []


def test_a_column_is_neutralised_like_each_of_its_values() -> None:
    values = ["Nguyễn Văn An", "=1+1", "\u3000@x", "-5", "'=a", ""]
    assert cells.column(values) == [cells.neutralise(v) for v in values]
    assert cells.column(["An", "Bình"]) == ["An", "Bình"]
    assert cells.column([1, "=a"]) == [1, "'=a"]


def test_a_report_csv_becomes_a_vietnamese_excel_csv():
    """`contest excel-vi`: `;` between columns, `,` before decimals, BOM kept, texts quoted and still neutralised."""
    import io

    from contest.rules.cells import csv_writer, excel_vi

    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv_writer(buf)
    writer.header(["Mã đơn vị", "Đơn vị", "Điểm trung bình", "Tỷ lệ tham gia", "Số lượt"])
    writer.writerow(["so-a", "Sở A; phòng 1", 12.5, 0.8375, 1204])
    writer.writerow(["xa-b", '=HYPERLINK("http://x")', None, 1.0, 0])
    converted = excel_vi(buf.getvalue().encode("utf-8"))
    assert converted.startswith(b"\xef\xbb\xbf")
    lines = converted.decode("utf-8-sig").splitlines()
    assert lines[0] == '"Mã đơn vị";"Đơn vị";"Điểm trung bình";"Tỷ lệ tham gia";"Số lượt"'
    assert lines[1] == '"so-a";"Sở A; phòng 1";12,5;0,8375;1204'
    assert lines[2] == '"xa-b";"\'=HYPERLINK(""http://x"")";;1;0'
