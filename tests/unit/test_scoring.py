"""scoring: one point per correct answer through the shuffled labels; strict answer checks; ranking order."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.rules.draw import draw
from contest.rules.errors import InvalidAnswer
from contest.rules.model import OPTION_KEYS, Attempt
from contest.rules.scoring import check_answers, ranked_duration, score
from contest.services.quiz import better, request_hash
from tests.support import make_bank

BANK = make_bank(weeks=1, per_week=40)
POOL = BANK.pool(1)
BY_ID = BANK.by_id()
COUNT = 15


def attempt_for(seed: int) -> Attempt:
    ids, orders = draw(POOL, COUNT, random.Random(seed))
    return Attempt(
        account_id="acc",
        week=1,
        number=1,
        attempt_id="att",
        question_ids=ids,
        orders=orders,
        issued_at_ms=0,
        expires_at_ms=1_800_000,
    )


def right_label(attempt: Attempt, index: int) -> str:
    """The displayed label under which the question's correct option was shown."""
    qid, order = attempt.question_ids[index], attempt.orders[index]
    return OPTION_KEYS[order.index(BY_ID[qid].correct)]


def all_right(attempt: Attempt) -> dict[str, str]:
    return {qid: right_label(attempt, i) for i, qid in enumerate(attempt.question_ids)}


@given(seed=st.integers(min_value=0, max_value=2**64))
def test_right_displayed_choices_give_full_score(seed: int) -> None:
    # Given a drawn attempt, When every question is answered with the label showing its correct option
    attempt = attempt_for(seed)
    # Then the score is full
    assert score(attempt, all_right(attempt), BY_ID) == COUNT


@given(seed=st.integers(min_value=0, max_value=2**64))
def test_no_answers_give_zero(seed: int) -> None:
    # Given a drawn attempt, When nothing is answered, Then the score is 0
    assert score(attempt_for(seed), {}, BY_ID) == 0


@given(seed=st.integers(min_value=0, max_value=2**64), data=st.data())
def test_each_wrong_choice_costs_exactly_one_point(seed: int, data: st.DataObject) -> None:
    # Given a drawn attempt answered right, then some questions switched to a wrong label
    attempt = attempt_for(seed)
    answers = all_right(attempt)
    wrong = data.draw(st.sets(st.integers(min_value=0, max_value=COUNT - 1)))
    for index in wrong:
        right = right_label(attempt, index)
        answers[attempt.question_ids[index]] = data.draw(st.sampled_from([k for k in OPTION_KEYS if k != right]))
    # When it is scored
    # Then each wrong choice costs exactly one point
    assert score(attempt, answers, BY_ID) == COUNT - len(wrong)


@given(seed=st.integers(min_value=0, max_value=2**64), data=st.data())
def test_each_unanswered_question_costs_exactly_one_point(seed: int, data: st.DataObject) -> None:
    # Given a right answer sheet with some questions left out
    attempt = attempt_for(seed)
    answers = all_right(attempt)
    skipped = data.draw(st.sets(st.sampled_from(attempt.question_ids)))
    for qid in skipped:
        del answers[qid]
    # When it is scored, Then each skipped question costs one point
    assert score(attempt, answers, BY_ID) == COUNT - len(skipped)


def test_the_original_key_letter_does_not_score_when_shuffled() -> None:
    # Given an attempt where a question's correct option is shown under another label
    attempt = attempt_for(7)
    index = next(i for i in range(COUNT) if right_label(attempt, i) != BY_ID[attempt.question_ids[i]].correct)
    qid = attempt.question_ids[index]
    # When the contestant answers with the original (file) letter of the correct option
    answers = {qid: BY_ID[qid].correct}
    # Then it does not score: answers are the displayed labels
    assert score(attempt, answers, BY_ID) == 0


def test_check_answers_accepts_this_attempts_questions_and_labels() -> None:
    # Given an attempt, When answers name its questions with labels A-D, Then they are accepted
    attempt = attempt_for(3)
    answers = {qid: OPTION_KEYS[i % 4] for i, qid in enumerate(attempt.question_ids)}
    assert check_answers(attempt, answers) is None
    assert check_answers(attempt, {}) is None


def test_check_answers_refuses_an_unknown_question() -> None:
    # Given an attempt, When an answer names a question not in it (even one from the bank)
    attempt = attempt_for(3)
    outside = next(q.id for q in POOL if q.id not in attempt.question_ids)
    for qid in (outside, "no-such-question", ""):
        # Then it is refused
        with pytest.raises(InvalidAnswer):
            check_answers(attempt, {attempt.question_ids[0]: "A", qid: "B"})


@pytest.mark.parametrize("option", ["E", "a", "", "AB", "1", " A", None, 0])
def test_check_answers_refuses_an_option_outside_a_to_d(option: object) -> None:
    # Given an attempt, When an answer gives an option other than A-D
    attempt = attempt_for(3)
    # Then it is refused
    with pytest.raises(InvalidAnswer):
        check_answers(attempt, {attempt.question_ids[0]: option})  # type: ignore[dict-item]


@pytest.mark.parametrize(("ms", "seconds"), [(0, 0), (999, 0), (1000, 1), (1999, 1), (61_500, 61), (1_799_999, 1799)])
def test_ranked_duration_truncates_to_whole_seconds(ms: int, seconds: int) -> None:
    # Given a stored duration in ms, When ranked at "seconds", Then it is truncated (not rounded)
    assert ranked_duration(ms, "seconds") == seconds
    # and kept as-is at "milliseconds"
    assert ranked_duration(ms, "milliseconds") == ms


# --- services.quiz pure helpers -----------------------------------------------------------------


def test_request_hash_is_stable_and_order_independent() -> None:
    # Given the same answers in another insertion order
    # When hashed, Then the digest is the same (a retry is recognised)
    assert request_hash({"q1": "A", "q2": "B"}, 5) == request_hash({"q2": "B", "q1": "A"}, 5)


@pytest.mark.parametrize(
    ("answers", "prediction"),
    [({"q1": "A", "q2": "C"}, 5), ({"q1": "A", "q2": "B"}, 6), ({"q1": "A"}, 5), ({}, 5)],
)
def test_request_hash_changes_with_any_answer_or_the_prediction(answers: dict[str, str], prediction: int) -> None:
    # Given a submission, When any answer or the prediction differs, Then the digest differs
    assert request_hash(answers, prediction) != request_hash({"q1": "A", "q2": "B"}, 5)


def submitted(score_: int, duration_ms: int) -> Attempt:
    return replace(attempt_for(1), score=score_, duration_ms=duration_ms, submitted_at_ms=duration_ms)


def test_better_prefers_higher_score_then_shorter_duration() -> None:
    # Given submitted attempts
    # When / Then a higher score wins whatever the durations
    assert better(submitted(10, 900_000), submitted(9, 1_000), "seconds")
    assert not better(submitted(9, 1_000), submitted(10, 900_000), "seconds")
    # and at equal score the shorter duration wins
    assert better(submitted(10, 60_000), submitted(10, 61_000), "seconds")
    assert not better(submitted(10, 61_000), submitted(10, 60_000), "seconds")


def test_better_is_strict_and_uses_the_ranking_resolution() -> None:
    # Given two attempts with one score, 60.2 s and 60.9 s
    fast, slow = submitted(10, 60_200), submitted(10, 60_900)
    # When compared at whole seconds, Then neither is better (a tie), nor is one better than itself
    assert not better(fast, slow, "seconds") and not better(slow, fast, "seconds")
    assert not better(fast, fast, "milliseconds")
    # When compared at milliseconds, Then the faster one is better
    assert better(fast, slow, "milliseconds") and not better(slow, fast, "milliseconds")
