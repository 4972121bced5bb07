"""`contest questions lint`, the lint inside `contest content check`, and the quotes shown for appeals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from contest.cli import app as contest_app
from contest.cli.questions import app as questions_app
from contest.organisers.question_workbook import QUESTIONS_SHEET
from tests.support import CONTENT as TEST_CONTENT

ROOT = Path(__file__).resolve().parents[2]
CONTENT = TEST_CONTENT
LINT = ROOT / "tests" / "fixtures" / "banks" / "lint"

runner = CliRunner()


def lint(*args: object):
    return runner.invoke(questions_app, ["lint", *(str(a) for a in args)], catch_exceptions=False)


def fixture_content(tmp_path: Path, name: str) -> Path:
    """content/ for a crafted lint bank: the shipped contest with weeks 1–2 and 2 questions per attempt."""
    target = tmp_path / "content"
    target.mkdir()
    data = yaml.safe_load((CONTENT / "contest.yaml").read_text(encoding="utf-8"))
    data["weeks"] = data["weeks"][:2]
    data["quiz"]["questions_per_attempt"] = 2
    (target / "contest.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.copytree(ROOT / "tests" / "fixtures" / "banks" / "documents", target / "documents")
    shutil.copytree(LINT / name / "questions", target / "questions")
    return target


def shipped_copy(tmp_path: Path) -> Path:
    shutil.copytree(TEST_CONTENT, tmp_path / "content")
    return tmp_path / "content"


@pytest.mark.shipped_content
def test_lint_passes_on_the_shipped_bank_and_prints_its_figures():
    result = lint("--content", CONTENT)
    assert result.exit_code == 0, result.output
    assert "Đáp án đúng là phương án dài nhất" in result.stdout
    assert "Tuần 4, phương án chữ" in result.stdout
    # Not even a warning: every source is dated (docs/content-format.md)
    assert "Ngân hàng câu hỏi đạt: 0 lỗi, 0 cảnh báo" in result.stdout
    assert [line for line in result.stderr.splitlines() if "cảnh báo (" in line] == []


def test_lint_fails_on_a_bank_whose_key_is_usually_the_longest(tmp_path):
    result = lint("--content", fixture_content(tmp_path, "key-longest-rate"))
    assert result.exit_code == 1
    assert "lỗi (key-longest-rate): Toàn ngân hàng" in result.stderr
    assert "chưa đạt: 3 lỗi" in result.stderr


def test_warnings_pass_unless_strict(tmp_path):
    # Given a bank whose only problem is a stem without "Theo …" (a warning)
    content = fixture_content(tmp_path, "attribution")
    # Then the lint passes, naming the question and its line; --strict makes it fail
    result = lint("--content", content)
    assert result.exit_code == 0, result.output
    assert "doc-a.yaml:" in result.stderr and "[a-001] cảnh báo (attribution)" in result.stderr
    assert lint("--content", content, "--strict").exit_code == 1


@pytest.mark.shipped_content
def test_content_check_fails_on_a_question_keyed_to_a_fact_after_the_contest(tmp_path):
    # Given the shipped content with one question's fact dated after the last week (as qd964-017 was)
    content = shipped_copy(tmp_path)
    path = content / "questions" / "qd-964-qd-ttg-2022.yaml"
    text = path.read_text(encoding="utf-8")
    dated = '      fact: "77"\n      date: "2022-08-10"\n'
    assert dated in text
    path.write_text(text.replace(dated, '      fact: "77"\n      date: "2024-08-06"\n', 1), "utf-8")
    # When the organiser checks the content
    result = runner.invoke(contest_app, ["content", "check", "--root", str(tmp_path)])
    # Then the check fails on the anachronism
    assert result.exit_code == 1
    assert "anachronism" in result.output and "2024-08-06" in result.output


def test_content_check_passes_on_the_shipped_content():
    result = runner.invoke(contest_app, ["content", "check", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "cảnh báo (" in line]
    assert all("(undated)" in line for line in warnings), warnings


@pytest.mark.shipped_content
def test_the_answer_key_export_carries_each_quote(tmp_path):
    target = tmp_path / "bank.xlsx"
    assert runner.invoke(questions_app, ["export", str(target), "--content", str(CONTENT)]).exit_code == 0
    sheet = load_workbook(target, read_only=True)[QUESTIONS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    quote, kind = header.index("Câu trích (khiếu nại)"), header.index("Nguồn câu trích")
    by_id = {row[0]: row for row in rows[1:] if row[0]}
    assert "ngày 10 tháng 10 hằng năm là Ngày Chuyển đổi số quốc gia" in by_id["qd505-001"][quote]
    assert by_id["qd505-001"][kind] == "fact-sheet"
    assert by_id["nq05-006"][kind] == "document"


def test_committee_shows_a_question_with_its_key_and_quote():
    result = runner.invoke(contest_app, ["committee", "question", "qd505-001", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "Ngày 10 tháng 10  ← đáp án đúng" in result.output
    assert "bảng dữ kiện đã kiểm chứng" in result.output
    assert "Ngày Chuyển đổi số quốc gia" in result.output
    unknown = runner.invoke(contest_app, ["committee", "question", "khong-co", "--root", str(ROOT)])
    assert unknown.exit_code == 1


def test_a_question_imported_without_its_quote_is_refused(tmp_path):
    # Given the shipped bank exported, with the quote of row 5 erased (a new question typed without one)
    content = shipped_copy(tmp_path)
    workbook = tmp_path / "bank.xlsx"
    assert runner.invoke(questions_app, ["export", str(workbook), "--content", str(content)]).exit_code == 0
    wb = load_workbook(workbook)
    sheet = wb[QUESTIONS_SHEET]
    header = [c.value for c in sheet[1]]
    for column in ("Câu trích (khiếu nại)", "Nguồn câu trích"):
        sheet.cell(row=5, column=header.index(column) + 1).value = None
    wb.save(workbook)
    before = {p.name: p.read_bytes() for p in (content / "questions").iterdir()}

    # When it is imported
    result = runner.invoke(questions_app, ["import", str(workbook), "--content", str(content)])

    # Then the row is refused at the quote's column and nothing is written
    assert result.exit_code == 1
    assert f"{workbook}:5: cột N (Câu trích (khiếu nại)): thiếu câu trích" in result.stderr
    assert {p.name: p.read_bytes() for p in (content / "questions").iterdir()} == before
