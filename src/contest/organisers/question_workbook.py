"""The question bank as an Excel workbook organisers can fill in, and back.

`export_workbook` writes one row per question on the sheet "Câu hỏi", a sheet of instructions
("Hướng dẫn") and the list of source documents ("Danh mục"), with drop-down lists for the correct
option, the difficulty and the document. The bytes are deterministic: exporting the same bank twice
gives the same file.

`read_workbook` turns the rows back into `QuestionRecord`s located by row (and named by column), so
`contest.content.bank.validate_records` reports `bank.xlsx:12: Cột G (Đáp án đúng): …`. Nothing is written by
this module on import: the caller validates the whole workbook, then writes the bank.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from contest.content.bank import QuestionRecord, Rejected
from contest.content.files import ContentError, ContentIssue
from contest.rules import cells
from contest.rules.model import OPTION_KEYS, Bank
from contest.rules.spreadsheet import xlsx_bytes

QUESTIONS_SHEET = "Câu hỏi"
GUIDE_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"

DIFFICULTY_LABELS = {"easy": "Dễ", "medium": "Trung bình", "hard": "Khó"}
_DIFFICULTY_BY_LABEL = {label.casefold(): code for code, label in DIFFICULTY_LABELS.items()} | {
    code: code for code in DIFFICULTY_LABELS
}


@dataclass(frozen=True)
class Column:
    field: str  # record field path
    header: str
    width: int


def columns(option_keys: Sequence[str] = OPTION_KEYS) -> tuple[Column, ...]:
    """The questions sheet's columns: one per option of the contest (quiz.options_per_question; A–D by default)."""
    return (
        Column("id", "Mã câu hỏi", 14),
        Column("text", "Nội dung câu hỏi", 60),
        *(Column(f"options.{k}", f"Phương án {k}", 30) for k in option_keys),
        *_AFTER_OPTIONS,
    )


_AFTER_OPTIONS = (
    Column("correct", "Đáp án đúng", 12),
    Column("difficulty", "Mức độ", 12),
    Column("weeks", "Tuần thi", 10),
    Column("source.document", "Văn bản nguồn", 28),
    Column("source.ref", "Điều, mục", 14),
    Column("source.fact", "Mục dữ kiện", 12),
    Column("source.date", "Ngày dữ kiện", 12),
    Column("source.quote", "Câu trích (khiếu nại)", 60),
    Column("source.quote_source", "Nguồn câu trích", 14),
)
COLUMNS = columns()


def _letters(cols: Sequence[Column]) -> dict[str, str]:
    return {c.field: get_column_letter(i) for i, c in enumerate(cols, 1)}


def _or_list(keys: Sequence[str]) -> str:
    """'A, B, C hoặc D'."""
    return f"{', '.join(keys[:-1])} hoặc {keys[-1]}" if len(keys) > 1 else "".join(keys)


# Room left under the last question for organisers to add rows with the same formats and lists.
SPARE_ROWS = 500
# Fixed document timestamps so that the same bank always gives the same bytes.
_FIXED_TIME = datetime(2023, 1, 1)  # the document instant: the bytes depend on the bank alone


class WorkbookError(ContentError):
    """The file is not a question workbook at all (not an XLSX file, sheet or headers missing)."""


# ---------------------------------------------------------------------------------------------
# Export


def export_workbook(
    bank: Bank,
    target: Path,
    *,
    documents: dict[str, str],
    weeks: Sequence[int],
    per_attempt: int,
    pool_factor: int = 2,
    option_keys: Sequence[str] = OPTION_KEYS,
) -> None:
    """Write `bank` to `target` (an .xlsx file). `documents` maps document id -> title."""
    target.write_bytes(
        question_workbook_bytes(
            bank,
            documents=documents,
            weeks=weeks,
            per_attempt=per_attempt,
            pool_factor=pool_factor,
            option_keys=option_keys,
        )
    )


def question_workbook_bytes(
    bank: Bank,
    *,
    documents: dict[str, str],
    weeks: Sequence[int],
    per_attempt: int,
    pool_factor: int = 2,
    option_keys: Sequence[str] = OPTION_KEYS,
) -> bytes:
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = GUIDE_SHEET
    _write_guide(guide, weeks, per_attempt, pool_factor, option_keys)
    sheet = wb.create_sheet(QUESTIONS_SHEET)
    _write_questions(sheet, bank, len(documents), option_keys)
    lists = wb.create_sheet(LISTS_SHEET)
    _write_lists(lists, documents)
    wb.active = 1
    return xlsx_bytes(wb, _FIXED_TIME)


def _write_questions(sheet: Any, bank: Bank, document_count: int, option_keys: Sequence[str] = OPTION_KEYS) -> None:
    cols = columns(option_keys)
    letter = _letters(cols)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, column in enumerate(cols, 1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    sheet.freeze_panes = "A2"
    last = len(bank.questions) + 1 + SPARE_ROWS
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, q in enumerate(bank.questions, 2):
        values = {
            "id": q.id,
            "text": q.text,
            **{f"options.{k}": v for k, v in q.options.items()},
            "correct": q.correct,
            "difficulty": DIFFICULTY_LABELS[q.difficulty],
            "weeks": "; ".join(str(w) for w in q.weeks),
            "source.document": q.source.document,
            "source.ref": q.source.ref,
            "source.fact": q.source.fact,
            "source.date": q.source.date,
            "source.quote": q.source.quote,
            "source.quote_source": q.source.quote_source,
        }
        for col, column in enumerate(cols, 1):
            value = values.get(column.field)
            if value is not None:
                # a text starting with = + - @ is stored as "'=…" (read back by `read_workbook` as typed)
                cell = sheet.cell(row=row, column=col, value=cells.neutralise(value))
                cell.data_type = "s"
    # Text format wherever organisers type, so Excel never turns "1; 3" or "22/4/2022" into a number or date:
    # on the filled cells, and as the column style that Excel gives to the cells typed below them.
    for col in range(1, len(cols) + 1):
        dimension = sheet.column_dimensions[get_column_letter(col)]
        dimension.number_format = "@"
        dimension.alignment = wrap
        for row in range(2, len(bank.questions) + 2):
            cell = sheet.cell(row=row, column=col)
            cell.number_format = "@"
            cell.alignment = wrap
    _list_validation(
        sheet,
        '"' + ",".join(option_keys) + '"',
        letter["correct"],
        last,
        "Đáp án đúng",
        f"Chọn đúng một chữ: {_or_list(option_keys)}.",
    )
    _list_validation(
        sheet,
        '"' + ",".join(DIFFICULTY_LABELS.values()) + '"',
        letter["difficulty"],
        last,
        "Mức độ",
        "Chọn Dễ, Trung bình hoặc Khó.",
    )
    if document_count:
        _list_validation(
            sheet,
            f"'{LISTS_SHEET}'!$A$2:$A${document_count + 1}",
            letter["source.document"],
            last,
            "Văn bản nguồn",
            f"Chọn một mã văn bản trong trang “{LISTS_SHEET}”.",
        )


def _list_validation(sheet: Any, formula: str, letter: str, last: int, title: str, message: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    dv.errorTitle = title
    dv.error = message
    dv.promptTitle = title
    dv.prompt = message
    dv.showInputMessage = True
    dv.add(f"{letter}2:{letter}{last}")
    sheet.add_data_validation(dv)


def _write_lists(sheet: Any, documents: dict[str, str]) -> None:
    bold = Font(bold=True)
    sheet.cell(row=1, column=1, value="Mã văn bản").font = bold
    sheet.cell(row=1, column=2, value="Tên văn bản").font = bold
    for row, (doc_id, title) in enumerate(sorted(documents.items()), 2):
        sheet.cell(row=row, column=1, value=cells.neutralise(doc_id))
        sheet.cell(row=row, column=2, value=cells.neutralise(title))
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 100


def _write_guide(
    sheet: Any, weeks: Sequence[int], per_attempt: int, pool_factor: int = 2, option_keys: Sequence[str] = OPTION_KEYS
) -> None:
    letters = ", ".join(option_keys)
    count = {2: "hai", 3: "ba", 4: "bốn", 5: "năm", 6: "sáu"}.get(len(option_keys), str(len(option_keys)))
    need = pool_factor * per_attempt
    week_list = ", ".join(str(w) for w in weeks)
    lines = [
        ("Ngân hàng câu hỏi của Cuộc thi — hướng dẫn điền", True),
        ("", False),
        (
            f"Mỗi dòng trong trang “{QUESTIONS_SHEET}” là một câu hỏi trắc nghiệm. "
            "Không đổi tên trang, không đổi tên hay thứ tự các cột ở dòng tiêu đề.",
            False,
        ),
        ("", False),
        ("Các cột", True),
        (
            "• Mã câu hỏi: bắt buộc, không trùng nhau, chỉ gồm chữ thường không dấu (a–z), "
            "chữ số và dấu gạch ngang, ví dụ qd505-001. Không dùng lại mã của câu hỏi đã bỏ.",
            False,
        ),
        (
            "• Nội dung câu hỏi: bắt buộc. Viết rõ ràng, chỉ có một cách hiểu; không dùng câu hỏi “bẫy”.",
            False,
        ),
        (
            f"• Phương án {letters}: bắt buộc đủ {count} phương án, không có hai phương án giống nhau. "
            "Không dùng “Tất cả các phương án trên” hay “Cả A và B”. Thứ tự phương án không quan trọng: "
            "hệ thống xáo trộn phương án cho từng thí sinh.",
            False,
        ),
        (f"• Đáp án đúng: đúng một chữ {_or_list(option_keys)} (chọn trong danh sách).", False),
        ("• Mức độ: Dễ, Trung bình hoặc Khó (chọn trong danh sách).", False),
        (
            "• Tuần thi: các tuần mà câu hỏi được dùng, cách nhau bằng dấu chấm phẩy, ví dụ “1; 3”. "
            f"Các tuần của Cuộc thi: {week_list}. Mỗi tuần cần ít nhất {need} câu hỏi "
            f"({pool_factor} × {per_attempt} câu của một lượt thi).",
            False,
        ),
        (
            "• Văn bản nguồn: mã văn bản mà câu hỏi dựa vào (chọn trong danh sách, "
            f"xem trang “{LISTS_SHEET}”). Mỗi mã phải có trang tài liệu content/documents/<mã>.md.",
            False,
        ),
        ("• Điều, mục: không bắt buộc, ví dụ “Điều 6” hoặc “Khoản 4 Điều 3”.", False),
        ("• Mục dữ kiện: số thứ tự của dữ kiện đã kiểm chứng mà câu hỏi dựa vào, ví dụ 12 hoặc 15b.", False),
        (
            "• Ngày dữ kiện: không bắt buộc; khi dữ kiện chỉ có từ một thời điểm (kết quả công bố, sự kiện), "
            "ghi năm, năm-tháng hoặc ngày, ví dụ 2023-07. Dữ kiện có sau tuần thi cuối là lỗi.",
            False,
        ),
        (
            "• Câu trích (khiếu nại): câu của văn bản mà đáp án dựa vào, để trả lời khiếu nại bằng chính văn bản. "
            "Nguồn câu trích: “document” nếu chép nguyên văn văn bản, “fact-sheet” nếu là nội dung bảng dữ kiện "
            "đã kiểm chứng (không phải nguyên văn). Bắt buộc với ngân hàng của cuộc thi (contest questions lint).",
            False,
        ),
        ("", False),
        ("Khi nhập tệp", True),
        ("• Lệnh: contest questions import <tệp>.xlsx", False),
        (
            "• Toàn bộ tệp được kiểm tra trước khi ghi. Chỉ cần một dòng sai là không có gì được ghi; "
            "lệnh liệt kê từng lỗi kèm số dòng và tên cột để sửa.",
            False,
        ),
        (
            "• Tệp hợp lệ sẽ thay thế toàn bộ ngân hàng câu hỏi (content/questions/), mỗi văn bản nguồn một tệp.",
            False,
        ),
        ("• Sau khi nhập, chạy: contest questions check (kiểm tra cả các câu hỏi gần trùng nhau).", False),
    ]
    sheet.column_dimensions["A"].width = 120
    for row, (text, heading) in enumerate(lines, 1):
        cell = sheet.cell(row=row, column=1, value=text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if heading:
            cell.font = Font(bold=True, size=13 if row == 1 else 11)


# ---------------------------------------------------------------------------------------------
# Import


def read_workbook(
    source: Path, label: str | None = None, option_keys: Sequence[str] = OPTION_KEYS
) -> list[QuestionRecord]:
    """The question rows of a workbook as records located by row; raise WorkbookError if unreadable."""
    cols = columns(option_keys)
    name = label or source.name
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise WorkbookError([ContentIssue(name, 0, f"không đọc được tệp Excel (.xlsx): {exc}")]) from exc
    try:
        if QUESTIONS_SHEET not in wb.sheetnames:
            raise WorkbookError([ContentIssue(name, 0, f"không có trang “{QUESTIONS_SHEET}”")])
        rows = list(wb[QUESTIONS_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise WorkbookError([ContentIssue(name, 1, "trang câu hỏi trống: thiếu dòng tiêu đề")])
    header = [(_cell_text(v) or "") for v in rows[0]]
    problems = []
    for i, column in enumerate(cols):
        found = header[i] if i < len(header) else ""
        if found.casefold() != column.header.casefold():
            problems.append(
                ContentIssue(
                    name,
                    1,
                    f"cột {get_column_letter(i + 1)} phải có tiêu đề “{column.header}” (đang là “{found}”)",
                )
            )
    if problems:
        raise WorkbookError(problems)

    records = []
    for row_number, row in enumerate(rows[1:], 2):
        values = list(row[: len(cols)]) + [None] * (len(cols) - len(row))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        records.append(_record(name, row_number, values, option_keys))
    return records


def _record(name: str, row: int, row_cells: list[Any], option_keys: Sequence[str] = OPTION_KEYS) -> QuestionRecord:
    cols = columns(option_keys)
    letter = _letters(cols)
    record = QuestionRecord(file=name, line=row, values={})
    # undo the export's neutraliser ("'=…" back to "=…"), so export then import is lossless
    by_field = {column.field: cells.restore(value) for column, value in zip(cols, row_cells, strict=True)}
    for column in cols:
        record.where[column.field] = row
        record.labels[column.field] = f"cột {letter[column.field]} ({column.header}): "
    record.labels["options"] = "các cột phương án: "
    record.labels["source"] = ""
    record.where["options"] = row
    record.where["source"] = row

    def text(path: str) -> Any:
        value = by_field[path]
        if isinstance(value, datetime | date | time):
            return Rejected("ô đang chứa ngày tháng; hãy định dạng ô là Văn bản (Text) rồi nhập lại")
        if isinstance(value, bool):
            return Rejected("ô phải chứa văn bản")
        if isinstance(value, float):
            if value.is_integer():
                return str(int(value))
            return Rejected("ô đang chứa số thập phân; hãy định dạng ô là Văn bản (Text) rồi nhập lại")
        return _cell_text(value)

    values: dict[str, Any] = {
        "id": text("id"),
        "text": text("text"),
        "options": {k: text(f"options.{k}") for k in option_keys},
        "correct": text("correct"),
        "difficulty": _difficulty(text("difficulty")),
        "weeks": _weeks(by_field["weeks"]),
        "source": {
            "document": text("source.document"),
            "ref": text("source.ref"),
            "fact": text("source.fact"),
            "date": text("source.date"),
            "quote": text("source.quote"),
            "quote_source": text("source.quote_source"),
        },
    }
    record.values = values
    return record


def _cell_text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def _difficulty(value: Any) -> Any:
    if isinstance(value, str):
        return _DIFFICULTY_BY_LABEL.get(" ".join(value.split()).casefold(), value)
    return value


def _weeks(value: Any) -> Any:
    """'1; 3' -> [1, 3]; a bad cell becomes a list holding the rejected text, reported by validation."""
    if value is None:
        return None
    if isinstance(value, bool):
        return [Rejected("ô phải chứa số tuần")]
    if isinstance(value, int):
        return [value]
    if isinstance(value, float):
        if value.is_integer():
            return [int(value)]
        return [Rejected(f"{value} (ghi các tuần cách nhau bằng dấu chấm phẩy, ví dụ “1; 3”)")]
    if not isinstance(value, str):
        return [Rejected(str(value))]
    parts = [p for p in re.split(r"[;,\s]+", value.strip()) if p]
    if not parts:
        return None
    return [int(p) if p.isdigit() else Rejected(p) for p in parts]


# ---------------------------------------------------------------------------------------------
# Documents


def document_titles(documents_dir: Path) -> dict[str, str]:
    """Document id -> title, read from the front matter of content/documents/<id>.md."""
    titles: dict[str, str] = {}
    for path in sorted(documents_dir.glob("*.md")):
        if path.stem == "index":
            continue
        title = ""
        match = re.match(r"\A---\s*\n(.*?\n)---\s*\n", path.read_text(encoding="utf-8"), re.DOTALL)
        if match:
            try:
                meta = yaml.safe_load(match.group(1)) or {}
            except yaml.YAMLError:
                meta = {}
            if isinstance(meta, dict):
                title = str(meta.get("title") or "")
        titles[path.stem] = title
    return titles
