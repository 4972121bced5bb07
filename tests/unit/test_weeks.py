"""weeks: which week is open, which is due to close, an attempt's deadline and its network grace."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.content.loader import parse_contest, read_yaml
from contest.rules.model import Contest
from contest.rules.weeks import accepts_submission, attempt_expiry, open_week, week_to_close
from tests.support import CONTENT, WEEK1_MID

US = timedelta(microseconds=1)
MS = timedelta(milliseconds=1)


@pytest.fixture(scope="module")
def contest() -> Contest:
    return parse_contest(read_yaml(CONTENT / "contest.yaml"))


def test_open_week_boundaries_opens_inclusive_closes_exclusive(contest: Contest) -> None:
    # Given the shipped four weeks
    for week in contest.weeks:
        # When the time is exactly the opening / just before closing / exactly the closing
        # Then the week is open from opens_at (inclusive) until closes_at (exclusive)
        assert open_week(contest, week.opens_at) == week
        assert open_week(contest, week.closes_at - US) == week
        assert open_week(contest, week.closes_at) is None
        assert open_week(contest, week.opens_at - US) != week


def test_no_open_week_between_weeks_before_or_after(contest: Contest) -> None:
    # Given the shipped weeks (closing Sunday 19:00, next opening Monday 00:00)
    first, last = contest.weeks[0], contest.weeks[-1]
    # When the time is before the first week, in a gap, or after the last week
    # Then no week is open
    assert open_week(contest, first.opens_at - timedelta(days=1)) is None
    assert open_week(contest, first.opens_at - US) is None
    for before, after in zip(contest.weeks, contest.weeks[1:], strict=False):
        assert open_week(contest, before.closes_at + timedelta(hours=2)) is None
        assert open_week(contest, after.opens_at - US) is None
    assert open_week(contest, last.closes_at) is None
    assert open_week(contest, last.closes_at + timedelta(days=30)) is None


def test_week1_middle_is_week1(contest: Contest) -> None:
    # Given / When the middle of week 1 / Then week 1 is open
    week = open_week(contest, WEEK1_MID)
    assert week is not None and week.number == 1


def test_week_to_close_is_the_latest_week_whose_results_time_has_come(contest: Contest) -> None:
    # Given the shipped weeks
    weeks = contest.weeks
    # When nothing is due yet
    # Then nothing is closed
    assert week_to_close(contest, weeks[0].results_at - US) is None
    for i, week in enumerate(weeks):
        # When the time is exactly a week's results time, or just before the next one
        # Then that week (the latest due) is the one to close
        assert week_to_close(contest, week.results_at) == week
        later = weeks[i + 1].results_at - US if i + 1 < len(weeks) else week.results_at + timedelta(days=60)
        assert week_to_close(contest, later) == week


def test_attempt_expiry_is_the_time_limit(contest: Contest) -> None:
    # Given an attempt issued in the middle of week 1
    week = contest.weeks[0]
    # When its deadline is computed
    expiry = attempt_expiry(week, contest.quiz, WEEK1_MID)
    # Then it is issued + the time limit (30 minutes in the shipped contest)
    assert expiry == WEEK1_MID + timedelta(seconds=contest.quiz.time_limit_seconds)


@pytest.mark.shipped_content
def test_shipped_attempt_time_limit_and_grace(contest: Contest) -> None:
    # Given / When the shipped contest / Then 30 minutes per attempt and 30 seconds of network grace
    assert contest.quiz.time_limit_seconds == 30 * 60
    assert contest.quiz.grace_seconds == 30


def test_attempt_expiry_is_capped_at_the_close(contest: Contest) -> None:
    # Given attempts issued 10 minutes and 1 µs before the week closes
    week = contest.weeks[0]
    for issued in (week.closes_at - timedelta(minutes=10), week.closes_at - US):
        # When the deadline is computed
        # Then it is the week's closing time, not issued + the time limit
        assert attempt_expiry(week, contest.quiz, issued) == week.closes_at


def test_submission_accepted_until_expiry_plus_grace_inclusive(contest: Contest) -> None:
    # Given an attempt's deadline
    expires = WEEK1_MID + timedelta(seconds=contest.quiz.time_limit_seconds)
    grace = timedelta(seconds=contest.quiz.grace_seconds)
    # When a submission arrives at the deadline, at deadline + grace, and 1 ms later
    # Then it counts up to deadline + grace (inclusive) and not 1 ms after
    assert accepts_submission(expires, contest.quiz, expires) is True
    assert accepts_submission(expires, contest.quiz, expires + grace) is True
    assert accepts_submission(expires, contest.quiz, expires + grace + MS) is False
