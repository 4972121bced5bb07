"""No timing oracle on the code-sending routes: whether a code was sent or not, every request of
register, reclaim, resend and password reset goes through the same pacing (contest.api.pacing), which ends it at
a constant floor. Proven without timing: a recording pacer counts the requests it paced, and the test checks
that both the paths that sent an SMS and the ones that did not were paced, once each."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.integration.conftest import load_handlers
from tests.support import DEFAULT_UNIT, PHONES, Api, code_for, e164


class RecordingPacer:
    def __init__(self) -> None:
        self.paced = 0

    @contextmanager
    def __call__(self):
        self.paced += 1
        yield


@pytest.fixture
def pacer():
    return RecordingPacer()


@pytest.fixture
def api(repo, clock, sender, pacer):
    return Api(load_handlers(clock, sender, pace=pacer))


def paced_once(api, pacer, sender, call) -> bool:
    """Run one request; True when it sent an SMS. It must have been paced exactly once either way."""
    before_paced, before_sent = pacer.paced, len(sender.sent)
    reply = call()
    assert reply.status < 500, reply.body
    assert pacer.paced == before_paced + 1, "every code-sending request is paced, on every path"
    return len(sender.sent) > before_sent


def test_every_code_sending_route_is_paced_whether_or_not_it_sends(api, pacer, sender):
    free, known, unknown = PHONES[10], PHONES[11], PHONES[12]
    sent = {"register a free number": paced_once(api, pacer, sender, lambda: api.register(free))}
    code = code_for(sender.sent, e164(free))
    assert api.post("/api/verify", {"phone": free, "code": code}).status == 200
    sent["register a taken number"] = paced_once(api, pacer, sender, lambda: api.register(free, name="Người Khác"))
    assert api.register(known).status == 201
    sent |= {
        "resend to an unverified account": paced_once(
            api, pacer, sender, lambda: api.post("/api/verify/resend", {"phone": known})
        ),
        "resend to an unknown number": paced_once(
            api, pacer, sender, lambda: api.post("/api/verify/resend", {"phone": unknown})
        ),
        "reset a registered number": paced_once(
            api, pacer, sender, lambda: api.post("/api/password/reset", {"phone": free})
        ),
        "reset an unknown number": paced_once(
            api, pacer, sender, lambda: api.post("/api/password/reset", {"phone": unknown})
        ),
    }
    # Then both kinds of path were exercised (the pacing is what makes them take the same time)
    assert sent["register a free number"] and sent["reset a registered number"]
    assert not sent["reset an unknown number"] and not sent["resend to an unknown number"]


def test_a_refused_request_is_paced_too(api, pacer):
    # A request without its proof of work is refused before anything else: still paced
    before = pacer.paced
    reply = api.post("/api/password/reset", {"phone": PHONES[13]}, proof=False)
    assert reply.status == 428
    assert pacer.paced == before + 1


def test_routes_that_send_nothing_are_not_paced(api, pacer):
    before = pacer.paced
    api.login(PHONES[14])
    api.get("/api/units")
    assert pacer.paced == before


class TestAtAward:
    """at_award: registration never sends a code, and a registrant learns whether the number was free anyway (a
    session opens exactly then), so registration is not paced (it would bill ≈ 2.5 s per registration for
    nothing); the routes that can still send a code (reclaim, password reset) stay paced on every path."""

    @pytest.fixture
    def content(self):
        from tests.support import make_content

        return make_content(contest_changes={"registration.verification": "at_award"})

    def test_registration_sends_nothing_and_is_not_paced(self, api, pacer, sender):
        before = pacer.paced
        assert api.register(PHONES[20]).status == 201
        assert api.register(PHONES[20], name="Người Khác").status == 201  # taken: the same answer
        assert pacer.paced == before and sender.sent == []

    def test_reclaim_and_reset_stay_paced(self, api, pacer, sender):
        assert api.register(PHONES[21]).status == 201
        reclaim = {"full_name": "Chủ Số Thật", "phone": PHONES[21], "unit_id": DEFAULT_UNIT, "password": "mat-khau-123"}
        paced_once(api, pacer, sender, lambda: api.post("/api/reclaim", {**reclaim, "consent": True}))
        paced_once(api, pacer, sender, lambda: api.post("/api/password/reset", {"phone": PHONES[21]}))
