"""The SMS brandname gateway channel against a fake gateway: a real HTTP server on 127.0.0.1 that
accepts, answers 5xx, answers a wrong body, or answers too late. The register handler is built from the
environment exactly as on AWS (CONTEST_SMS_SENDER=gateway), only the clock is fixed.

Whatever the gateway does: the registration is stored, the contestant gets a clear Vietnamese message and can
ask for the code again, and no message is charged twice.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contest.local.stack import load_function
from contest.rules.sms import gsm7_septets
from tests.support import PHONES, ROOT, Api, code_for, e164, make_content

CREDENTIALS = {"brandname": "STTTT-HATINH", "username": "contest", "password": "gateway-pass"}


class FakeGateway:
    """Charges a message when it accepts it (once per request id, like a de-duplicating provider)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict] = []
        self.charged: Counter[str] = Counter()  # request_id -> messages charged
        self.delivered: list[tuple[str, str]] = []  # (E.164, text) as the phone sees them
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append({"auth": self.headers.get("Authorization"), **body})
                mode = gateway.mode
                if mode == "error":
                    return self._answer(503, {"code": "SERVICE_UNAVAILABLE"})
                if mode == "wrong":
                    return self._answer(200, {"code": "99", "message": "template not approved"})
                if mode == "slow":
                    time.sleep(1.5)  # past the sender's timeout, but the message goes out
                if gateway.charged[body["request_id"]] == 0:
                    gateway.delivered.append(("+" + body["phone"], body["message"]))
                gateway.charged[body["request_id"]] = 1
                self._answer(200, {"code": "00", "message": "accepted"})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def sent_to(self, phone: str) -> int:
        return sum(1 for to, _ in self.delivered if to == e164(phone))


@pytest.fixture
def gateway():
    fake = FakeGateway()
    yield fake
    fake.stop()


@pytest.fixture
def api(repo, clock, gateway, monkeypatch):
    monkeypatch.setenv("CONTEST_SMS_SENDER", "gateway")
    monkeypatch.setenv("CONTEST_SMS_GATEWAY_URL", gateway.url)
    monkeypatch.setenv("CONTEST_SMS_GATEWAY_SECRET", json.dumps(CREDENTIALS))
    monkeypatch.setenv("CONTEST_SMS_GATEWAY_TIMEOUT_SECONDS", "0.5")
    module = load_function(ROOT / "functions" / "register" / "app.py", "register", clock=clock)
    return Api({"register": module})


def test_a_code_goes_out_as_one_gsm7_part_with_the_brandname_and_credentials(api, gateway):
    # When a contestant registers
    reply = api.register(PHONES[0])
    # Then the gateway got one authenticated request for one 160-septet part, from the brandname
    assert reply.status == 201 and reply.body["code_sent"] is True
    (request,) = gateway.requests
    assert request["auth"] == "Basic " + base64.b64encode(b"contest:gateway-pass").decode()
    assert request["brandname"] == "STTTT-HATINH" and request["phone"] == e164(PHONES[0]).lstrip("+")
    septets = gsm7_septets(request["message"])
    assert septets is not None and septets <= 160, request["message"]
    assert request["request_id"]
    # And the code in it verifies the phone
    code = code_for(gateway.delivered, e164(PHONES[0]))
    assert api.post("/api/verify", {"phone": PHONES[0], "code": code}).status == 200


@pytest.mark.parametrize("mode", ["error", "wrong"])
def test_a_failing_gateway_loses_nothing_and_the_retry_sends_once(api, gateway, repo, mode):
    # Given a gateway that answers 5xx, or 200 with a refusal in its body
    gateway.mode = mode
    # When a contestant registers
    reply = api.register(PHONES[1])
    # Then the registration is stored, nothing was charged, and the message says to retry
    assert reply.status == 201 and reply.body["code_sent"] is False
    assert "chưa gửi được mã" in reply.body["message"] and "sự cố" in reply.body["message"]
    assert sum(gateway.charged.values()) == 0
    claim = repo.phones.claim(e164(PHONES[1]))
    assert claim is not None and repo.accounts.account(claim.account_id) is not None
    # And asking again at once while it still fails answers as always (no oracle) and charges nothing
    assert api.post("/api/verify/resend", {"phone": PHONES[1]}).status == 200
    assert sum(gateway.charged.values()) == 0
    # When the gateway recovers, one retry sends exactly one message, and its code verifies
    gateway.mode = "ok"
    assert api.post("/api/verify/resend", {"phone": PHONES[1]}).status == 200
    assert sum(gateway.charged.values()) == 1 and gateway.sent_to(PHONES[1]) == 1
    code = code_for(gateway.delivered, e164(PHONES[1]))
    assert api.post("/api/verify", {"phone": PHONES[1], "code": code}).status == 200


def test_a_slow_gateway_never_makes_one_retry_charge_twice(api, gateway, clock):
    # Given a gateway that answers after the sender's timeout (the message does go out)
    gateway.mode = "slow"
    # When a contestant registers and at once asks again
    reply = api.register(PHONES[2])
    again = api.post("/api/verify/resend", {"phone": PHONES[2]})
    # Then the registration is stored, they are told the message may still arrive, and the immediate retry
    # answers as always but does not send (and charge) a second message
    assert reply.status == 201 and reply.body["code_sent"] is False
    assert "Chưa xác nhận được" in reply.body["message"]
    assert again.status == 200
    time.sleep(1.2)  # let the slow gateway finish its one delivery
    assert sum(gateway.charged.values()) == 1 and gateway.sent_to(PHONES[2]) == 1
    # And the code that did arrive verifies
    code = code_for(gateway.delivered, e164(PHONES[2]))
    assert api.post("/api/verify", {"phone": PHONES[2], "code": code}).status == 200


def test_every_code_has_its_own_request_id_so_the_gateway_can_deduplicate(api, gateway, clock):
    assert api.register(PHONES[3]).status == 201
    clock.at += timedelta(seconds=make_content().contest.limits.code_resend_seconds + 1)
    assert api.post("/api/verify/resend", {"phone": PHONES[3]}).status == 200
    ids = [r["request_id"] for r in gateway.requests]
    assert len(ids) == 2 and len(set(ids)) == 2
