"""Scoring a submission against the answer key. Pure."""

from __future__ import annotations

from contest.errors import InvalidAnswer
from contest.model import OPTION_KEYS, Attempt, Question


def check_answers(attempt: Attempt, answers: dict[str, str]) -> None:
    """Answers may only name this attempt's questions and displayed options A-D."""
    asked = set(attempt.question_ids)
    for question_id, option in answers.items():
        if question_id not in asked or option not in OPTION_KEYS:
            raise InvalidAnswer()


def score(attempt: Attempt, answers: dict[str, str], by_id: dict[str, Question]) -> int:
    """One point per correct answer; unanswered counts as wrong."""
    points = 0
    for question_id, order in zip(attempt.question_ids, attempt.orders, strict=True):
        chosen = answers.get(question_id)
        if chosen is None:
            continue
        original_key = order[OPTION_KEYS.index(chosen)]
        if original_key == by_id[question_id].correct:
            points += 1
    return points


def ranked_duration(duration_ms: int, resolution: str) -> int:
    """Duration at the resolution used for ranking (milliseconds are always stored)."""
    return duration_ms // 1000 if resolution == "seconds" else duration_ms
