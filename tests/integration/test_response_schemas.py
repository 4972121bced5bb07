"""Every route answers what docs/openapi.json documents, success and refusal alike.

`tests.support.Api` checks each reply of every integration test against the route's declared schema (closed:
an undocumented field fails, contest.api.schemas._closed). These tests make sure each declared route is actually
reached through it, with its success status and with a refusal (4xx), so no route escapes the check.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from contest.cli import app as cli
from contest.rules.perimeter import ORIGIN_HEADER
from tests.integration.test_api_quiz import correct_answers
from tests.integration.test_award_confirmation import close, take_part
from tests.support import (
    PHONES,
    PINNED_QUIZ_RULES,
    PINNED_WEEKLY_PRIZES,
    Api,
    code_for,
    declared_route,
    e164,
    make_content,
)

AWARD = ("POST", "/api/me/award")  # reached only in at_award, after a close: its own test below


def declared(api: Api) -> dict[tuple[str, str], int]:
    """(method, path) → success status, for every route of the handlers under test."""
    routes = {}
    for module in api.functions.values():
        for route in getattr(getattr(module, "app", None), "_static_routes", []):
            routes[(route.method, route.path)] = declared_route(module, route.method, route.path)["status"]
    return routes


def missing(api: Api, routes: dict[tuple[str, str], int]) -> list[str]:
    """Routes whose success status or whose refusal (any 4xx) was never checked."""
    gaps = []
    for (method, path), status in sorted(routes.items()):
        seen = {s for m, p, s in api.checked if (m, p) == (method, path)}
        if status not in seen:
            gaps.append(f"{method} {path} {status}")
        if not any(400 <= s < 500 for s in seen):
            gaps.append(f"{method} {path} 4xx")
    return gaps


def test_every_route_answers_as_documented_on_success_and_refusal(api, sender, content):
    phone, other = PHONES[40], PHONES[41]
    # public information
    assert api.get("/api/challenge").status == 200
    assert api.get("/api/units").status == 200
    assert api.get("/api/contest").status == 200
    for path in ("/api/challenge", "/api/units", "/api/contest"):  # not through CloudFront: refused
        assert api.get(path, headers={ORIGIN_HEADER: "not-the-secret"}).status == 403
    # registration, verification, sign-in
    assert api.register(phone).status == 201
    assert api.register(other, unit="no-such-unit").status in (400, 422)
    assert api.post("/api/verify/resend", {"phone": phone}).status == 200
    assert api.post("/api/verify/resend", {"phone": phone}, proof=False).status == 428
    assert api.post("/api/verify", {"phone": phone, "code": "000000"}).status == 400
    assert api.post("/api/verify", {"phone": phone, "code": code_for(sender.sent, e164(phone))}).status == 200
    assert api.login(phone, "sai-mat-khau-1").status == 401
    login = api.login(phone)
    assert login.status == 200
    token = login.body["token"]
    # the contestant's own pages
    assert api.get("/api/me").status == 401
    assert api.get("/api/me", token=token).status == 200
    assert api.get("/api/me/data").status == 401
    assert api.get("/api/me/data", token=token).status == 200
    optional = next(p.id for p in content.contest.consent_purposes if not p.required)
    assert api.post("/api/me/consents", {"purpose": "no-such-purpose", "given": False}, token=token).status == 422
    assert api.post("/api/me/consents", {"purpose": optional, "given": False}, token=token).status == 200
    assert api.get("/api/coordinator", token=token).status == 403
    # the quiz
    assert api.post("/api/quiz").status == 401
    quiz = api.post("/api/quiz", token=token)
    assert quiz.status == 200
    body = {"token": quiz.body["token"], "answers": correct_answers(quiz.body, content), "prediction": 7}
    assert api.post("/api/submit", body, token=token).status == 200
    assert api.post("/api/submit", body | {"prediction": 8}, token=token).status == 409  # carries the receipt
    # a coordinator's page
    result = CliRunner().invoke(cli, ["coordinators", "add", "--unit", content.units[0].id, "--phone", phone, "--aws"])
    assert result.exit_code == 0, result.output
    assert api.get("/api/coordinator", token=token).status == 200
    # password reset and reclaiming a number
    assert api.post("/api/password/reset", {"phone": phone}).status == 200
    assert api.post("/api/password/reset", {"phone": "12"}).status in (400, 422)
    reset = {"phone": phone, "code": "000000", "new_password": "mat-khau-moi-456"}
    assert api.post("/api/password/reset/confirm", reset).status == 400
    reset["code"] = code_for(sender.sent, e164(phone))
    assert api.post("/api/password/reset/confirm", reset).status == 200
    reclaim = {"full_name": "Chủ Số Thật", "phone": phone, "unit_id": content.units[0].id, "password": "mat-khau-9"}
    assert api.post("/api/reclaim", reclaim | {"consent": True}).status == 200
    assert api.post("/api/reclaim", reclaim | {"extra": 1}).status == 422
    # erasure, then signing out
    token = api.login(phone, "mat-khau-moi-456").body["token"]
    assert api.post("/api/me/erasure", {"password": "sai-mat-khau-1"}, token=token).status in (400, 401, 403)
    assert api.post("/api/me/erasure", {"password": "mat-khau-moi-456"}, token=token).status == 202
    assert api.post("/api/logout").status == 401
    assert api.post("/api/logout", token=token).status == 200
    # Then every route was checked on both paths (the award confirmation: the test below)
    routes = {route: status for route, status in declared(api).items() if route != AWARD}
    assert missing(api, routes) == []


class TestAtAward:
    @pytest.fixture
    def content(self):
        return make_content(
            contest_changes={"registration.verification": "at_award", **PINNED_QUIZ_RULES, **PINNED_WEEKLY_PRIZES}
        )

    @pytest.fixture
    def api(self, repo, clock, sender):
        from tests.integration.conftest import load_handlers

        return Api(load_handlers(clock, sender, names=("register", "account", "info", "quiz", "submit", "close_week")))

    def test_the_award_confirmation_answers_as_documented(self, api, sender, clock, content):
        token = take_part(api, clock, content, PHONES[42], "Người Đoạt Giải", 15, 100)
        clock.at = content.contest.weeks[0].results_at
        assert close(api)["status"] == "published"
        token = api.login(PHONES[42]).body["token"]
        assert api.post("/api/me/award", {"week": 1, "code": "000000"}, token=token).status == 400
        code = code_for(sender.sent, e164(PHONES[42]))
        assert api.post("/api/me/award", {"week": 1, "code": code}, token=token).status == 200
        assert missing(api, {AWARD: 200}) == []
