"""Week windows: which week is open, which is due to close, and an attempt's deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from contest.rules.model import Contest, QuizRules, Week


def open_week(contest: Contest, now: datetime) -> Week | None:
    return next((w for w in contest.weeks if w.opens_at <= now < w.closes_at), None)


def week_to_close(contest: Contest, now: datetime) -> Week | None:
    """The latest week whose results time has come (what the close schedule closes)."""
    due = [w for w in contest.weeks if w.results_at <= now]
    return max(due, key=lambda w: w.results_at) if due else None


def attempt_expiry(week: Week, rules: QuizRules, issued_at: datetime) -> datetime:
    """The deadline shown to the contestant: time limit, cut at the week's close."""
    return min(issued_at + timedelta(seconds=rules.time_limit_seconds), week.closes_at)


def accepts_submission(expires_at: datetime, rules: QuizRules, received_at: datetime) -> bool:
    """A submission counts if it reaches the server within the deadline plus the network grace."""
    return received_at <= expires_at + timedelta(seconds=rules.grace_seconds)


CRON_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class CloseSchedule:
    """When the weekly close runs: infra/template.yaml's CloseWeekMinutes / Hours / Days / Timezone parameters,
    generated from content/contest.yaml at deploy (`python infra/stack.py parameters`)."""

    minutes: str  # "0" or "0,30"
    hours: str  # "20"
    days: str  # "SUN" or "SAT,SUN"
    timezone: str  # "Asia/Ho_Chi_Minh"

    @property
    def expression(self) -> str:
        return f"cron({self.minutes} {self.hours} ? * {self.days} *)"

    def parameters(self) -> dict[str, str]:
        return {
            "CloseWeekMinutes": self.minutes,
            "CloseWeekHours": self.hours,
            "CloseWeekDays": self.days,
            "CloseWeekTimezone": self.timezone,
        }


def close_schedule(contest: Contest) -> CloseSchedule:
    """The schedule that fires at every week's `results_at`, in the contest's time zone.

    One cron covers every results time: the minutes × hours × weekdays they use. When the weeks share one
    results time (the usual case) it fires exactly then; otherwise it may also fire at a combination no week
    uses, which is harmless: the close then finds nothing due, or a week already closed, and does nothing."""
    zone = ZoneInfo(contest.timezone)
    local = [w.results_at.astimezone(zone) for w in contest.weeks]
    if any(t.second or t.microsecond for t in local):
        raise ValueError("results_at must fall on a whole minute: the scheduler fires on minutes")
    return CloseSchedule(
        minutes=",".join(str(m) for m in sorted({t.minute for t in local})),
        hours=",".join(str(h) for h in sorted({t.hour for t in local})),
        days=",".join(CRON_DAYS[d] for d in sorted({t.weekday() for t in local})),
        timezone=contest.timezone,
    )
