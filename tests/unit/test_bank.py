"""The question bank loader, validator, lint and writer (contest.content.bank), and the shipped bank itself."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from contest.content.bank import (
    bank_stats,
    canonical_order,
    dump_questions,
    find_near_duplicates,
    load_bank,
    load_bank_detailed,
    write_bank,
)
from contest.content.files import ContentError, ContentIssue
from contest.rules.model import Bank, Question, Source
from tests.support import CONTENT as TEST_CONTENT

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "banks"
FIXTURE_DOCUMENTS = FIXTURES / "documents"
FIXTURE_WEEKS = [1, 2]
FIXTURE_PER_ATTEMPT = 2
CONTENT = TEST_CONTENT
# The fact sheet sits next to the checkout (/work/shared next to /work/main, or two levels up from a worktree).
FACT_SHEET = next(
    (
        base / "shared" / "reference" / "study-materials-facts.md"
        for base in (ROOT.parent, ROOT.parent.parent)
        if (base / "shared" / "reference" / "study-materials-facts.md").exists()
    ),
    ROOT.parent / "shared" / "reference" / "study-materials-facts.md",
)
MARKER = re.compile(r"#\s*expect:\s*(.+?)\s*$")

BROKEN = sorted(
    p.name for p in FIXTURES.iterdir() if (p / "questions").is_dir() and p.name not in ("valid", "near-duplicate")
)


def expected_issues(bank_dir: Path) -> tuple[set[tuple[str, int]], list[tuple[str, int, str]], list[str]]:
    """(file name, line) of every `# expect:` marker, the markers themselves, and bank-level fragments."""
    markers = []
    for path in sorted((bank_dir / "questions").glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = MARKER.search(line)
            if found:
                markers.append((path.name, number, found.group(1)))
    bank_level = bank_dir / "expected-bank.txt"
    fragments = bank_level.read_text(encoding="utf-8").splitlines() if bank_level.exists() else []
    return {(f, n) for f, n, _ in markers}, markers, [f for f in fragments if f.strip()]


def load_fixture(name: str) -> Bank:
    return load_bank(FIXTURES / name / "questions", FIXTURE_DOCUMENTS, FIXTURE_WEEKS, FIXTURE_PER_ATTEMPT)


def question(qid: str, text: str, options: list[str], correct: str = "A", weeks=(1,)) -> Question:
    return Question(
        id=qid,
        text=text,
        options=dict(zip("ABCD", options, strict=True)),
        correct=correct,
        difficulty="easy",
        weeks=tuple(weeks),
        source=Source("doc-a", None, None),
    )


# --- loading ------------------------------------------------------------------------------------


def test_valid_fixture_loads_every_field():
    # Given the valid fixture bank, When it is loaded
    bank = load_fixture("valid")

    # Then every question is there, in file order, with its fields read as written
    expected = [f"a-00{i}" for i in range(1, 7)] + [f"b-00{i}" for i in range(1, 5)]
    assert [q.id for q in bank.questions] == expected
    first = bank.by_id()["a-001"]
    assert first.options == {
        "A": "Ngày 10 tháng 10",
        "B": "Ngày 1 tháng 10",
        "C": "Ngày 10 tháng 1",
        "D": "Ngày 22 tháng 4",
    }
    assert first.correct == "A"
    assert first.difficulty == "easy"
    assert first.weeks == (1,)
    assert first.source == Source("doc-a", "Điều 1", "1")
    assert bank.by_id()["a-004"].source.fact == "15b"
    assert bank.by_id()["a-005"].source == Source("doc-a", "Điều 5", None)
    assert bank.by_id()["a-003"].weeks == (1, 2)


def test_text_is_nfc_normalised_and_stripped():
    # Given a question written decomposed (NFD) with stray spaces and a tab
    bank = load_fixture("valid")
    q = bank.by_id()["a-006"]

    # Then the loaded text is NFC, stripped, inner whitespace collapsed
    assert q.text == "Câu hỏi viết ở dạng NFD, có khoảng trắng thừa?"
    assert unicodedata.is_normalized("NFC", q.text)
    assert q.options["A"] == "Phương án một"
    assert unicodedata.is_normalized("NFC", q.options["A"])


@pytest.mark.parametrize("name", BROKEN)
def test_broken_bank_reports_each_problem_at_its_line(name):
    # Given a bank broken on purpose, with `# expect:` markers on the lines at fault
    bank_dir = FIXTURES / name
    lines, markers, bank_level = expected_issues(bank_dir)
    assert markers or bank_level, f"fixture {name} has no expectations"

    # When it is loaded
    with pytest.raises(ContentError) as caught:
        load_fixture(name)
    issues = caught.value.issues

    # Then every marked line is reported with its message, and nothing else is
    located = [i for i in issues if i.line > 0]
    assert {(Path(i.file).name, i.line) for i in located} == lines
    for file_name, line, fragment in markers:
        messages = [i.message for i in located if Path(i.file).name == file_name and i.line == line]
        assert any(fragment in m for m in messages), (file_name, line, fragment, messages)
    whole = [i.message for i in issues if i.line == 0]
    assert len(whole) == len(bank_level)
    for fragment in bank_level:
        assert any(fragment in m for m in whole), (fragment, whole)


def test_issue_text_is_file_line_message():
    # Given a located issue and a bank-level one, Then their text is what an editor jumps to
    assert str(ContentIssue("content/questions/a.yaml", 12, "thiếu trường 'text'")) == (
        "content/questions/a.yaml:12: thiếu trường 'text'"
    )
    assert str(ContentIssue("content/questions", 0, "tuần 2 chỉ có 3 câu hỏi")) == (
        "content/questions: tuần 2 chỉ có 3 câu hỏi"
    )


def test_all_problems_of_all_files_are_collected_at_once(tmp_path):
    # Given two files, each with a different problem
    questions = tmp_path / "questions"
    questions.mkdir()
    for name, fixture in (("one.yaml", "correct"), ("two.yaml", "source")):
        (questions / name).write_text((FIXTURES / fixture / "questions" / "doc-a.yaml").read_text("utf-8"))

    # When the bank is loaded
    with pytest.raises(ContentError) as caught:
        load_bank(questions, FIXTURE_DOCUMENTS, FIXTURE_WEEKS, FIXTURE_PER_ATTEMPT)

    # Then the problems of both files are reported together, sorted by file and line
    issues = caught.value.issues
    files = [Path(i.file).name for i in issues]
    assert files.count("one.yaml") == 3
    assert files.count("two.yaml") == 5 + 3  # its own five, and three ids already used in one.yaml
    assert sum("bị trùng" in i.message for i in issues) == 3
    assert files == sorted(files)


def test_missing_questions_folder_is_reported(tmp_path):
    with pytest.raises(ContentError) as caught:
        load_bank(tmp_path / "nowhere", FIXTURE_DOCUMENTS, FIXTURE_WEEKS, FIXTURE_PER_ATTEMPT)
    assert "không tìm thấy thư mục câu hỏi" in str(caught.value)


def test_locations_point_at_each_question():
    loaded = load_bank_detailed(FIXTURES / "valid" / "questions", FIXTURE_DOCUMENTS, FIXTURE_WEEKS, FIXTURE_PER_ATTEMPT)
    assert Path(loaded.locations["a-001"].file).name == "doc-a.yaml"
    assert loaded.locations["a-001"].line == 2
    assert loaded.locations["b-002"].line == 15


# --- near duplicates ----------------------------------------------------------------------------


def test_near_duplicate_fixture_is_found():
    bank = load_fixture("near-duplicate")
    pairs = find_near_duplicates(bank)
    assert [(p.first, p.second) for p in pairs] == [("a-001", "a-007")]


def test_reordered_question_with_the_same_options_is_a_near_duplicate():
    options = ["Bộ Thông tin và Truyền thông", "Bộ Công an", "Bộ Tài chính", "Bộ Nội vụ"]
    bank = Bank(
        (
            question("q1", "Cơ quan nào chủ trì xây dựng kế hoạch theo Quyết định số 505/QĐ-TTg?", options),
            question(
                "q2",
                "Theo Quyết định số 505/QĐ-TTg, cơ quan nào chủ trì xây dựng kế hoạch?",
                [options[2], options[0], options[3], options[1]],
                correct="B",
            ),
        )
    )
    assert [(p.first, p.second, p.same_options) for p in find_near_duplicates(bank)] == [("q1", "q2", True)]


def test_identical_texts_are_near_duplicates_whatever_the_options():
    bank = Bank(
        (
            question("q1", "Năm nào là năm Dữ liệu số?", ["2023", "2022", "2021", "2020"]),
            question("q2", "  năm nào là năm dữ liệu số ", ["Năm 2023", "Năm 2019", "Năm 2018", "Năm 2017"]),
        )
    )
    assert [(p.first, p.second, p.similarity) for p in find_near_duplicates(bank)] == [("q1", "q2", 1.0)]


def test_questions_differing_in_the_figure_asked_are_not_near_duplicates():
    # Given the same question asked about 2025 and about 2030, with different answers and options
    bank = Bank(
        (
            question(
                "q2025",
                "Theo Nghị quyết số 52-NQ/TW, đến năm 2025 kinh tế số chiếm bao nhiêu phần trăm GDP?",
                ["Khoảng 20%", "Khoảng 10%", "Khoảng 40%", "Khoảng 50%"],
            ),
            question(
                "q2030",
                "Theo Nghị quyết số 52-NQ/TW, đến năm 2030 kinh tế số chiếm bao nhiêu phần trăm GDP?",
                ["Trên 30%", "Khoảng 15%", "Khoảng 20%", "Trên 50%"],
            ),
        )
    )
    assert find_near_duplicates(bank) == []


def test_unrelated_questions_sharing_an_answer_are_not_near_duplicates():
    bank = Bank(
        (
            question("q1", "Ai ký Quyết định số 942/QĐ-TTg?", ["Phó Thủ tướng Vũ Đức Đam", "B", "C", "D"]),
            question(
                "q2",
                "Quyết định số 964/QĐ-TTg phê duyệt Chiến lược An toàn, An ninh mạng quốc gia do ai ký?",
                ["Phó Thủ tướng Vũ Đức Đam", "E", "F", "G"],
            ),
        )
    )
    assert find_near_duplicates(bank) == []


# --- writing ------------------------------------------------------------------------------------


def test_written_bank_reads_back_identical_one_file_per_document(tmp_path):
    # Given the valid bank, When it is written to a folder holding a stale file
    bank = load_fixture("valid")
    target = tmp_path / "questions"
    target.mkdir()
    (target / "old.yaml").write_text("questions: []\n", encoding="utf-8")
    written = write_bank(bank, target)

    # Then there is one file per source document, the stale file is gone, and it reads back the same
    assert sorted(p.name for p in written) == ["doc-a.yaml", "doc-b.yaml"]
    assert sorted(p.name for p in target.iterdir()) == ["doc-a.yaml", "doc-b.yaml"]
    again = load_bank(target, FIXTURE_DOCUMENTS, FIXTURE_WEEKS, FIXTURE_PER_ATTEMPT)
    assert again == canonical_order(bank)
    assert not list(target.glob(".*.tmp"))


def test_dump_escapes_quotes_and_backslashes():
    tricky = question("q1", 'Câu có "ngoặc kép", dấu \\ và ký tự #?', ["A: một", "- hai", "'ba'", "[bốn]"])
    data = yaml.safe_load(dump_questions([tricky]))
    assert data["questions"][0]["text"] == tricky.text
    assert list(data["questions"][0]["options"].values()) == list(tricky.options.values())


def test_stats_count_documents_weeks_and_difficulties():
    bank = load_fixture("valid")
    figures = bank_stats(bank, FIXTURE_WEEKS, ["doc-a", "doc-b", "doc-c"])
    assert figures.total == 10
    assert figures.by_document == {"doc-a": 6, "doc-b": 4, "doc-c": 0}
    assert figures.by_week == {1: 6, 2: 6}
    assert figures.by_difficulty == {"easy": 4, "medium": 4, "hard": 2}
    assert figures.by_document_week["doc-a"] == {1: 4, 2: 3}


# --- the shipped bank ---------------------------------------------------------------------------


def shipped_settings() -> tuple[list[int], int]:
    data = yaml.safe_load((CONTENT / "contest.yaml").read_text(encoding="utf-8"))
    return [w["number"] for w in data["weeks"]], int(data["quiz"]["questions_per_attempt"])


@pytest.fixture(scope="module")
def shipped() -> Bank:
    weeks, per_attempt = shipped_settings()
    return load_bank(CONTENT / "questions", CONTENT / "documents", weeks, per_attempt)


def test_shipped_bank_passes_the_check(shipped):
    assert find_near_duplicates(shipped) == []


@pytest.mark.shipped_content
def test_shipped_bank_holds_at_least_160_questions(shipped):
    assert len(shipped.questions) >= 160


@pytest.mark.shipped_content
def test_shipped_week_pools_hold_at_least_40_questions(shipped):
    weeks, per_attempt = shipped_settings()
    for week in weeks:
        assert len(shipped.pool(week)) >= max(40, 2 * per_attempt), week
    assert all(1 <= len(q.weeks) <= 2 for q in shipped.questions)


def test_shipped_difficulties_are_mixed(shipped):
    counts = {d: sum(q.difficulty == d for q in shipped.questions) for d in ("easy", "medium", "hard")}
    assert all(c >= 0.15 * len(shipped.questions) for c in counts.values()), counts


def test_every_shipped_question_cites_an_existing_document_and_a_fact(shipped):
    for q in shipped.questions:
        assert (CONTENT / "documents" / f"{q.source.document}.md").is_file(), q.id
        assert q.source.fact, q.id


def test_shipped_files_are_named_after_their_document_and_canonical():
    # Each file holds the questions of one document, in the layout `import` writes.
    weeks, per_attempt = shipped_settings()
    loaded = load_bank_detailed(CONTENT / "questions", CONTENT / "documents", weeks, per_attempt)
    for path in sorted((CONTENT / "questions").glob("*.yaml")):
        mine = [q for q in loaded.bank.questions if Path(loaded.locations[q.id].file).name == path.name]
        assert mine, path
        assert {q.source.document for q in mine} == {path.stem}
        assert path.read_text(encoding="utf-8") == dump_questions(mine)


def test_correct_options_are_not_all_in_one_position(shipped):
    positions = {k: sum(q.correct == k for q in shipped.questions) for k in "ABCD"}
    assert min(positions.values()) >= len(shipped.questions) // 8, positions


PLAN_DOCUMENTS = [
    "luat-giao-dich-dien-tu",
    "nq-52-nq-tw-2019",
    "qd-749-qd-ttg-2020",
    "qd-942-qd-ttg-2021",
    "qd-411-qd-ttg-2022",
    "qd-505-qd-ttg-2022",
    "qd-964-qd-ttg-2022",
    "qd-2323-qd-btttt-2019",
    "qd-27-qd-ubqgcds-2022",
    "qd-1080-qd-btttt-2023",
    "cv-5406-btttt-cdsqg-2022",
    "cong-thong-tin-cds-quoc-gia",
    "nq-05-nq-tu-2021",
    "qd-424-qd-ubnd-2022",
    "qd-3282-qd-ubnd-2021",
    "kh-525-kh-ubnd-2022",
]


@pytest.mark.shipped_content
def test_one_study_page_per_plan_document_in_plan_order():
    for order, doc in enumerate(PLAN_DOCUMENTS, 1):
        text = (CONTENT / "documents" / f"{doc}.md").read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), doc
        match = re.match(r"\A---\s*\n(.*?\n)---\s*\n", text, re.DOTALL)
        assert match, doc
        meta = yaml.safe_load(match.group(1))
        assert meta["id"] == doc
        assert meta["order"] == order
        assert meta["title"]
        assert "## Nguồn tham khảo" in text or "Chưa có tài liệu ôn tập" in text, doc


# --- answer keys come from verified facts only ----------------------------------------------------

# Facts read and deliberately left out (see the report): disputed, partly verified, drafts, low
# reliability, about another document, or dated after the contest (October–November 2023).
NOT_FOR_QUESTIONS = {
    "11": "Vietnamese wording of the 2022 theme not seen verbatim",
    "51": "priority sectors only partly matched",
    "75": "definition quoted from a draft",
    "90": "chapter/article count of the 2005 law from one blog mixing the two laws",
    "101": "chapter/article count of the 2023 law disputed",
    "126": "from the second draft of the framework",
    "137": "Decision 17/QĐ-UBQGCĐS (2023), not Decision 27",
    "160": "results after more than two years, after the contest",
    "161": "mirror copy, low reliability, unknown document number",
    "164": "inferred from a general source",
    "165": "figure from 2025",
    "167": "2023 results published in 2024",
    "171": "infrastructure figures of unclear date",
    "85": "targets of the ministry's action plan, not of Decision 964 (which states its own)",
    "86": "Vietnam Cybersecurity Day was created in 2024, after the contest, and is not in Decision 964",
    "100": "the 94.74 % is of all deputies, not 468/477: the fact as written contradicts itself",
}


def parse_fact_sheet(text: str) -> dict[str, str]:
    """Fact number -> its status: 'V-cao', 'V', or something else (unverified, disputed, caveated)."""
    facts: dict[str, str] = {}
    caveats = ("một phần", "cần đối chiếu", "độ tin cậy thấp", "dự thảo", "suy từ")
    for line in text.splitlines():
        found = re.match(r"^(\d+[a-z]?)\.\s+(.*)$", line)
        if not found:
            continue
        tag = re.search(r"\[([^\]]*)\]", found.group(2))
        status = "none"
        if tag:
            body = tag.group(1).strip()
            head = re.match(r"^(V-cao|V)(?=$|\s)", body)
            if head and not any(c in body for c in caveats):
                status = head.group(1)
            else:
                status = body
        facts[found.group(1)] = status
    return facts


@pytest.fixture(scope="module")
def fact_sheet() -> dict[str, str]:
    if not FACT_SHEET.exists():
        pytest.skip(f"fact sheet not found at {FACT_SHEET}")
    return parse_fact_sheet(FACT_SHEET.read_text(encoding="utf-8"))


def test_fact_sheet_parser_reads_statuses():
    sample = "\n".join(
        [
            "1. Một dữ kiện. [V-cao] — https://a",
            "2. Một dữ kiện. [V] — https://b",
            "15b. Dữ kiện phụ. [V] — https://c",
            "29. Chưa kiểm chứng. [unverified — không tìm thấy]",
            "51. Một phần. [V một phần — chưa thấy nguyên văn] — https://d",
            "101. Mâu thuẫn. [mâu thuẫn] — https://e",
            "126. Dự thảo. [V — theo bản dự thảo lần 2] — https://f",
            "| 1 | bảng | 16 |",
        ]
    )
    assert parse_fact_sheet(sample) == {
        "1": "V-cao",
        "2": "V",
        "15b": "V",
        "29": "unverified — không tìm thấy",
        "51": "V một phần — chưa thấy nguyên văn",
        "101": "mâu thuẫn",
        "126": "V — theo bản dự thảo lần 2",
    }


@pytest.mark.shipped_content
def test_every_shipped_question_comes_from_a_verified_fact(shipped, fact_sheet):
    for q in shipped.questions:
        status = fact_sheet.get(q.source.fact or "")
        assert status in ("V", "V-cao"), (q.id, q.source.fact, status)
        assert q.source.fact not in NOT_FOR_QUESTIONS, (q.id, NOT_FOR_QUESTIONS.get(q.source.fact or ""))


def fact_statements(text: str) -> dict[str, str]:
    """Fact number -> its statement (the text before its status tag)."""
    found = {}
    for line in text.splitlines():
        item = re.match(r"^(\d+[a-z]?)\.\s+(.*)$", line)
        if item:
            tag = re.search(r"\s*\[(V-cao|V|unverified|mâu thuẫn|không có)[^\]]*\]", item.group(2))
            found[item.group(1)] = (item.group(2)[: tag.start()] if tag else item.group(2)).strip()
    return found


def test_every_shipped_question_quotes_its_fact_for_appeals(shipped):
    # The committee answers an appeal with the quote: a fact-sheet quote is that fact's verified statement.
    statements = fact_statements(FACT_SHEET.read_text(encoding="utf-8")) if FACT_SHEET.exists() else {}
    for q in shipped.questions:
        assert q.source.quote and q.source.quote_source in ("document", "fact-sheet"), q.id
        if q.source.quote_source == "fact-sheet" and statements:
            assert q.source.quote == statements[q.source.fact or ""], q.id


def test_no_shipped_question_rests_on_a_fact_dated_after_the_contest(shipped):
    data = yaml.safe_load((CONTENT / "contest.yaml").read_text(encoding="utf-8"))
    last = max(str(w["closes_at"])[:10] for w in data["weeks"])
    for q in shipped.questions:
        assert q.source.date is None or q.source.date <= last, (q.id, q.source.date)


@pytest.mark.shipped_content
def test_no_question_asks_the_disputed_structure_of_the_2023_law(shipped):
    for q in shipped.questions:
        if q.source.document == "luat-giao-dich-dien-tu":
            assert not re.search(r"bao nhiêu chương|mấy chương", q.text), q.id


@pytest.mark.shipped_content
def test_no_question_asks_the_symbol_of_the_5406_letter(shipped):
    # The plan writes 5406/BTTTT-THH; the real symbol is 5406/BTTTT-CĐSQG. Never ask which is right.
    for q in shipped.questions:
        assert not any("BTTTT-THH" in o and "5406" in o for o in q.options.values()), q.id


@pytest.mark.shipped_content
def test_replacing_a_fact_with_an_unverified_one_is_caught(shipped, fact_sheet):
    # Given a question pointed at an unverified fact (29), Then the verified-fact rule rejects it
    q = replace(shipped.questions[0], source=replace(shipped.questions[0].source, fact="29"))
    assert fact_sheet[q.source.fact or ""] not in ("V", "V-cao")


# --- fairness: one question must not answer another, no two options true at once -------------------

ANSWER_KEY = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d+/\d{4}/QH\d+")


def test_a_date_or_law_number_asked_is_not_given_away_in_the_same_week(shipped):
    # A question asking a date or a law's number must not have that date or number written, next to
    # the document, in another question of the same week pool (bare dates as distractors are fine).
    leaks = []
    for asked in shipped.questions:
        for key in ANSWER_KEY.findall(asked.options[asked.correct]):
            for other in shipped.questions:
                if other is asked or not set(asked.weeks) & set(other.weeks):
                    continue
                if key in other.text:
                    leaks.append((asked.id, key, other.id, "text"))
                for option in other.options.values():
                    if key in option and option not in (key, f"Ngày {key}"):
                        leaks.append((asked.id, key, other.id, option))
    assert leaks == []


LOWER_BOUND = re.compile(r"^(Trên|Hơn|Tối thiểu|Ít nhất) (\d+(?:,\d+)?)")


def test_no_distractor_is_implied_by_a_lower_bound_answer(shipped):
    # "Trên 10%" being right must not make "Trên 5%" right as well.
    for q in shipped.questions:
        right = LOWER_BOUND.match(q.options[q.correct])
        if not right:
            continue
        bound = float(right.group(2).replace(",", "."))
        for key, option in q.options.items():
            other = LOWER_BOUND.match(option)
            if key != q.correct and other and other.group(1) == right.group(1):
                assert float(other.group(2).replace(",", ".")) > bound, (q.id, option)
