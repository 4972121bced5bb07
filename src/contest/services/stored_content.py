"""The contest content as the handlers see it: the bundle stored in the table (`contest content load` writes it;
`contest.content.loader` parses files and bundle alike), read once, cached, refreshed now and then; and its public
views."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from contest.content.loader import Content, content_from_bundle
from contest.rules.clock import Clock, iso
from contest.rules.errors import ContentMissing
from contest.rules.weeks import open_week


class ContentSource:
    def __init__(self, load: Callable[[], dict[str, Any] | None], max_age_s: float = 60.0) -> None:
        self._load = load
        self._max_age_s = max_age_s
        self._content: Content | None = None
        self._loaded_at = 0.0

    def get(self) -> Content:
        if self._content is None or time.monotonic() - self._loaded_at > self._max_age_s:
            bundle = self._load()
            if bundle is None:
                if self._content is None:
                    raise ContentMissing()
            elif self._content is None or bundle.get("version") != self._content.raw.get("version"):
                self._content = content_from_bundle(bundle)
            self._loaded_at = time.monotonic()
        assert self._content is not None
        return self._content

    def version(self) -> str | None:
        """The version of the content in use (refreshed as `get` refreshes it)."""
        return self.get().raw.get("version")

    def loaded_version(self) -> str | None:
        """The version already in memory, without reading the table; None before the first read."""
        return self._content.raw.get("version") if self._content is not None else None

    @classmethod
    def fixed(cls, content: Content) -> ContentSource:
        source = cls(lambda: None)
        source._content = content
        source._loaded_at = float("inf")
        return source


def units(content: Content) -> dict[str, Any]:
    return {
        "groups": [{"id": g.id, "name": g.name} for g in content.groups],
        "units": [
            {"id": u.id, "name": u.name, "group": u.group, "group_name": content.group_name(u.group)}
            for u in content.units
        ],
    }


def contest_facts(content: Content) -> dict[str, Any]:
    """The contest's public facts that do not depend on the time: `contest_info` without `now` and `open_week`.
    The site build writes them (with the content's version) into every page
    (contest.organisers.sitebuild.page_contest), so
    a page needs no GET /api/contest while the content it was built with is the one loaded. Never a participant
    count (it would give away the prediction)."""
    contest = content.contest
    return {
        "name": contest.name,
        "theme": contest.theme,
        "questions_per_attempt": contest.quiz.questions_per_attempt,
        "options_per_question": contest.quiz.options_per_question,
        "points_per_question": contest.quiz.points_per_question,
        "max_score": contest.quiz.max_score,
        "attempts_per_week": contest.quiz.attempts_per_week,
        "currency": contest.currency,
        "timezone": contest.timezone,
        "time_limit_seconds": contest.quiz.time_limit_seconds,
        "show_score_on_submit": contest.quiz.show_score_on_submit,
        "phone_verification": contest.phone_verification,
        "verification": contest.verification,
        "award_confirmation_hours": contest.award_confirmation_hours,
        "consent_version": contest.consent_version,
        "consent_text": contest.consent_text,
        "consent_purposes": [
            {"id": p.id, "title": p.title, "text": p.text, "required": p.required} for p in contest.consent_purposes
        ],
        "weeks": [
            {
                "number": w.number,
                "opens_at": iso(w.opens_at),
                "closes_at": iso(w.closes_at),
                "results_at": iso(w.results_at),
            }
            for w in contest.weeks
        ],
    }


def contest_info(content: Content, clock: Clock) -> dict[str, Any]:
    """Public facts about the contest (`contest_facts`) with the server's time and the week open at it."""
    now = clock.now()
    current = open_week(content.contest, now)
    return {"now": iso(now), "open_week": current.number if current else None, **contest_facts(content)}
