"""content: the strict schema of every content file: an unknown or misspelt key is an error with its
file:line and the closest allowed key, in contest.yaml, units.yaml, question files and document front matter.

Self-contained: the contest under test is written here (a small, non-Hà Tĩnh one), not read from content/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contest.content.loader import ContentError, ContentIssue, check_documents, parse_contest, parse_units, read_yaml
from contest.rules.model import Contest

MINIMAL = """\
schema: 1
name: "Cuộc thi tìm hiểu pháp luật"
theme: "Pháp luật trong tầm tay"
year: 2025
organiser: "Sở Tư pháp tỉnh Quảng Trị"
timezone: "Asia/Ho_Chi_Minh"
excluded_roles: "Thành viên Ban Tổ chức không được dự thi."
weeks:
  - number: 1
    opens_at: "2025-03-03T00:00:00+07:00"
    closes_at: "2025-03-08T17:00:00+07:00"
    results_at: "2025-03-08T17:30:00+07:00"
quiz:
  questions_per_attempt: 20
  prediction_question: "Bao nhiêu người tham gia?"
  attempts_per_week: 2
registration:
  verification: at_registration
  consent_version: "v1"
  consent_text: "Tôi đồng ý."
limits:
  code_ttl_minutes: 5
prizes:
  weekly:
    - { rank: first, label: "Giải Nhất", count: 1, amount: 1000000 }
  final_units: []
final_units:
  weights:
    participation: 0.5
    mean_score: 0.5
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def parse(tmp_path: Path, text: str) -> Contest:
    path = tmp_path / "contest.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_contest(read_yaml(path), str(path))


def issues(tmp_path: Path, text: str) -> list[ContentIssue]:
    with pytest.raises(ContentError) as caught:
        parse(tmp_path, text)
    return caught.value.issues


def test_the_minimal_contest_parses_with_generic_defaults(tmp_path: Path) -> None:
    contest = parse(tmp_path, MINIMAL)
    assert contest.quiz.attempts_per_week == 2 and contest.quiz.options_per_question == 4
    assert contest.quiz.points_per_question == 1 and contest.quiz.pool_factor == 2 and contest.quiz.max_score == 20
    assert contest.secretariat == "Tổ Thư ký" and contest.scope_label == "Toàn Cuộc thi"
    assert contest.title == "Cuộc thi tìm hiểu pháp luật"
    assert contest.description == "Pháp luật trong tầm tay — Cuộc thi tìm hiểu pháp luật năm 2025"
    assert "Hà Tĩnh" not in contest.sms.template + contest.sms.contest_name
    assert "Chuyen doi so" not in contest.sms.template


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        # the issue's own example: a misspelt quiz key, silently ignored before
        ("  attempts_per_week: 2\n", "  attempt_per_week: 2\n", "attempt_per_week",
         "khóa 'quiz.attempt_per_week' không được hỗ trợ; có phải 'attempts_per_week'?"),
        # a misspelt unit-award weight: failed only at the final close before
        ("    mean_score: 0.5\n", "    mean_scor: 0.5\n", "mean_scor",
         "khóa 'final_units.weights.mean_scor' không được hỗ trợ; có phải 'mean_score'?"),
        # a misspelt key inside a list item (a prize)
        ("count: 1, amount: 1000000 }", "count: 1, amout: 1000000 }", "amout",
         "khóa 'prizes.weekly[1].amout' không được hỗ trợ; có phải 'amount'?"),
        # a week key
        ('    results_at: "2025-03-08T17:30:00+07:00"\n',
         '    results_at: "2025-03-08T17:30:00+07:00"\n    result_at: "2025-03-08T17:30:00+07:00"\n',
         "result_at", "khóa 'weeks[1].result_at' không được hỗ trợ; có phải 'results_at'?"),
        # a top-level key
        ('organiser: "Sở', 'organizer: "Sở', "organizer", "khóa 'organizer' không được hỗ trợ; có phải 'organiser'?"),
        # the right key in the wrong place
        ("schema: 1\n", "schema: 1\ngrace_seconds: 10\n", "grace_seconds",
         "khóa 'grace_seconds' không được hỗ trợ; có phải 'quiz.grace_seconds'?"),
        # nothing close: no suggestion, but the allowed keys
        ("schema: 1\n", "schema: 1\nxyz: 1\n", "xyz", "khóa 'xyz' không được hỗ trợ (dùng ở đây: schema, name,"),
    ],
)  # fmt: skip
def test_an_unknown_key_points_at_its_line_with_a_suggestion(
    tmp_path: Path, old: str, new: str, needle: str, expected: str
) -> None:
    # Given a contest file with one unknown key
    text = edit(MINIMAL, old, new)
    # When it is parsed
    found = issues(tmp_path, text)
    # Then that key is reported, at its line, with the closest allowed key (and nothing on any other line:
    # a misspelt required key is also reported missing, at the same line)
    assert {i.line for i in found} == {line_of(text, needle)}, found
    assert expected in found[0].message, found[0].message


def test_every_unknown_key_is_reported_at_once(tmp_path: Path) -> None:
    text = edit(MINIMAL, "  attempts_per_week: 2\n", "  attempt_per_week: 2\n")
    text = edit(text, "    mean_score: 0.5\n", "    mean_scor: 0.5\n")
    found = issues(tmp_path, text)
    assert sorted(i.line for i in found) == sorted([line_of(text, "attempt_per_week"), line_of(text, "mean_scor")])


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        ("  questions_per_attempt: 20\n", "  questions_per_attempt: 20\n  options_per_question: 7\n",
         "options_per_question", "từ 2 đến 6"),
        ("  questions_per_attempt: 20\n", "  questions_per_attempt: 20\n  points_per_question: 0\n",
         "points_per_question", "≥ 1"),
        ("  questions_per_attempt: 20\n", "  questions_per_attempt: 20\n  pool_factor: 0\n", "pool_factor", "≥ 1"),
        ('results_at: "2025-03-08T17:30:00+07:00"', 'results_at: "2025-03-08T17:30:30+07:00"', "17:30:30",
         "phút tròn"),
        ('excluded_roles: "Thành viên Ban Tổ chức không được dự thi."\n', "", "schema", "thiếu 'excluded_roles'"),
    ],
)  # fmt: skip
def test_new_values_are_checked(tmp_path: Path, old: str, new: str, needle: str, expected: str) -> None:
    text = edit(MINIMAL, old, new)
    found = issues(tmp_path, text)
    assert len(found) == 1 and expected in found[0].message, found
    if needle != "schema":
        assert found[0].line == line_of(text, needle)


def test_the_contest_specific_texts_come_from_the_file(tmp_path: Path) -> None:
    text = MINIMAL + (
        'secretariat: "Tổ Giúp việc"\n'
        'reports: { scope_label: "Toàn ngành" }\n'
        'site: { title: "Pháp luật 2025", description: "Tìm hiểu pháp luật" }\n'
    )
    text = edit(
        text,
        "  attempts_per_week: 2\n",
        "  attempts_per_week: 2\n  options_per_question: 3\n  points_per_question: 5\n",
    )
    text = edit(
        text, "limits:\n", 'sms:\n  contest_name: "Cuoc thi Phap luat"\n  template: "{contest}: ma {code}"\nlimits:\n'
    )
    contest = parse(tmp_path, text)
    assert contest.secretariat == "Tổ Giúp việc" and contest.scope_label == "Toàn ngành"
    assert (contest.title, contest.description) == ("Pháp luật 2025", "Tìm hiểu pháp luật")
    assert contest.quiz.option_keys == ("A", "B", "C") and contest.quiz.max_score == 100
    assert contest.sms.template == "Cuoc thi Phap luat: ma {code}"


def test_an_sms_contest_name_with_diacritics_is_refused(tmp_path: Path) -> None:
    text = edit(MINIMAL, "limits:\n", 'sms:\n  contest_name: "Cuộc thi"\nlimits:\n')
    found = issues(tmp_path, text)
    assert "GSM 7-bit" in found[0].message and found[0].line == line_of(text, "contest_name"), found


# --- units.yaml ---------------------------------------------------------------------------------------

UNITS = """\
groups:
  - { id: so, name: "Sở, ngành" }
units:
  - { id: so-tp, name: "Sở Tư pháp", group: so, headcount: 80 }
"""


def test_a_misspelt_unit_key_points_at_its_line(tmp_path: Path) -> None:
    text = edit(UNITS, "headcount: 80", "headcont: 80")
    path = tmp_path / "units.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        parse_units(read_yaml(path), str(path))
    (issue,) = caught.value.issues
    assert issue.line == 4 and "khóa 'units[1].headcont' không được hỗ trợ; có phải 'headcount'?" in issue.message


# --- documents/<id>.md front matter ---------------------------------------------------------------------


def test_a_misspelt_front_matter_key_points_at_its_line_in_the_document(tmp_path: Path) -> None:
    (tmp_path / "luat-a.md").write_text(
        '---\nid: luat-a\ntitle: "Luật A"\nisuer: "Quốc hội"\n---\n# Luật A\n', encoding="utf-8"
    )
    (tmp_path / "luat-b.md").write_text("---\nid: luat-c\ntitle: B\n---\n", encoding="utf-8")
    found = check_documents(tmp_path)
    assert [(Path(i.file).name, i.line) for i in found] == [("luat-a.md", 4), ("luat-b.md", 2)]
    assert "khóa 'isuer' không được hỗ trợ; có phải 'issuer'?" in found[0].message
    assert "khác tên tệp" in found[1].message


# --- question files ----------------------------------------------------------------------------------


def test_a_misspelt_question_key_suggests_the_right_one(tmp_path: Path) -> None:
    from contest.content.bank import read_records

    (tmp_path / "a.yaml").write_text("questions:\n  - id: q-1\n    dificulty: easy\n", encoding="utf-8")
    _records, found = read_records(tmp_path)
    (issue,) = found
    assert issue.line == 3 and "'dificulty'" in issue.message and "có phải 'difficulty'?" in issue.message


def test_a_repeated_key_is_an_error_at_the_repeat(tmp_path: Path) -> None:
    # YAML itself keeps the last of two equal keys silently
    text = edit(MINIMAL, "  attempts_per_week: 2\n", "  attempts_per_week: 2\n  attempts_per_week: 3\n")
    (issue,) = issues(tmp_path, text)
    assert issue.line == line_of(text, "attempts_per_week: 3")
    first = line_of(text, "attempts_per_week: 2")
    assert f"khóa 'quiz.attempts_per_week' được ghi hai lần (lần đầu ở dòng {first})" in issue.message


def test_the_prize_confirmation_sms_names_the_configured_contest_and_fits_one_part(tmp_path: Path) -> None:
    from datetime import datetime

    from contest.rules.awards import award_message
    from contest.rules.sms import GSM7_PART_SEPTETS, gsm7_septets

    text = edit(MINIMAL, "limits:\n", 'sms:\n  contest_name: "Cuoc thi phap luat tinh Quang Tri"\nlimits:\n')
    contest = parse(tmp_path, text)
    until = datetime.fromisoformat("2025-03-11T17:30:00+07:00")
    message = award_message(1, "123456", until, contest.sms.contest_name)
    assert "Cuoc thi phap luat tinh Quang Tri: 123456" in message and "Chuyen doi so" not in message
    septets = gsm7_septets(message)
    assert septets is not None and septets <= GSM7_PART_SEPTETS


# --- the messages organisers read --------------------------------------------------------------------------

ENGLISH = ("must ", "missing ", "unknown ", "expected ", "needs ", "got ", "did you mean", "duplicate ", "week ")


def test_every_contest_file_message_is_vietnamese(tmp_path: Path) -> None:
    # Given a contest file with one mistake of every kind the parser checks
    text = MINIMAL
    for old, new in [
        ("schema: 1\n", "schema: 1\nxyz: 1\nsms: { contest_name: 'Cuộc thi', global_shards: 0 }\n"),
        ('    closes_at: "2025-03-08T17:00:00+07:00"\n', '    closes_at: "2025-03-02T17:00:00"\n'),
        ('results_at: "2025-03-08T17:30:00+07:00"', 'results_at: "2025-03-08T17:30:30+07:00"'),
        ("  questions_per_attempt: 20\n", '  questions_per_attempt: "20"\n  options_per_question: 9\n'),
        ("  attempts_per_week: 2\n", "  attempts_per_week: 0\n  duration_resolution: minutes\n"),
        ("  verification: at_registration\n", "  verification: sometimes\n"),
        ("  code_ttl_minutes: 5\n", "  code_ttl_minutes: 9\n"),
        ("count: 1, amount: 1000000", "count: -1, amount: 1000000"),
        ("    participation: 0.5\n", "    participation: many\n"),
        ('excluded_roles: "Thành viên Ban Tổ chức không được dự thi."\n', ""),
    ]:
        text = edit(text, old, new)
    # When it is parsed
    found = issues(tmp_path, text)
    # Then every problem is reported, each in Vietnamese (the organisers' language), at a line of the file
    assert len(found) >= 10, found
    english = [i.message for i in found if any(word in i.message for word in ENGLISH)]
    assert english == [], english
    assert all(i.line >= 1 for i in found), found


def test_units_front_matter_and_question_files_speak_vietnamese_too(tmp_path: Path) -> None:
    from contest.content.bank import read_records

    # Given a units file, a document and a question file with mistakes
    units = tmp_path / "units.yaml"
    units.write_text("groups: []\nunits:\n  - { id: A!, name: X, group: nowhere, headcount: 0 }\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "luat-a.md").write_text("---\nid: luat-b\nisuer: X\n---\n", encoding="utf-8")
    (tmp_path / "docs" / "luat-c.md").write_text("no front matter\n", encoding="utf-8")
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "a.yaml").write_text("questions: [\n", encoding="utf-8")
    # When each is read
    with pytest.raises(ContentError) as caught:
        parse_units(read_yaml(units), str(units))
    found = [*caught.value.issues, *check_documents(tmp_path / "docs"), *read_records(tmp_path / "q")[1]]
    # Then every message is Vietnamese, with the file and its line
    assert len(found) >= 6, found
    said = [i.message.split(" (PyYAML báo: ")[0] for i in found]  # PyYAML's own words kept as a detail
    english = [m for m in said if any(word in m for word in ENGLISH)]
    assert english == [], english
    assert {Path(i.file).name for i in found} == {"units.yaml", "luat-a.md", "luat-c.md", "a.yaml"}
