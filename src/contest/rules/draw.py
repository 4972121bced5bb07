"""Drawing a contestant's questions: a random subset of the week's pool, options shuffled."""

from __future__ import annotations

import random
from typing import Any

from contest.rules.model import OPTION_LETTERS, Question


def draw(pool: tuple[Question, ...], count: int, rng: random.Random) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (question ids in display order, per question the original option keys in display order)."""
    if len(pool) < count:
        raise ValueError(f"pool has {len(pool)} questions, {count} needed")
    chosen = rng.sample(list(pool), count)
    orders = []
    for question in chosen:
        keys = sorted(question.options)  # A B C D (quiz.options_per_question letters)
        rng.shuffle(keys)
        orders.append("".join(keys))
    return tuple(q.id for q in chosen), tuple(orders)


def displayed_questions(
    question_ids: tuple[str, ...], orders: tuple[str, ...], by_id: dict[str, Question]
) -> list[dict[str, Any]]:
    """What the client sees: text and options relabelled A, B, C, … in the shuffled order. No answer key."""
    shown = []
    for qid, order in zip(question_ids, orders, strict=True):
        question = by_id[qid]
        options = [{"id": OPTION_LETTERS[i], "text": question.options[key]} for i, key in enumerate(order)]
        shown.append({"id": qid, "text": question.text, "options": options})
    return shown
