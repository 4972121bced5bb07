"""draw: a random subset of the week's pool with options shuffled; what the client sees holds no key."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.rules.draw import displayed_questions, draw
from contest.rules.model import OPTION_KEYS
from tests.support import make_bank

BANK = make_bank(weeks=2, per_week=40)
POOL = BANK.pool(1)
BY_ID = BANK.by_id()


@given(seed=st.integers(min_value=0, max_value=2**64), count=st.integers(min_value=1, max_value=len(POOL)))
def test_draw_picks_count_distinct_questions_from_the_pool(seed: int, count: int) -> None:
    # Given a week's pool and a seeded generator
    # When `count` questions are drawn
    ids, orders = draw(POOL, count, random.Random(seed))
    # Then there are `count` distinct ids, all from the pool, each with a permutation of ABCD
    assert len(ids) == count == len(set(ids)) == len(orders)
    assert set(ids) <= {q.id for q in POOL}
    for order in orders:
        assert sorted(order) == list(OPTION_KEYS)


def test_draw_varies_with_the_seed() -> None:
    # Given two different seeds
    # When 15 questions are drawn with each
    first = draw(POOL, 15, random.Random(1))
    second = draw(POOL, 15, random.Random(2))
    # Then the draws differ (subset or order), and one seed always gives the same draw
    assert first != second
    assert first == draw(POOL, 15, random.Random(1))


def test_option_orders_are_actually_shuffled() -> None:
    # Given many draws
    orders = {order for seed in range(50) for order in draw(POOL, 15, random.Random(seed))[1]}
    # When / Then many different permutations appear (not always ABCD)
    assert len(orders) > 12


def test_pool_smaller_than_count_is_an_error() -> None:
    # Given a pool of 3 questions
    # When 4 are asked for
    # Then it refuses instead of drawing fewer
    with pytest.raises(ValueError, match="pool"):
        draw(POOL[:3], 4, random.Random(0))


@given(seed=st.integers(min_value=0, max_value=2**32))
def test_displayed_questions_carry_no_answer_key(seed: int) -> None:
    # Given a drawn attempt
    ids, orders = draw(POOL, 15, random.Random(seed))
    # When the questions are prepared for the client
    shown = displayed_questions(ids, orders, BY_ID)
    # Then each holds only id, text and options [id, text] relabelled A-D, and nothing names the key
    assert [q["id"] for q in shown] == list(ids)
    for item, qid, order in zip(shown, ids, orders, strict=True):
        question = BY_ID[qid]
        assert set(item) == {"id", "text", "options"}
        assert item["text"] == question.text
        options = item["options"]
        assert isinstance(options, list)
        assert [o["id"] for o in options] == list(OPTION_KEYS)
        for option, original in zip(options, order, strict=True):
            assert set(option) == {"id", "text"}
            assert option["text"] == question.options[original]
    serialized = json.dumps(shown, ensure_ascii=False)
    assert "correct" not in serialized
    assert "difficulty" not in serialized and "source" not in serialized
