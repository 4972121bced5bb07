"""The mid-week progress workbook: group names (never ids) and every note once."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from contest.organisers.progress import HEADER, Tally, build_report, progress_xlsx, table_rows
from contest.rules.model import Unit, Week
from contest.rules.spreadsheet import FIXED_ZIP_TIME

VN = timezone(timedelta(hours=7))
WEEK = Week(
    1,
    datetime(2023, 10, 16, 8, tzinfo=VN),
    datetime(2023, 10, 22, 17, tzinfo=VN),
    datetime(2023, 10, 22, 20, tzinfo=VN),
    "?",
)
UNITS = (Unit("so-a", "Sở A", "so-nganh", 1200), Unit("xa-b", "Xã B", "cap-xa"))
GROUPS = {"so-nganh": "Sở, ban, ngành", "cap-xa": "Cấp xã"}


def report():
    counted = Tally({"so-a": [1003, 1500, 12_034], "xa-b": [2, 2, 20]}, 1010, 5)
    made = build_report(
        "Cuộc thi", WEEK, UNITS, {"so-a": 1100, "xa-b": 3}, counted, datetime(2023, 10, 18, 9, tzinfo=VN)
    )
    made.notes.append("Tuần thi đang diễn ra: số liệu tính đến thời điểm lập báo cáo.")
    return made


def test_the_workbook_names_each_unit_group_and_states_each_note_once():
    wb = load_workbook(io.BytesIO(progress_xlsx(report(), group_names=GROUPS)))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    start = rows.index(HEADER) + 1
    assert [r[2] for r in rows[start : start + 2]] == ["Sở, ban, ngành", "Cấp xã"]
    notes = [r[0] for r in wb["Ghi chú"].iter_rows(values_only=True) if r[0]]
    assert len(notes) == len(set(notes)), notes
    first_sheet = {r[0] for r in rows[:4] if r[0]}
    assert not first_sheet & set(notes), "the first sheet's lines are not repeated in the notes"


def test_the_terminal_table_uses_vietnamese_numbers():
    rows = table_rows(report())
    assert rows[0][1:4] == ["1.200", "1.100", "1.003"]
    assert rows[0][5:7] == ["83,6%", "91,2%"]  # 1003 / 1200, 1003 / 1100


def test_the_workbook_is_the_same_bytes_for_the_same_report_and_dated_by_it():
    # Given one report written twice
    first = progress_xlsx(report(), group_names=GROUPS)
    again = progress_xlsx(report(), group_names=GROUPS)
    # Then the bytes are equal, the document is dated by the report (not the wall clock) and no zip entry
    # carries the time it was written
    assert first == again
    properties = load_workbook(io.BytesIO(first)).properties
    assert properties.created == properties.modified == datetime(2023, 10, 18, 2, 0)  # 09:00 +07:00 in UTC
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {FIXED_ZIP_TIME}
