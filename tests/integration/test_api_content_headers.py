"""Every API answer, success or error, names the loaded content's version (X-Contest-Content) and the server's time in
ms (X-Contest-Now), set once by the resolver (contest.api.http.GuardedResolver), not per route: the site compares the
version with the one its pages were built with and keeps the clock offset, so no page asks GET /api/contest while
they match (site/docs/assets/js/core.js)."""

from __future__ import annotations

from contest.content.loader import bundle_of
from tests.support import ORIGIN_SECRET, LambdaContext, event


def _routes(api):
    for module in api.functions.values():
        for route in module.app._static_routes + module.app._dynamic_routes:
            yield module, route.method, route.path


def test_every_answer_of_every_route_carries_the_content_version_and_the_server_time(api, content, clock) -> None:
    version = bundle_of(content)["version"]
    now_ms = str(int(clock.now().timestamp() * 1000))
    seen = 0
    for module, method, path in _routes(api):
        # no session, no body, no proof: a success for the public routes, a documented 4xx for the others
        ev = event(method, path.replace("<", "").replace(">", ""), None, {}, "203.0.113.9")
        answer = module.lambda_handler(ev, LambdaContext())
        headers = answer.get("headers") or {}
        assert headers.get("X-Contest-Content") == version, (method, path, answer["statusCode"], headers)
        assert headers.get("X-Contest-Now") == now_ms, (method, path, answer["statusCode"], headers)
        seen += 1
    assert seen >= 10


def test_success_and_error_answers_through_the_api_carry_both(api, content, clock) -> None:
    version = bundle_of(content)["version"]
    ok = api.get("/api/contest")
    refused = api.get("/api/me")  # no session: 401
    missing = api.get("/api/nothing-here")  # 404
    assert (ok.status, refused.status, missing.status) == (200, 401, 404)
    for reply in (ok, refused, missing):
        assert reply.headers["X-Contest-Content"] == version
        assert int(reply.headers["X-Contest-Now"]) == int(clock.now().timestamp() * 1000)


def test_a_request_that_did_not_come_through_cloudfront_still_says_the_time(api) -> None:
    module = api.functions["info"]
    ev = event("GET", "/api/contest")
    assert ev["headers"].pop("x-contest-origin") == ORIGIN_SECRET
    answer = module.lambda_handler(ev, LambdaContext())
    assert answer["statusCode"] == 403
    assert answer["headers"]["X-Contest-Now"].isdigit()
