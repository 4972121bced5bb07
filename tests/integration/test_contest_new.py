"""`contest new <dir>`: a fresh content folder that an organiser fills in — contest.yaml with every key
commented, units, an example document and the empty question workbook — and that `contest content check` accepts
once a minimal bank is filled in through Excel (`questions export` works on the empty bank)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from contest.cli import app
from contest.content.loader import CONTEST_SCHEMA, _all_paths, parse_contest, read_yaml
from contest.organisers.question_workbook import GUIDE_SHEET, QUESTIONS_SHEET, columns

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    result = invoke("new", tmp_path / "content", "--name", "Cuộc thi tìm hiểu pháp luật", "--start", "2025-03-03",
                    "--weeks", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    return tmp_path / "content"


def fill_minimal_bank(workbook: Path, count: int, document: str, letters: str = "ABCD") -> None:
    """What an organiser does in Excel: one question a row on the questions sheet, every required column."""
    book = load_workbook(workbook)
    sheet = book[QUESTIONS_SHEET]
    column = {c.field: i for i, c in enumerate(columns(tuple(letters)), 1)}
    subjects = ["hòa giải", "công chứng", "hộ tịch", "lý lịch", "trợ giúp", "thừa phát", "giám định", "luật sư"]
    for n in range(count):
        row = n + 2
        first = 100 + len(letters) * n
        values = {
            "id": f"pl-{n + 1:03d}",
            "text": f"Theo văn bản mẫu, mục {n + 1} về {subjects[n % len(subjects)]} quy định con số nào ({n})?",
            **{f"options.{k}": f"Số {first + i}" for i, k in enumerate(letters)},
            "correct": letters[n % len(letters)],
            "difficulty": "Dễ",
            "weeks": "1",
            "source.document": document,
            "source.fact": str(n + 1),
            "source.quote": f"Mục {n + 1}: con số là {first + n % len(letters)}.",
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

    alternatives = {"registration.consent_text"}  # the older single consent box, exclusive with consent_purposes
    missing = [p for p in _all_paths(CONTEST_SCHEMA) if not present(p) and p not in alternatives]
    assert not missing, f"contest new (contest.organisers.scaffold.contest_template) lacks {missing}"
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


def test_a_three_option_contest_goes_through_the_workbook_and_the_quiz_draw(tmp_path: Path, scaffolded: Path) -> None:
    import random

    from contest.content.loader import load_content
    from contest.rules.draw import displayed_questions, draw
    from contest.rules.model import Attempt
    from contest.rules.scoring import check_answers, score

    # Given a scaffold set to 3 options per question, 2 points each
    path = scaffolded / "contest.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  options_per_question: 4 ", "  options_per_question: 3 ")
    path.write_text(text.replace("  points_per_question: 1 ", "  points_per_question: 2 "), encoding="utf-8")
    # When the exported workbook (3 option columns) is filled and imported
    exported = tmp_path / "bank.xlsx"
    assert invoke("questions", "export", exported, "--content", scaffolded).exit_code == 0
    header = [c.value for c in next(load_workbook(exported)[QUESTIONS_SHEET].iter_rows(max_row=1))]
    assert "Phương án C" in header and "Phương án D" not in header
    fill_minimal_bank(exported, 30, "van-ban-1", "ABC")
    imported = invoke("questions", "import", exported, "--content", scaffolded)
    assert imported.exit_code == 0, imported.output
    assert invoke("content", "check", "--root", tmp_path).exit_code == 0

    # Then a drawn attempt shows 3 options A-C, refuses D, and a right answer is worth 2 points
    content = load_content(scaffolded)
    ids, orders = draw(content.bank.pool(1), 15, random.Random(1))
    shown = displayed_questions(ids, orders, content.bank.by_id())
    assert all([o["id"] for o in q["options"]] == ["A", "B", "C"] for q in shown)
    attempt = Attempt.__new__(Attempt)
    object.__setattr__(attempt, "question_ids", ids)
    object.__setattr__(attempt, "orders", orders)
    by_id = content.bank.by_id()
    right = {qid: "ABC"[order.index(by_id[qid].correct)] for qid, order in zip(ids, orders, strict=True)}
    check_answers(attempt, right)
    assert score(attempt, right, by_id, content.contest.quiz.points_per_question) == 30
    import pytest as _pytest

    from contest.rules.errors import InvalidAnswer

    with _pytest.raises(InvalidAnswer):
        check_answers(attempt, {ids[0]: "D"})


def test_the_site_builds_from_the_scaffold_and_names_only_the_new_contest(tmp_path: Path, scaffolded: Path) -> None:
    import shutil

    from contest.organisers import sitebuild

    # Given the scaffold with its minimal bank, in a checkout of its own
    workbook = scaffolded / "cau-hoi.xlsx"
    fill_minimal_bank(workbook, 30, "van-ban-1")
    assert invoke("questions", "import", workbook, "--content", scaffolded).exit_code == 0
    root = tmp_path / "checkout"
    shutil.copytree(scaffolded, root / "content")
    shutil.copytree(Path(sitebuild.__file__).resolve().parents[3] / "site", root / "site")
    # When the site is built (make site)
    sitebuild.build(root, root / "build" / "site")
    # Then its pages carry the new contest's name and none of the shipped contest's province or plan
    pages = {p: p.read_text(encoding="utf-8") for p in (root / "build" / "site").rglob("*.html")}
    home = pages[root / "build" / "site" / "index.html"]
    assert "<title>" in home and "Cuộc thi tìm hiểu pháp luật" in home
    for path, text in pages.items():
        for foreign in ("Hà Tĩnh", "59/KH-STTTT", "Chuyển đổi số"):
            assert foreign not in text, (path, foreign)
