"""`contest questions lint` rules (contest.organisers.question_lint) on crafted banks, and the shipped bank."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from contest.content.bank import document_front_matter, load_bank
from contest.content.loader import ContentError, load_content, parse_contest, read_yaml
from contest.organisers.question_lint import ERROR, WARNING, key_longest, lint_bank
from contest.rules.model import Bank, Question, QuestionsLint, Source
from tests.support import CONTENT as TEST_CONTENT

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "banks"
LINT = FIXTURES / "lint"
CONTENT = TEST_CONTENT
LAST_CLOSE = date(2023, 11, 12)
RULE_FIXTURES = sorted(p.name for p in LINT.iterdir() if (p / "questions").is_dir())


def lint_fixture(name: str, cfg: QuestionsLint | None = None):
    bank = load_bank(LINT / name / "questions", FIXTURES / "documents", [1, 2], 2)
    return lint_bank(
        bank,
        cfg or QuestionsLint(),
        weeks=[1, 2],
        last_close=LAST_CLOSE,
        documents=document_front_matter(FIXTURES / "documents"),
    )


def expected(name: str) -> Counter[tuple[str, str | None]]:
    lines = (LINT / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    pairs = [tuple(line.split()) for line in lines if line.strip()]
    return Counter((rule, None if qid == "-" else qid) for rule, qid in pairs)


def q(qid: str, text: str, options: list[str], correct: str = "A", weeks=(1,)) -> Question:
    return Question(
        qid,
        text,
        dict(zip("ABCD", options, strict=True)),
        correct,
        "easy",
        tuple(weeks),
        Source("doc-a", None, "1", "2023-01", "Câu trích.", "fact-sheet"),
    )


@pytest.mark.parametrize("name", RULE_FIXTURES)
def test_each_crafted_bank_is_reported_by_its_rule_and_nothing_else(name):
    # Given a bank with one defect (or none, for `clean`), When it is linted
    report = lint_fixture(name)

    # Then exactly the expected findings come out, each with the rule named after the folder
    found = Counter((f.rule, f.question) for f in report.findings)
    assert found == expected(name), [f.message for f in report.findings]
    if name != "clean":
        assert {rule for rule, _ in found} == {name}


def test_clean_fixture_has_a_chance_rate_and_no_key_longest():
    report = lint_fixture("clean")
    assert report.overall.questions == 6
    assert report.overall.key_longest == 0
    assert report.overall.chance == pytest.approx(0.25)


def test_rate_threshold_is_the_configured_factor_of_chance():
    # Given the key-longest bank (20 hits of 26, chance 25 %), When the factor allows 3.2 × chance
    report = lint_fixture("key-longest-rate", QuestionsLint(key_longest_factor=3.2))
    # Then 77 % ≤ 80 % passes
    assert report.overall.rate == pytest.approx(20 / 26)
    assert report.count("key-longest-rate") == 0


def test_rate_is_not_judged_on_a_small_sample():
    # Given the same bank, When at least 30 questions with a strictly longest option are needed
    report = lint_fixture("key-longest-rate", QuestionsLint(rate_min_questions=30))
    # Then its 26 are too few to judge
    assert report.count("key-longest-rate") == 0


def test_chance_ignores_questions_whose_longest_option_is_tied():
    tied = q("t", "Theo A, năm nào?", ["2020", "2021", "2022", "2023"])
    unique = q("u", "Theo A, ai?", ["Bộ A", "Bộ BB", "Bộ CCC", "Bộ DDDD"], correct="D")
    figures = key_longest([tied, unique])
    assert (figures.questions, figures.key_longest) == (2, 1)
    assert figures.chance == pytest.approx(0.125)


def test_cues_only_count_inside_one_week_pool():
    # Given a stem stating another question's key, but the two are never drawn in the same week
    giver = q("g", "Theo A, ai ký văn bản?", ["Chủ tịch Nguyễn Văn An", "X1", "X2", "X3"], weeks=(1,))
    taker = q("t", "Theo A, Chủ tịch Nguyễn Văn An giao việc cho ai?", ["Sở A", "Sở B", "Sở C", "Sở D"], weeks=(2,))
    report = lint_bank(Bank((giver, taker)), QuestionsLint(), weeks=[1, 2])
    assert report.count("stem-gives-key") == 0
    # When they share a week, Then it is an error
    shared = replace(taker, weeks=(1, 2))
    report = lint_bank(Bank((giver, shared)), QuestionsLint(), weeks=[1, 2])
    assert [(f.rule, f.question, f.severity) for f in report.findings if f.rule == "stem-gives-key"] == [
        ("stem-gives-key", "t", ERROR)
    ]


def test_short_keys_are_not_looked_for_in_other_questions():
    giver = q("g", "Theo A, năm nào?", ["2025", "2030", "2020", "2045"])
    taker = q("t", "Theo A, mục tiêu đến năm 2025 là gì?", ["Một", "Hai", "Ba", "Bốn"])
    assert lint_bank(Bank((giver, taker)), QuestionsLint(), weeks=[1]).count("stem-gives-key") == 0


def test_missing_quote_is_a_warning_when_not_required():
    report = lint_fixture("quote", QuestionsLint(require_quote=False))
    assert [(f.rule, f.severity) for f in report.findings] == [("quote", WARNING)]


def test_a_source_without_a_date_is_a_warning_naming_the_question():
    # Given one dated and one undated question (the anachronism rule cannot judge the second)
    dated = q("d", "Theo A, ai ký?", ["Một", "Hai", "Ba", "Bốn"])
    undated = replace(
        q("u", "Theo A, ai chủ trì?", ["Năm", "Sáu", "Bảy", "Tám"]), source=replace(dated.source, date=None)
    )
    # When the bank is linted
    report = lint_bank(Bank((dated, undated)), QuestionsLint(), weeks=[1], last_close=LAST_CLOSE)
    # Then only the undated one is reported, as a warning (the bank stays usable, the gap stays visible)
    assert [(f.rule, f.severity, f.question) for f in report.findings] == [("undated", WARNING, "u")]
    assert "source.date" in report.findings[0].message


def test_attribution_can_be_switched_off():
    assert lint_fixture("attribution", QuestionsLint(require_attribution=False)).findings == ()


# --- contest.yaml `questions_lint:` --------------------------------------------------------------


def contest_data() -> dict:
    return read_yaml(CONTENT / "contest.yaml")


def test_questions_lint_section_is_read():
    data = contest_data()
    data["questions_lint"] = {"key_longest_factor": 1.5, "distractor_prefixes": ["Chỉ", "Duy nhất"], "cue_min_chars": 8}
    cfg = parse_contest(data).questions_lint
    assert cfg.key_longest_factor == 1.5
    assert cfg.distractor_prefixes == ("Chỉ", "Duy nhất")
    assert cfg.cue_min_chars == 8
    assert cfg.key_length_ratio == QuestionsLint().key_length_ratio


@pytest.mark.parametrize(
    "section",
    [
        {"key_longest_factr": 1.25},
        {"key_longest_factor": "1.25"},
        {"key_longest_factor": 0.5},
        {"near_duplicate_stem": 101},
        {"cue_min_chars": 2.5},
        {"require_quote": "yes"},
        {"distractor_prefixes": "Chỉ"},
        {"prefix_min_distractors": True},
    ],
)
def test_questions_lint_section_is_strict(section):
    data = contest_data()
    data["questions_lint"] = section
    with pytest.raises(ContentError) as caught:
        parse_contest(data)
    assert any("questions_lint" in i.message for i in caught.value.issues), caught.value.issues


# --- the shipped bank -----------------------------------------------------------------------------


def test_shipped_bank_is_lint_clean():
    content = load_content(CONTENT)
    last = max(w.closes_at for w in content.contest.weeks).date()
    report = lint_bank(
        content.bank,
        content.contest.questions_lint,
        weeks=[w.number for w in content.contest.weeks],
        last_close=last,
        documents=document_front_matter(CONTENT / "documents"),
    )
    # Then nothing at all is found, warnings included: every source is dated (a question on a fact whose date no
    # source gives cannot be shown to predate the contest's close, so it is not in the bank), every pool holds
    # at least pool_factor x questions_per_attempt questions
    assert [f"{f.rule} {f.question}: {f.message}" for f in report.findings] == []
    quiz = content.contest.quiz
    for week in content.contest.weeks:
        pool = [q for q in content.bank.questions if week.number in q.weeks]
        assert len(pool) >= quiz.pool_factor * quiz.questions_per_attempt, week.number


def test_two_stems_on_one_fact_are_duplicates_but_not_two_targets_of_different_facts():
    # Given two questions asking the same exclusion rule with different keys (one fact), in one pool
    a = replace(
        q(
            "a",
            "Theo Luật Giao dịch điện tử năm 2005, Luật KHÔNG áp dụng đối với việc cấp loại giấy tờ nào sau đây?",
            ["Đất", "B", "C", "D"],
        ),
        source=Source("doc-a", None, "91", None, "Câu trích.", "fact-sheet"),
    )
    b = replace(
        q(
            "b",
            "Theo Luật Giao dịch điện tử năm 2005, loại giấy tờ nào sau đây thuộc diện Luật không áp dụng?",
            ["Hối phiếu", "E", "F", "G"],
        ),
        source=Source("doc-a", None, "91", None, "Câu trích.", "fact-sheet"),
    )
    report = lint_bank(Bank((a, b)), QuestionsLint(), weeks=[1])
    assert [(f.rule, f.question) for f in report.findings if f.rule == "near-duplicate"] == [("near-duplicate", "b")]
    # When the two stems differ only in the year asked and come from two facts, Then they are not duplicates
    y2025 = q(
        "c", "Theo Quyết định, đến năm 2025 kinh tế số chiếm bao nhiêu phần trăm GDP?", ["20%", "10%", "30%", "5%"]
    )
    y2030 = replace(
        q("d", "Theo Quyết định, đến năm 2030 kinh tế số chiếm bao nhiêu phần trăm GDP?", ["30%", "20%", "40%", "5%"]),
        source=Source("doc-a", None, "2", None, "Câu trích.", "fact-sheet"),
    )
    assert lint_bank(Bank((y2025, y2030)), QuestionsLint(), weeks=[1]).count("near-duplicate") == 0


def test_a_later_act_implementing_a_document_is_not_attributed_to_it():
    documents = {"doc-a": {"number": "1/QĐ-TEST", "date": "2023-01-01"}}
    later = Source("doc-a", None, "1", "2023-06-01", "Câu trích.", "fact-sheet")
    options = [f"Nghị quyết số {n}/NQ-TEST" for n in range(2, 6)]
    # Given a stem asking which later act implements the document (the document is the object, not the source)
    stem = "Chính phủ thực hiện Quyết định số 1/QĐ-TEST bằng văn bản nào?"
    implementing = replace(q("i", stem, options), source=later)
    # And stems that do attribute the later fact to the document ("Theo …", or the document as the subject)
    attributed = replace(q("t", "Theo Quyết định số 1/QĐ-TEST, tỉnh xếp thứ mấy?", options), source=later)
    subject = replace(q("s", "Quyết định số 1/QĐ-TEST đề ra bao nhiêu chỉ tiêu?", ["1", "2", "3", "4"]), source=later)
    # When linted, Then only the attributing stems are anachronisms
    for question, flagged in ((implementing, False), (attributed, True), (subject, True)):
        report = lint_bank(Bank((question,)), QuestionsLint(), weeks=[1], documents=documents)
        assert (report.count("anachronism") == 1) is flagged, question.text


def test_a_stem_naming_the_document_a_dated_key_points_to_gives_it_away():
    # Given a question whose key is a decision with its date, and another stem naming that decision
    asked = q(
        "asked",
        "Theo A, Ủy ban được đổi tên theo quyết định nào?",
        [
            "Quyết định số 1619/QĐ-TTg ngày 24/9/2021",
            "Quyết định số 1072/QĐ-TTg ngày 28/8/2019",
            "Quyết định số 24/QĐ-UBQGCĐS ngày 03/3/2022",
            "Quyết định số 27/QĐ-UBQGCĐS ngày 15/3/2022",
        ],
    )
    giver = q("giver", "Theo Quyết định số 1619/QĐ-TTg, ai là Chủ tịch Ủy ban?", ["Thủ tướng", "X", "Y", "Z"])
    report = lint_bank(Bank((asked, giver)), QuestionsLint(), weeks=[1])
    assert [(f.rule, f.question) for f in report.findings if f.rule == "stem-gives-key"] == [
        ("stem-gives-key", "giver")
    ]


def test_rapidfuzz_stays_off_the_request_path():
    # rapidfuzz is for the organisers' CLI only (infra/layers/layers.toml: cli_only): only the lint imports it,
    # and only the CLI imports the lint.
    sources = list((ROOT / "src" / "contest").rglob("*.py")) + list((ROOT / "functions").rglob("*.py"))
    for path in sources:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if re.search(r"^\s*(from|import)\s+rapidfuzz\b", text, re.MULTILINE):
            assert rel == "src/contest/organisers/question_lint.py", rel
        if re.search(r"^\s*(from\s+contest\.question_lint|import\s+contest\.question_lint)\b", text, re.MULTILINE):
            assert rel.startswith("src/contest/cli/"), rel
