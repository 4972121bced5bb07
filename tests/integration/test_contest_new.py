"""`contest new <dir>` (issue 16.4): a fresh content folder that an organiser fills in — contest.yaml with every key
commented, units, an example document and the empty question workbook — and that `contest content check` accepts
once a minimal bank is filled in through Excel (`questions export` works on the empty bank)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from contest.cli import app
from contest.content import CONTEST_SCHEMA, _all_paths, parse_contest, read_yaml
from contest.workbook import COLUMNS, GUIDE_SHEET, QUESTIONS_SHEET

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    result = invoke("new", tmp_path / "content", "--name", "Cuộc thi tìm hiểu pháp luật", "--start", "2025-03-03",
                    "--weeks", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    return tmp_path / "content"


def fill_minimal_bank(workbook: Path, count: int, document: str) -> None:
    """What an organiser does in Excel: one question a row on the questions sheet, every required column."""
    book = load_workbook(workbook)
    sheet = book[QUESTIONS_SHEET]
    column = {c.field: i for i, c in enumerate(COLUMNS, 1)}
    subjects = ["hòa giải", "công chứng", "hộ tịch", "lý lịch", "trợ giúp", "thừa phát", "giám định", "luật sư"]
    for n in range(count):
        row = n + 2
        first = 100 + 4 * n
        values = {
            "id": f"pl-{n + 1:03d}",
            "text": f"Theo văn bản mẫu, mục {n + 1} về {subjects[n % len(subjects)]} quy định con số nào ({n})?",
            "options.A": f"Số {first}",
            "options.B": f"Số {first + 1}",
            "options.C": f"Số {first + 2}",
            "options.D": f"Số {first + 3}",
            "correct": "ABCD"[n % 4],
            "difficulty": "Dễ",
            "weeks": "1",
            "source.document": document,
            "source.fact": str(n + 1),
            "source.quote": f"Mục {n + 1}: con số là {first + n % 4}.",
            "source.quote_source": "document",
        }
        for field, value in values.items():
            sheet.cell(row=row, column=column[field], value=value)
    book.save(workbook)


def test_new_scaffolds_every_file_and_refuses_to_overwrite(tmp_path: Path, scaffolded: Path) -> None:
    # Then the folder has the contest, the units, an example document, an empty questions folder, the workbook
    assert sorted(p.relative_to(scaffolded).as_posix() for p in scaffolded.rglob("*")) == [
        "cau-hoi.xlsx",
        "contest.yaml",
        "documents",
        "documents/van-ban-1.md",
        "questions",
        "units.yaml",
    ]
    contest = parse_contest(read_yaml(scaffolded / "contest.yaml"), "contest.yaml")
    assert contest.name == "Cuộc thi tìm hiểu pháp luật" and len(contest.weeks) == 1
    assert contest.weeks[0].opens_at.isoformat() == "2025-03-03T00:00:00+07:00"
    # and a second run never overwrites it
    again = invoke("new", scaffolded)
    assert again.exit_code == 2 and "đã có nội dung" in again.output


def test_the_scaffolded_contest_yaml_holds_every_key_with_a_comment(scaffolded: Path) -> None:
    # Every key the schema accepts is in the file (so a new key must be added to `contest new` too) ...
    data = read_yaml(scaffolded / "contest.yaml")

    def present(path: str) -> bool:
        node = data
        for part in path.split("."):
            if isinstance(node, list):
                node = node[0] if node else {}
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    missing = [p for p in _all_paths(CONTEST_SCHEMA) if not present(p)]
    assert not missing, f"contest new (contest.scaffold.contest_template) lacks {missing}"
    # ... and every top-level and nested key's line carries a comment (or opens a commented block)
    text = (scaffolded / "contest.yaml").read_text(encoding="utf-8")
    assert "Hà Tĩnh" not in text and "Chuyển đổi số" not in text
    for key in ("quiz", "options_per_question", "points_per_question", "pool_factor", "scope_label", "secretariat",
                "contest_name", "excluded_roles", "results_at"):  # fmt: skip
        line = next(line for line in text.splitlines() if line.strip().startswith(f"{key}:"))
        assert "#" in line or key in ("quiz", "results_at"), line


def test_questions_export_works_on_the_empty_bank_with_its_guide(tmp_path: Path, scaffolded: Path) -> None:
    exported = tmp_path / "bank.xlsx"
    result = invoke("questions", "export", exported, "--content", scaffolded)
    assert result.exit_code == 0, result.output
    assert "Đã xuất 0 câu hỏi" in result.output and "Còn thiếu câu hỏi" in result.output
    book = load_workbook(exported)
    assert GUIDE_SHEET in book.sheetnames and QUESTIONS_SHEET in book.sheetnames
    guide = " ".join(str(c.value) for row in book[GUIDE_SHEET].iter_rows() for c in row if c.value)
    assert "ít nhất 30 câu hỏi" in guide


def test_content_check_passes_on_the_scaffold_once_a_minimal_bank_is_filled(tmp_path: Path, scaffolded: Path) -> None:
    # Given the scaffold before any question: the check says the bank is missing
    empty = invoke("content", "check", "--root", tmp_path)
    assert empty.exit_code != 0

    # When the organisers fill the workbook with 30 questions (2 × 15 for the one week) and import it
    workbook = scaffolded / "cau-hoi.xlsx"
    fill_minimal_bank(workbook, 30, "van-ban-1")
    imported = invoke("questions", "import", workbook, "--content", scaffolded)
    assert imported.exit_code == 0, imported.output

    # Then the whole content check passes
    checked = invoke("content", "check", "--root", tmp_path)
    assert checked.exit_code == 0, checked.output
    assert "Hợp lệ: 1 tuần, 3 đơn vị, 30 câu hỏi" in checked.output
