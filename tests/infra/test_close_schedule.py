"""The AWS close schedule follows the content: `infra/stack.py parameters` generates the template's
CloseWeekMinutes / Hours / Days / Timezone from content/contest.yaml, and the resulting cron fires at every
week's results_at — Saturday 17:30 as well as Sunday 20:00 — and at nothing else when the weeks share a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import stack
import yaml

from contest.organisers.sitebuild import load_contest
from contest.rules.weeks import CRON_DAYS, close_schedule
from tests.support import ROOT

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def contest_dir(tmp_path: Path, results: list[str], closes: list[str] | None = None) -> Path:
    """A copy of content/contest.yaml with weeks ending at the given instants (results 30 min after closing)."""
    data = yaml.safe_load((ROOT / "content" / "contest.yaml").read_text(encoding="utf-8"))
    weeks = []
    for n, at in enumerate(results, 1):
        result = datetime.fromisoformat(at)
        weeks.append(
            {
                "number": n,
                "opens_at": (result - timedelta(days=6)).isoformat(),
                "closes_at": (result - timedelta(minutes=30)).isoformat(),
                "results_at": result.isoformat(),
            }
        )
    data["weeks"] = weeks
    target = tmp_path / "content"
    target.mkdir()
    (target / "contest.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def fires_at(parameters: dict[str, str], when: datetime) -> bool:
    """EventBridge's cron(minutes hours ? * days *) read in the schedule's time zone."""
    local = when.astimezone(ZoneInfo(parameters["CloseWeekTimezone"]))
    return (
        str(local.minute) in parameters["CloseWeekMinutes"].split(",")
        and str(local.hour) in parameters["CloseWeekHours"].split(",")
        and CRON_DAYS[local.weekday()] in parameters["CloseWeekDays"].split(",")
    )


def firings(parameters: dict[str, str], start: datetime, end: datetime) -> list[datetime]:
    out, t = [], start.replace(second=0, microsecond=0)
    while t <= end:
        if fires_at(parameters, t):
            out.append(t)
        t += timedelta(minutes=1)
    return out


def parameters_of(content: Path, config_env: str = "default", extra: list[str] | None = None) -> dict[str, str]:
    printed = stack.deploy_parameters(config_env, content, extra or [])
    return dict(item.split("=", 1) for item in printed.split())


@pytest.mark.parametrize(
    "results",
    [
        # three weeks, submissions closing Saturday 17:00, results at 17:30
        ["2025-03-08T17:30:00+07:00", "2025-03-15T17:30:00+07:00", "2025-03-22T17:30:00+07:00"],
        # the Hà Tĩnh shape: Sunday 20:00
        ["2023-10-22T20:00:00+07:00", "2023-10-29T20:00:00+07:00"],
    ],
)
def test_the_generated_schedule_fires_exactly_at_each_results_time(tmp_path: Path, results: list[str]) -> None:
    # Given a contest whose weeks publish at one weekly time
    content = contest_dir(tmp_path, results)
    # When the deploy parameters are generated from it
    parameters = parameters_of(content)
    # Then, from the first opening to the last results, it fires at each results_at and at no other minute
    start = datetime.fromisoformat(results[0]) - timedelta(days=6)
    end = datetime.fromisoformat(results[-1])
    assert firings(parameters, start, end) == [datetime.fromisoformat(r) for r in results]
    # and samconfig's own overrides are kept (sam replaces them when any are given)
    assert parameters["Stage"] == "prod"


def test_saturday_1730_is_not_sunday_2000(tmp_path: Path) -> None:
    parameters = parameters_of(contest_dir(tmp_path, ["2025-03-08T17:30:00+07:00"]))
    assert (parameters["CloseWeekMinutes"], parameters["CloseWeekHours"], parameters["CloseWeekDays"]) == (
        "30",
        "17",
        "SAT",
    )


def test_weeks_at_different_times_are_all_covered_and_extra_firings_are_harmless(tmp_path: Path) -> None:
    # Given weeks publishing on different days and times
    results = ["2025-03-08T17:30:00+07:00", "2025-03-16T20:00:00+07:00"]
    parameters = parameters_of(contest_dir(tmp_path, results))
    # Then every results_at is a firing (extra firings find nothing due, or a week already closed)
    start = datetime.fromisoformat(results[0]) - timedelta(days=1)
    fired = firings(parameters, start, datetime.fromisoformat(results[-1]) + timedelta(hours=1))
    assert all(datetime.fromisoformat(r) in fired for r in results)


def test_given_overrides_win_and_staging_keeps_its_own(tmp_path: Path) -> None:
    content = contest_dir(tmp_path, ["2025-03-08T17:30:00+07:00"])
    parameters = parameters_of(content, "staging", ["LogRetentionDays=7", "ContactEmail=ops@example.vn"])
    assert parameters["Stage"] == "staging" and parameters["LogRetentionDays"] == "7"
    assert parameters["ContactEmail"] == "ops@example.vn" and parameters["CloseWeekDays"] == "SAT"


def test_the_generated_values_satisfy_the_template_parameters(tmp_path: Path) -> None:
    import re

    import template_checks

    declared = template_checks.load()["Parameters"]
    content = contest_dir(tmp_path, ["2025-03-08T17:30:00+07:00", "2025-03-16T09:05:00+07:00"])
    for name, value in close_schedule(load_contest(content)).parameters().items():
        pattern = declared[name].get("AllowedPattern")
        assert pattern is None or re.fullmatch(pattern, value), (name, value)


def test_the_shipped_content_generates_its_schedule() -> None:
    # (about the shipped content) Hà Tĩnh: Sunday 20:00
    assert close_schedule(load_contest(ROOT / "content")).expression == "cron(0 20 ? * SUN *)"


def test_a_results_time_off_the_minute_is_refused(tmp_path: Path) -> None:
    from contest.content.loader import ContentError

    with pytest.raises(ContentError, match="phút tròn"):
        load_contest(contest_dir(tmp_path, ["2025-03-08T17:30:30+07:00"]))


def test_load_content_is_refused_while_the_deployed_schedule_is_another_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stack deployed for Sunday 20:00, and content whose results are now on Saturdays at 17:30
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "ap-southeast-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    import boto3
    from moto import mock_aws

    content = contest_dir(tmp_path, ["2025-03-08T17:30:00+07:00"])
    with mock_aws():
        session = boto3.session.Session(region_name="ap-southeast-1")
        scheduler = session.client("scheduler")

        def deploy(expression: str) -> None:
            scheduler.create_schedule(
                Name="contest-x-close-week",
                ScheduleExpression=expression,
                ScheduleExpressionTimezone="Asia/Ho_Chi_Minh",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={
                    "Arn": "arn:aws:lambda:ap-southeast-1:123456789012:function:f",
                    "RoleArn": "arn:aws:iam::123456789012:role/r",
                },
            )

        deploy("cron(0 20 ? * SUN *)")
        # When the schedule is checked (make load-content does it first), then it names both times and the fix
        drift = stack.schedule_drift(session, "contest-x", content)
        assert drift and "cron(0 20 ? * SUN *)" in drift and "cron(30 17 ? * SAT *)" in drift and "make deploy" in drift
        # and after a deploy from this content it passes
        scheduler.delete_schedule(Name="contest-x-close-week")
        deploy(close_schedule(load_contest(content)).expression)
        assert stack.schedule_drift(session, "contest-x", content) is None
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "load-content: $(STAMP)\n\t$(STACK_PY) check-schedule" in makefile
