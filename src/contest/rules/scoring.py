"""Scoring a submission against the answer key. Pure."""

from __future__ import annotations

from contest.rules.errors import InvalidAnswer
from contest.rules.model import OPTION_LETTERS, Attempt, Question


def check_answers(attempt: Attempt, answers: dict[str, str]) -> None:
    """Answers may only name this attempt's questions and their displayed options (A-D with four options)."""
    shown = dict(zip(attempt.question_ids, attempt.orders, strict=True))
    for question_id, option in answers.items():
        order = shown.get(question_id)
        if (
            order is None
            or not isinstance(option, str)
            or len(option) != 1
            or option not in OPTION_LETTERS[: len(order)]
        ):
            raise InvalidAnswer()


def score(attempt: Attempt, answers: dict[str, str], by_id: dict[str, Question], points_per_question: int = 1) -> int:
    """`points_per_question` (quiz.points_per_question) per correct answer; unanswered counts as wrong."""
    points = 0
    for question_id, order in zip(attempt.question_ids, attempt.orders, strict=True):
        chosen = answers.get(question_id)
        if chosen is None:
            continue
        original_key = order[OPTION_LETTERS.index(chosen)]
        if original_key == by_id[question_id].correct:
            points += points_per_question
    return points


def ranked_duration(duration_ms: int, resolution: str) -> int:
    """Duration at the resolution used for ranking (milliseconds are always stored)."""
    return duration_ms // 1000 if resolution == "seconds" else duration_ms
