"""Week windows: which week is open, which is due to close, and an attempt's deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from contest.model import Contest, QuizRules, Week


def open_week(contest: Contest, now: datetime) -> Week | None:
    return next((w for w in contest.weeks if w.opens_at <= now < w.closes_at), None)


def week_to_close(contest: Contest, now: datetime) -> Week | None:
    """The latest week whose results time has come (what the Sunday schedule closes)."""
    due = [w for w in contest.weeks if w.results_at <= now]
    return max(due, key=lambda w: w.results_at) if due else None


def attempt_expiry(week: Week, rules: QuizRules, issued_at: datetime) -> datetime:
    """The deadline shown to the contestant: time limit, cut at the week's close."""
    return min(issued_at + timedelta(seconds=rules.time_limit_seconds), week.closes_at)


def accepts_submission(expires_at: datetime, rules: QuizRules, received_at: datetime) -> bool:
    """A submission counts if it reaches the server within the deadline plus the network grace."""
    return received_at <= expires_at + timedelta(seconds=rules.grace_seconds)
