""" "Trang của tôi": each attempt carries its own maximum score, so the page shows the score out of the right
total when a question is worth more than one point."""

from __future__ import annotations

import pytest

from tests.integration.test_api_quiz import correct_answers
from tests.support import PHONES, PINNED_QUIZ_RULES, code_for, e164, make_content


@pytest.fixture
def content():
    return make_content(contest_changes={**PINNED_QUIZ_RULES, "quiz.points_per_question": 10})


def test_my_attempts_carry_their_maximum_score_in_points(api, sender, content):
    # Given a contest where each of the 15 questions is worth 10 points, and a contestant who answered all right
    assert api.register(PHONES[60]).status == 201
    code = code_for(sender.sent, e164(PHONES[60]))
    assert api.post("/api/verify", {"phone": PHONES[60], "code": code}).status == 200
    token = api.login(PHONES[60]).body["token"]
    quiz = api.post("/api/quiz", token=token).body
    body = {"token": quiz["token"], "answers": correct_answers(quiz, content), "prediction": 3}
    receipt = api.post("/api/submit", body, token=token).body
    # When they open "Trang của tôi"
    [attempt] = api.get("/api/me", token=token).body["attempts"]
    # Then the attempt says 150 of 150 points, as the receipt did (not 150 of 15 questions)
    assert (attempt["score"], attempt["max_score"]) == (150, 150)
    assert attempt["max_score"] == receipt["max_score"]
