"""The organisers' `contest` command: content check and the exclusion list (on moto, via --aws)."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from contest.cli import app
from contest.store import Store
from tests.support import CONTENT as TEST_CONTENT
from tests.support import ROOT, e164, group

runner = CliRunner()


def test_content_check_passes_on_the_shipped_content():
    result = runner.invoke(app, ["content", "check", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "4 tuần" in result.output and "câu hỏi" in result.output


def test_content_check_warns_about_shared_questions_and_says_when_their_keys_are_published():
    # Given the shipped bank, whose weeks 1 and 3 (and 2 and 4) share questions
    result = runner.invoke(app, ["content", "check", "--root", str(ROOT)], env={"COLUMNS": "300"})
    # Then the check passes, and warns which week's results publish the shared keys
    assert result.exit_code == 0, result.output
    assert "thuộc nhiều tuần (1, 3): đáp án của chúng chỉ được công bố cùng kết quả Tuần 3" in result.output
    assert "thuộc nhiều tuần (2, 4): đáp án của chúng chỉ được công bố cùng kết quả Tuần 4" in result.output
    assert "chưa công bố đáp án (công bố cùng kết quả Tuần 3)" in result.output


def test_content_check_reports_file_and_line_of_each_problem(tmp_path):
    # Given a copy of content/ with two mistakes in contest.yaml and one in units.yaml
    shutil.copytree(TEST_CONTENT, tmp_path / "content")
    contest = tmp_path / "content" / "contest.yaml"
    lines = contest.read_text(encoding="utf-8").splitlines()
    broken_line = next(i for i, line in enumerate(lines) if "questions_per_attempt" in line)
    lines[broken_line] = "  questions_per_attempt: mười lăm"
    contest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    units = tmp_path / "content" / "units.yaml"
    units.write_text(
        units.read_text(encoding="utf-8").replace(f"group: {group('huyen')} }}", f"group: {group('huyen')}n }}", 1),
        encoding="utf-8",
    )
    # When the organiser checks it
    result = runner.invoke(app, ["content", "check", "--root", str(tmp_path)])
    # Then the command fails and points at both files and lines
    assert result.exit_code == 1
    assert f"contest.yaml:{broken_line + 1}:" in result.output
    assert "units.yaml:" in result.output and f"{group('huyen')}n" in result.output


def test_exclusions_add_list_remove_on_aws(monkeypatch, repo, api):
    monkeypatch.setenv("CONTEST_TABLE", "contest-test")
    monkeypatch.chdir(ROOT)
    # Given a contestant who registered before being appointed to the secretariat
    assert api.register("0912345601").status == 201
    # When the organisers exclude them and another number
    added = runner.invoke(app, ["exclusions", "add", "0912 345 601", "--note", "Tổ Thư ký", "--aws"])
    assert added.exit_code == 0, added.output
    assert "loại khỏi dự thi" in added.output
    assert runner.invoke(app, ["exclusions", "add", "+84987000111", "--aws"]).exit_code == 0
    listed = runner.invoke(app, ["exclusions", "list", "--aws"])
    # Then both are listed, the account is excluded, and the other number registers like any other (the
    # answer must not reveal the list) into an excluded account
    assert "+84912345601" in listed.output and "+84987000111" in listed.output and "2 số" in listed.output
    repository = Store()
    assert repository.accounts.account(repository.phones.claim(e164("0912345601")).account_id).excluded
    assert api.register("0987000111").status == 201
    assert repository.accounts.account(repository.phones.claim(e164("0987000111")).account_id).excluded
    # And removing one restores it
    assert runner.invoke(app, ["exclusions", "remove", "0987000111", "--aws"]).exit_code == 0
    assert not repository.accounts.account(repository.phones.claim(e164("0987000111")).account_id).excluded
    assert runner.invoke(app, ["exclusions", "remove", "0987000111", "--aws"]).exit_code == 1
    assert runner.invoke(app, ["exclusions", "add", "024 3825 1234", "--aws"]).exit_code == 1
