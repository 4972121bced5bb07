"""content: the shipped contest.yaml and units.yaml parse; broken files are reported as file:line, at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from contest.content.loader import ContentError, ContentIssue, parse_contest, parse_units, read_yaml
from contest.rules.model import Contest
from tests.support import ROOT

CONTEST_YAML = (ROOT / "content" / "contest.yaml").read_text(encoding="utf-8")
UNITS_YAML = (ROOT / "content" / "units.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in text"
    return hits[occurrence - 1]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def issues_of(tmp_path: Path, text: str, kind: str = "contest") -> tuple[Path, list[ContentIssue]]:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        data = read_yaml(path)
        if kind == "contest":
            parse_contest(data, str(path))
        else:
            parse_units(data, str(path))
    return path, caught.value.issues


def assert_points_at(path: Path, issue: ContentIssue, line: int, *words: str) -> None:
    assert str(issue).startswith(f"{path}:{line}: "), str(issue)
    for word in words:
        assert word in issue.message, issue.message


# --- the shipped files ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contest() -> Contest:
    return parse_contest(read_yaml(ROOT / "content" / "contest.yaml"), "contest.yaml")


def test_shipped_contest_has_four_weeks_with_sunday_20h_results(contest: Contest) -> None:
    # Given / When the shipped contest.yaml is parsed
    # Then it has weeks 1-4, each announcing results on Sunday at 20:00 +07:00, after it closes
    assert [w.number for w in contest.weeks] == [1, 2, 3, 4]
    for week in contest.weeks:
        assert week.results_at.utcoffset() == timedelta(hours=7)
        assert week.results_at.weekday() == 6  # Sunday
        assert (week.results_at.hour, week.results_at.minute) == (20, 0)
        assert week.opens_at < week.closes_at <= week.results_at
        assert week.prediction_question  # the contest-wide question is inherited


def test_shipped_quiz_rules(contest: Contest) -> None:
    # Given / When the shipped contest.yaml is parsed
    # Then an attempt has 15 questions, 30 minutes and 30 s of grace
    assert contest.quiz.questions_per_attempt == 15
    assert contest.quiz.time_limit_seconds == 1800
    assert contest.quiz.grace_seconds == 30
    assert contest.quiz.duration_resolution == "seconds"


def test_shipped_prizes(contest: Contest) -> None:
    # Given / When the shipped contest.yaml is parsed
    # Then weekly prizes are 1 first (2,000,000), 2 second (1,000,000), 3 third (500,000); final units 1/1/1
    weekly = [(p.rank, p.count, p.amount) for p in contest.weekly_prizes]
    assert weekly == [("first", 1, 2_000_000), ("second", 2, 1_000_000), ("third", 3, 500_000)]
    assert [(p.rank, p.count) for p in contest.final_unit_prizes] == [
        ("first", 1),
        ("second", 1),
        ("third", 1),
    ]
    assert contest.currency == "đồng"


def test_shipped_units_parse() -> None:
    # Given / When the shipped units.yaml is parsed
    groups, units = parse_units(read_yaml(ROOT / "content" / "units.yaml"), "units.yaml")
    # Then every unit belongs to a declared group and ids are unique
    group_ids = {g.id for g in groups}
    assert group_ids == {"so-nganh", "huyen", "nguoi-dan"}
    assert units and all(u.group in group_ids for u in units)
    assert len({u.id for u in units}) == len(units)


# --- broken contest.yaml ---------------------------------------------------------------------------


def test_week_closing_before_it_opens_points_at_closes_at(tmp_path: Path) -> None:
    # Given week 2 closing before it opens
    text = edit(CONTEST_YAML, 'closes_at: "2023-10-29T19:00:00+07:00"', 'closes_at: "2023-10-22T19:00:00+07:00"')
    # When it is parsed
    path, issues = issues_of(tmp_path, text)
    # Then the one issue points at week 2's closes_at line
    assert len(issues) == 1
    assert_points_at(path, issues[0], line_of(text, 'closes_at: "2023-10-22T19:00:00+07:00"', 2), "tuần 2")


def test_missing_questions_per_attempt_points_at_the_quiz_block(tmp_path: Path) -> None:
    # Given quiz without questions_per_attempt
    text = edit(CONTEST_YAML, "  questions_per_attempt: 15\n", "")
    # When it is parsed
    path, issues = issues_of(tmp_path, text)
    # Then the one issue names the key and points at the quiz block (its key or its first line)
    assert len(issues) == 1
    quiz_line = line_of(text, "quiz:")
    assert issues[0].file == str(path)
    assert issues[0].line in (quiz_line, quiz_line + 1), str(issues[0])
    assert "quiz.questions_per_attempt" in issues[0].message


@pytest.mark.parametrize("value", ['"15"', "fifteen", "15.0", "true", "[15]"])
def test_non_integer_questions_per_attempt_points_at_its_line(tmp_path: Path, value: str) -> None:
    # Given a string (or other non-integer) where an integer is expected
    text = edit(CONTEST_YAML, "  questions_per_attempt: 15", f"  questions_per_attempt: {value}")
    # When it is parsed
    path, issues = issues_of(tmp_path, text)
    # Then the one issue points at that line and says an int is needed
    assert len(issues) == 1
    assert_points_at(path, issues[0], line_of(text, "questions_per_attempt:"), "phải là số nguyên")


@pytest.mark.parametrize("value", ['"2023-11-06T00:00:00"', "2023-11-06T00:00:00", '"2023-11-06 00:00"'])
def test_instant_without_offset_points_at_its_line(tmp_path: Path, value: str) -> None:
    # Given week 4 opening at an instant without an offset (quoted or a bare YAML timestamp)
    text = edit(CONTEST_YAML, 'opens_at: "2023-11-06T00:00:00+07:00"', f"opens_at: {value}")
    # When it is parsed
    path, issues = issues_of(tmp_path, text)
    # Then the one issue points at that line and asks for an offset
    assert len(issues) == 1
    assert_points_at(path, issues[0], line_of(text, f"opens_at: {value}"), "múi giờ")


def test_instant_without_offset_in_week_one_is_reported_once(tmp_path: Path) -> None:
    # Given week 1 opening at an instant without an offset (everything else correct)
    text = edit(CONTEST_YAML, 'opens_at: "2023-10-16T00:00:00+07:00"', 'opens_at: "2023-10-16T00:00:00"')
    # When it is parsed
    _path, issues = issues_of(tmp_path, text)
    # Then exactly that problem is reported (no issue about week 2, which is right)
    assert [i.line for i in issues] == [line_of(text, 'opens_at: "2023-10-16T00:00:00"')]


def test_instant_that_is_not_iso_points_at_its_line(tmp_path: Path) -> None:
    # Given a week whose results time is not an ISO instant
    text = edit(CONTEST_YAML, 'results_at: "2023-11-12T20:00:00+07:00"', 'results_at: "Chủ nhật 20 giờ"')
    # When / Then the issue points at that line
    path, issues = issues_of(tmp_path, text)
    assert len(issues) == 1
    assert_points_at(path, issues[0], line_of(text, "Chủ nhật 20 giờ"), "ISO")


@pytest.mark.parametrize(
    ("old", "new", "bad_line_text"),
    [
        ("  grace_seconds: 30 ", "  grace_seconds: 30: 40 ", "grace_seconds: 30: 40"),
        ("  grace_seconds: 30 ", "\tgrace_seconds: 30 ", "\tgrace_seconds"),
        ("  time_limit_minutes: 30", "  time_limit_minutes: 30\n  - 45", "  - 45"),
    ],
)
def test_yaml_syntax_error_points_at_its_line(tmp_path: Path, old: str, new: str, bad_line_text: str) -> None:
    # Given a YAML syntax error
    text = edit(CONTEST_YAML, old, new)
    path = tmp_path / "contest.yaml"
    path.write_text(text, encoding="utf-8")
    # When the file is read
    with pytest.raises(ContentError) as caught:
        read_yaml(path)
    # Then one issue points at the broken line
    issues = caught.value.issues
    assert len(issues) == 1
    assert str(issues[0]).startswith(f"{path}:{line_of(text, bad_line_text)}: "), str(issues[0])


def test_all_issues_of_a_contest_file_are_reported_at_once(tmp_path: Path) -> None:
    # Given two independent mistakes in one file
    text = edit(CONTEST_YAML, "  questions_per_attempt: 15", '  questions_per_attempt: "15"')
    text = edit(text, 'closes_at: "2023-11-12T19:00:00+07:00"', 'closes_at: "2023-11-05T19:00:00+07:00"')
    # When it is parsed
    path, issues = issues_of(tmp_path, text)
    # Then both are reported, each at its own line
    lines = sorted(i.line for i in issues)
    assert lines == sorted([line_of(text, "questions_per_attempt:"), line_of(text, 'closes_at: "2023-11-05', 2)])
    assert all(i.file == str(path) for i in issues)
    assert str(ContentError(issues)).count(f"{path}:") == 2


# --- broken units.yaml ------------------------------------------------------------------------------

KHCN = '{ id: so-khcn, name: "Sở Khoa học và Công nghệ", group: so-nganh }'


def test_unknown_unit_group_points_at_the_unit(tmp_path: Path) -> None:
    # Given a unit in a group that is not declared
    text = edit(UNITS_YAML, KHCN, KHCN.replace("group: so-nganh", "group: so-nganhh"))
    # When it is parsed
    path, issues = issues_of(tmp_path, text, "units")
    # Then the one issue points at that unit's line
    assert len(issues) == 1
    assert_points_at(path, issues[0], line_of(text, "so-nganhh"), "nhóm 'so-nganhh' không có trong 'groups'")


def test_unknown_unit_group_on_its_own_line_points_at_the_group_key(tmp_path: Path) -> None:
    # Given a unit written over two lines, its group on the second
    text = edit(UNITS_YAML, KHCN, KHCN.replace(", group: so-nganh", ",\n      group: so-nganhh"))
    # When / Then the issue points at the group line
    path, issues = issues_of(tmp_path, text, "units")
    assert len(issues) == 1
    assert_points_at(path, issues[0], line_of(text, "group: so-nganhh"), "không có trong 'groups'")


def test_duplicate_unit_id_points_at_the_second_occurrence(tmp_path: Path) -> None:
    # Given a second unit reusing the id so-tttt
    text = edit(UNITS_YAML, "{ id: so-khcn,", "{ id: so-tttt,")
    # When it is parsed
    path, issues = issues_of(tmp_path, text, "units")
    # Then the one issue points at the second occurrence
    assert len(issues) == 1
    assert_points_at(path, issues[0], line_of(text, "id: so-tttt", 2), "bị trùng", "so-tttt")


def test_all_issues_of_a_units_file_are_reported_at_once(tmp_path: Path) -> None:
    # Given a duplicate id and an unknown group in one file
    text = edit(UNITS_YAML, "{ id: so-khcn,", "{ id: so-tttt,")
    text = edit(
        text,
        '{ id: so-gddt, name: "Sở Giáo dục và Đào tạo", group: so-nganh }',
        '{ id: so-gddt, name: "Sở Giáo dục và Đào tạo", group: nowhere }',
    )
    # When it is parsed
    _path, issues = issues_of(tmp_path, text, "units")
    # Then both are reported at their lines
    assert sorted(i.line for i in issues) == sorted([line_of(text, "id: so-tttt", 2), line_of(text, "nowhere")])


def test_parsers_refuse_a_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    # Given files holding a list / nothing
    for text in ("- 1\n- 2\n", ""):
        # When parsed, Then a ContentError (not a crash) is raised
        issues_of(tmp_path, text)
        issues_of(tmp_path, text, "units")


# --- registration.verification ------------------------------------------------------------


def test_shipped_contest_verifies_phones_at_award(contest: Contest) -> None:
    assert contest.verification == "at_award" and contest.award_confirmation_hours == 72
    assert contest.phone_verification is False


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        ("  verification: at_award\n", "  verification: sometimes\n", "verification: sometimes", ("at_award",)),
        (
            "  verification: at_award\n",
            "  verification: at_award\n  phone_verification: true\n",
            "phone_verification",
            ("đã được thay bằng",),
        ),
        (
            "  verification: at_award\n",
            "  verification: at_award\n  verify_by: sms\n",
            "verify_by",
            ("không được hỗ trợ",),
        ),
        ("  award_confirmation_hours: 72\n", "  award_confirmation_hours: 0\n", "award_confirmation_hours", ("≥ 1",)),
        ("  verification: at_award\n", "", "award_confirmation_hours", ("registration.verification",)),
    ],
)
def test_registration_keys_are_checked_strictly(tmp_path: Path, old: str, new: str, needle: str, words) -> None:
    # Given a registration block with a bad verification setting
    text = edit(CONTEST_YAML, old, new)
    # When it is parsed, then the one issue points at the offending line
    path, issues = issues_of(tmp_path, text)
    assert len(issues) == 1, issues
    line = next(n for n, text_line in enumerate(text.splitlines(), 1) if text_line.strip().startswith(needle))
    assert_points_at(path, issues[0], line, *words)


# --- certificates: ------------------------------------------------------------------------


def test_the_certificate_section_is_read_from_the_content(tmp_path: Path) -> None:
    contest = parse_contest(read_yaml(_write(tmp_path, CONTEST_YAML)))
    style = contest.certificates
    assert style is not None and style.agency[-1] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert style.national_name == "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert style.national_motto == "Độc lập - Tự do - Hạnh phúc"
    assert style.number(2023, "T2", 3) == "03/GCN-BTC-T2-2023"


def test_a_misspelt_certificate_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    text = edit(CONTEST_YAML, '  signer_title: "TRƯỞNG BAN"', '  signer_titel: "TRƯỞNG BAN"')
    _, issues = issues_of(tmp_path, text)
    messages = {(i.line, i.message) for i in issues}
    assert any(
        line == line_of(text, "signer_titel")
        and m.startswith("khóa 'certificates.signer_titel' không được hỗ trợ; có phải 'signer_title'?")
        for line, m in messages
    ), messages
    assert any("thiếu 'certificates.signer_title'" in m for _, m in messages)


def test_a_certificate_number_format_needs_round_and_seq(tmp_path: Path) -> None:
    text = edit(CONTEST_YAML, '"{seq:02d}/GCN-BTC-{round}-{year}"', '"{n}/GCN"')
    _, issues = issues_of(tmp_path, text)
    assert [i.line for i in issues if "number_format" in i.message] == [line_of(text, "number_format:")]


def test_certificate_agency_lines_must_be_text(tmp_path: Path) -> None:
    text = edit(CONTEST_YAML, '    - "UBND TỈNH HÀ TĨNH"\n', "    - 12\n")
    _, issues = issues_of(tmp_path, text)
    assert any("certificates.agency" in i.message for i in issues)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contest.yaml"
    path.write_text(text, encoding="utf-8")
    return path
