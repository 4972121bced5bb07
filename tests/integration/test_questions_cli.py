"""`contest questions check | export | import | stats`, driven through the typer app on real files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from contest.cli.questions import app
from contest.content.bank import canonical_order, load_bank
from contest.organisers.question_workbook import QUESTIONS_SHEET
from tests.support import CONTENT as TEST_CONTENT

ROOT = Path(__file__).resolve().parents[2]
CONTENT = TEST_CONTENT
FIXTURES = ROOT / "tests" / "fixtures" / "banks"
MARKER = re.compile(r"#\s*expect:\s*(.+?)\s*$")
ISSUE = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+): (?P<message>.+)$", re.MULTILINE)

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def shipped_settings(content: Path) -> tuple[list[int], int]:
    data = yaml.safe_load((content / "contest.yaml").read_text(encoding="utf-8"))
    return [w["number"] for w in data["weeks"]], int(data["quiz"]["questions_per_attempt"])


@pytest.fixture
def shipped(tmp_path) -> Path:
    """A copy of the shipped content/ the commands may change."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("index.md"))
    return target


def fixture_content(tmp_path: Path, name: str) -> Path:
    """content/ for a fixture bank: the shipped contest with weeks 1–2 and 2 questions per attempt."""
    target = tmp_path / "content"
    target.mkdir()
    data = yaml.safe_load((CONTENT / "contest.yaml").read_text(encoding="utf-8"))
    data["weeks"] = data["weeks"][:2]
    data["quiz"]["questions_per_attempt"] = 2
    (target / "contest.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.copytree(FIXTURES / "documents", target / "documents")
    shutil.copytree(FIXTURES / name / "questions", target / "questions")
    return target


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def set_cells(path: Path, cells: dict[str, object]) -> None:
    wb = load_workbook(path)
    for ref, value in cells.items():
        wb[QUESTIONS_SHEET][ref] = value
    wb.save(path)


# --- check --------------------------------------------------------------------------------------


def test_check_passes_on_the_shipped_bank(shipped):
    result = invoke("check", "--content", shipped)
    assert result.exit_code == 0, result.output
    weeks, per_attempt = shipped_settings(shipped)
    bank = load_bank(shipped / "questions", shipped / "documents", weeks, per_attempt)
    assert f"Ngân hàng câu hỏi hợp lệ: {len(bank.questions)} câu hỏi" in result.stdout


BROKEN = sorted(
    p.name for p in FIXTURES.iterdir() if (p / "questions").is_dir() and p.name not in ("valid", "near-duplicate")
)


@pytest.mark.parametrize("name", BROKEN)
def test_check_fails_with_file_line_messages_on_each_broken_bank(tmp_path, name):
    # Given a bank broken on purpose, its faulty lines marked `# expect:`
    content = fixture_content(tmp_path, name)
    marked = set()
    for path in (content / "questions").glob("*.yaml"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MARKER.search(line):
                marked.add((path.name, number))

    # When the organiser runs the check
    result = invoke("check", "--content", content)

    # Then it fails, naming exactly the marked lines (file:line: message), on stderr
    assert result.exit_code == 1
    reported = {(Path(m["file"]).name, int(m["line"])) for m in ISSUE.finditer(result.stderr)}
    assert reported == marked
    assert "lỗi" in result.stderr.splitlines()[-1]


def test_check_fails_on_near_duplicates(tmp_path):
    content = fixture_content(tmp_path, "near-duplicate")
    result = invoke("check", "--content", content)
    assert result.exit_code == 1
    line = next(
        n
        for n, text in enumerate((content / "questions" / "doc-a.yaml").read_text("utf-8").splitlines(), 1)
        if "id: a-007" in text
    )
    assert f"doc-a.yaml:{line}: câu hỏi 'a-007' gần trùng với câu hỏi 'a-001'" in result.stderr
    assert "1 cặp câu hỏi gần trùng" in result.stderr


def test_check_without_contest_file_is_a_usage_error(tmp_path):
    result = invoke("check", "--content", tmp_path)
    assert result.exit_code == 2
    assert "contest.yaml" in result.stderr


def test_the_valid_fixture_passes(tmp_path):
    result = invoke("check", "--content", fixture_content(tmp_path, "valid"))
    assert result.exit_code == 0, result.output


# --- export / import ----------------------------------------------------------------------------


def test_export_import_export_is_lossless(shipped, tmp_path):
    # Given the shipped bank exported to Excel
    weeks, per_attempt = shipped_settings(shipped)
    before = load_bank(shipped / "questions", shipped / "documents", weeks, per_attempt)
    first = tmp_path / "bank.xlsx"
    assert invoke("export", first, "--content", shipped).exit_code == 0

    # When it is imported back and exported again
    imported = invoke("import", first, "--content", shipped)
    assert imported.exit_code == 0, imported.output
    second = tmp_path / "again.xlsx"
    assert invoke("export", second, "--content", shipped).exit_code == 0

    # Then the bank is the same, the question files are the same bytes, and so are the two workbooks
    after = load_bank(shipped / "questions", shipped / "documents", weeks, per_attempt)
    assert after == canonical_order(before)
    for path in (CONTENT / "questions").glob("*.yaml"):
        assert (shipped / "questions" / path.name).read_bytes() == path.read_bytes(), path.name
    assert second.read_bytes() == first.read_bytes()
    assert f"Đã nhập {len(before.questions)} câu hỏi" in imported.stdout


def test_import_with_one_bad_row_changes_nothing(shipped, tmp_path):
    # Given an exported workbook where row 7 names an answer that does not exist
    workbook = tmp_path / "bank.xlsx"
    assert invoke("export", workbook, "--content", shipped).exit_code == 0
    set_cells(workbook, {"G7": "E", "B3": "Một câu hỏi đã sửa, hợp lệ?"})
    before = snapshot(shipped / "questions")

    # When it is imported
    result = invoke("import", workbook, "--content", shipped)

    # Then the whole file is refused, the row and column are named, and no question file changed
    assert result.exit_code == 1
    assert f"{workbook}:7: cột G (Đáp án đúng): đáp án đúng 'E' không hợp lệ" in result.stderr
    assert "Không có gì được ghi." in result.stderr
    assert snapshot(shipped / "questions") == before


def test_import_that_would_empty_a_week_is_refused(shipped, tmp_path):
    # Given a workbook keeping only the first 20 questions
    workbook = tmp_path / "bank.xlsx"
    assert invoke("export", workbook, "--content", shipped).exit_code == 0
    wb = load_workbook(workbook)
    sheet = wb[QUESTIONS_SHEET]
    sheet.delete_rows(22, sheet.max_row)
    wb.save(workbook)
    before = snapshot(shipped / "questions")

    result = invoke("import", workbook, "--content", shipped)

    assert result.exit_code == 1
    assert re.search(r"tuần \d chỉ có \d+ câu hỏi; cần ít nhất \d+", result.stderr)
    assert snapshot(shipped / "questions") == before


def test_import_writes_the_edited_question_and_only_its_file(shipped, tmp_path):
    # Given an exported workbook with one question's text edited (row 2: the first document's first question)
    workbook = tmp_path / "bank.xlsx"
    assert invoke("export", workbook, "--content", shipped).exit_code == 0
    wb = load_workbook(workbook)
    document = wb[QUESTIONS_SHEET]["J2"].value
    wb.close()
    set_cells(workbook, {"B2": "Nội dung   câu hỏi đã được Ban Tổ chức sửa lại?"})
    before = snapshot(shipped / "questions")

    # When a dry run is made, nothing is written
    dry = invoke("import", workbook, "--content", shipped, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Chưa ghi gì" in dry.stdout
    assert snapshot(shipped / "questions") == before

    # When it is imported for real
    result = invoke("import", workbook, "--content", shipped)
    assert result.exit_code == 0, result.output

    # Then that document's file holds the new text (cleaned) and every other file is untouched
    after = snapshot(shipped / "questions")
    changed = {name for name in before if after[name][0] != before[name][0]}
    assert changed == {f"{document}.yaml"}
    assert "Nội dung câu hỏi đã được Ban Tổ chức sửa lại?" in (shipped / "questions" / f"{document}.yaml").read_text(
        encoding="utf-8"
    )


def test_import_of_a_file_that_is_not_a_workbook_is_refused(shipped, tmp_path):
    bogus = tmp_path / "bank.xlsx"
    bogus.write_text("x", encoding="utf-8")
    before = snapshot(shipped / "questions")
    result = invoke("import", bogus, "--content", shipped)
    assert result.exit_code == 1
    assert "không đọc được tệp Excel" in result.stderr
    assert snapshot(shipped / "questions") == before


def test_export_refuses_a_broken_bank(tmp_path):
    content = fixture_content(tmp_path, "correct")
    target = tmp_path / "bank.xlsx"
    result = invoke("export", target, "--content", content)
    assert result.exit_code == 1
    assert not target.exists()


# --- stats --------------------------------------------------------------------------------------


def test_stats_counts_per_document_week_and_difficulty(tmp_path):
    result = invoke("stats", "--content", fixture_content(tmp_path, "valid"))
    assert result.exit_code == 0, result.output
    rows = {re.sub(r"\s+", " ", line.strip(" │┃")) for line in result.stdout.splitlines()}
    assert "doc-a │ 6 │ 4 │ 3" in rows
    assert "doc-b │ 4 │ 2 │ 3" in rows
    assert "Tổng │ 10 │ 6 │ 6" in rows
    assert "Dễ │ 4" in rows
    assert "Trung bình │ 4" in rows
    assert "Khó │ 2" in rows


def test_stats_on_the_shipped_bank_lists_every_document(shipped):
    result = invoke("stats", "--content", shipped)
    assert result.exit_code == 0, result.output
    for path in (shipped / "documents").glob("*.md"):
        assert path.stem in result.stdout
