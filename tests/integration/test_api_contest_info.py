"""/api/contest names what the site needs to show any contest: the currency, the time zone, the number
of options, the points per question and the maximum score — from contest.yaml, never assumed by the pages."""

from __future__ import annotations


def test_contest_info_carries_currency_time_zone_options_and_points(api, content) -> None:
    body = api.get("/api/contest").body
    quiz = content.contest.quiz
    assert body["currency"] == content.contest.currency and body["timezone"] == content.contest.timezone
    assert body["options_per_question"] == quiz.options_per_question
    assert body["points_per_question"] == quiz.points_per_question
    assert body["max_score"] == quiz.questions_per_attempt * quiz.points_per_question
