"""SMS pumping: the attacks that made the platform send hundreds of paid messages, and the proof of work
in front of every route that can send one. The real handlers on moto, with the budgets of each scenario set in
the contest's `sms:` section; every message that leaves is counted by the channel (a MemorySender).

In each attack: the messages sent stay within the configured budget, nothing a contestant did is lost (their
registration is stored; a refused code can be asked for again later) and genuine contestants still get theirs.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from moto import mock_aws

from contest.content.loader import bundle_of
from contest.local.emulator import make_dynamodb_atomic, make_router_state_per_thread
from contest.store import Store, tables
from tests.fakes import FixedClock, MemorySender
from tests.integration.conftest import TABLE, load_handlers
from tests.support import ORIGIN_SECRET, PHONES, WEEK1_MID, Api, code_for, e164, make_content, solve_proof, unit

make_dynamodb_atomic()
make_router_state_per_thread()


@pytest.fixture(autouse=True)
def aws(monkeypatch, tmp_path):
    for name, value in {
        "CONTEST_TABLE": TABLE,
        "CONTEST_SMS_SENDER": "outbox",
        "CONTEST_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "CONTEST_SIGNING_SECRET": "test-secret-" + "p" * 40,
        "CONTEST_ORIGIN_SECRET": ORIGIN_SECRET,
        "POWERTOOLS_SERVICE_NAME": "contest",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


class Town:
    def __init__(self, **sms: object) -> None:
        self.clock = FixedClock(WEEK1_MID)
        self.sender = MemorySender()
        tables.configure(TABLE, "ap-southeast-1")
        tables.create_table()
        content = make_content(contest_changes={f"sms.{k}": v for k, v in sms.items()})
        Store().bundle.save_bundle(bundle_of(content))
        self.api = Api(load_handlers(self.clock, self.sender, names=("register",)))
        self.metrics: list[str] = []
        self.runtime = self.api.functions["register"].runtime
        self.runtime.sms.budget.metric = self.metrics.append

    def sent_to(self, phone: str) -> int:
        return sum(1 for to, _ in self.sender.sent if to == e164(phone))

    def later(self, **delta: float) -> None:
        self.clock.at += timedelta(**delta)


ATTACKER = "198.51.100.66"
GENUINE = "203.0.113.77"


def test_mass_registration_from_one_client_sends_at_most_its_hourly_budget(capsys):
    # Given an address budget of 5 codes an hour
    town = Town(per_address_per_hour=5)
    # When one client registers 25 numbers it does not own
    replies = [town.api.register(phone, ip=ATTACKER) for phone in PHONES[:25]]
    # Then at most 5 messages left, every registration is stored, and the refused ones say so and when to retry
    assert len(town.sender.sent) == 5
    assert all(r.status == 201 for r in replies)
    refused = [r for r in replies if r.body.get("code_sent") is False]
    assert len(refused) == 20
    assert all("chưa gửi được mã" in r.body["message"] and r.body["retry_after_seconds"] > 0 for r in refused)
    assert town.metrics.count("SmsRefusedAddress") == 20
    # And a genuine contestant elsewhere still gets a code and verifies
    assert town.api.register(PHONES[100], ip=GENUINE).body["code_sent"] is True
    code = code_for(town.sender.sent, e164(PHONES[100]))
    assert town.api.post("/api/verify", {"phone": PHONES[100], "code": code}).status == 200


def test_mass_resend_and_reset_from_one_client_stay_within_its_budget():
    # Given 6 contestants who registered from their own addresses, and an address budget of 6 an hour
    town = Town(per_address_per_hour=6)
    victims = PHONES[:6]
    for i, phone in enumerate(victims):
        assert town.api.register(phone, ip=f"192.0.2.{i + 1}").status == 201
    before = len(town.sender.sent)
    # When one client asks for new codes and password resets for all of them, every 2 minutes for 20 minutes
    for _ in range(10):
        town.later(minutes=2)
        for phone in victims:
            town.api.post("/api/verify/resend", {"phone": phone}, ip=ATTACKER)
            town.api.post("/api/password/reset", {"phone": phone}, ip=ATTACKER)
    # Then only 6 messages left for that client in the hour; every answer is the routes' one generic answer
    # (a 429 that only a registered number can provoke would tell which numbers are registered)
    assert len(town.sender.sent) - before == 6
    answers = [r for r in town.api.replies[len(victims) :]]
    assert {r.status for r in answers} == {200} and not [r for r in answers if "code" in r.body]
    # And the real owner of a number, from their own address, can still reset their password
    owner = victims[3]
    assert town.api.post("/api/password/reset", {"phone": owner}, ip=GENUINE).status == 200
    code = code_for([m for m in town.sender.sent if "dat lai" in m[1]], e164(owner))
    confirm = {"phone": owner, "code": code, "new_password": "mat-khau-moi-456"}
    assert town.api.post("/api/password/reset/confirm", confirm).status == 200


def test_one_number_hammered_from_many_addresses_gets_at_most_its_per_phone_cap():
    # Given a registered contestant, and a botnet of 58 addresses
    town = Town(per_address_per_hour=1000, global_per_hour=1000)
    target = PHONES[0]
    assert town.api.register(target, ip=GENUINE).status == 201
    # When each address asks for a password reset and a resend for that one number, one a minute within the hour
    for i in range(58):
        town.later(minutes=1)
        town.api.post("/api/password/reset", {"phone": target}, ip=f"10.9.0.{i + 1}")
        town.api.post("/api/verify/resend", {"phone": target}, ip=f"10.9.0.{i + 1}")
    # Then the number received at most code_sends_per_hour messages of each kind (+ its registration code)
    cap = town.runtime.content.get().contest.limits.code_sends_per_hour
    assert town.sent_to(target) <= 1 + 2 * cap
    # And another contestant registering meanwhile gets a code
    assert town.api.register(PHONES[1], ip="10.10.0.1").body["code_sent"] is True


def test_spend_limit_exhaustion_trips_the_breaker_alarms_and_loses_nothing():
    # Given a monthly spend limit of $1.20 at $0.06 a message and a breaker at half of it: 10 messages a month
    town = Town(monthly_spend_limit_usd=1.2, breaker_fraction=0.5, price_per_message_usd=0.06)
    # When a botnet registers 30 numbers, each from its own address
    replies = [town.api.register(phone, ip=f"10.1.0.{i + 1}") for i, phone in enumerate(PHONES[:30])]
    # Then 10 messages left, no more; the organisers' alarm metric fired; every registration is stored
    assert len(town.sender.sent) == 10
    assert "SmsCircuitOpen" in town.metrics
    assert all(r.status == 201 for r in replies)
    suspended = [r for r in replies if r.body.get("code_sent") is False]
    assert len(suspended) == 20 and "tạm dừng" in suspended[0].body["message"]
    # And a genuine contestant is told clearly, then gets a code once the breaker resets (next month)
    genuine = PHONES[200]
    assert town.api.register(genuine, ip=GENUINE).body["code_sent"] is False
    resend = town.api.post("/api/verify/resend", {"phone": genuine}, ip=GENUINE)
    assert resend.status == 200 and town.sent_to(genuine) == 0  # the generic answer; nothing sent
    town.later(days=31)
    # a month later the unverified registration has expired (TTL, at_registration): registering again sends
    assert town.api.register(genuine, ip=GENUINE).body["code_sent"] is True
    assert town.sent_to(genuine) == 1


def test_global_hourly_budget_spread_over_shards_holds_exactly():
    # Given a global budget of 9 an hour spread over 4 counter items (3 + 2 + 2 + 2)
    town = Town(global_per_hour=9, global_shards=4)
    for i, phone in enumerate(PHONES[:15]):
        town.api.register(phone, ip=f"10.2.0.{i + 1}")
    # Then exactly 9 messages left in the hour (a full item passes the charge on to the next one), and the next
    # hour sends again
    assert len(town.sender.sent) == 9
    assert "SmsRefusedGlobal" in town.metrics
    town.later(hours=1)
    assert town.api.post("/api/verify/resend", {"phone": PHONES[14]}, ip="10.3.0.1").status == 200


def test_a_refused_send_charges_nothing_and_one_retry_sends_one_message():
    # Given an address budget of 1
    town = Town(per_address_per_hour=1)
    assert town.api.register(PHONES[0], ip=ATTACKER).body["code_sent"] is True
    second = town.api.register(PHONES[1], ip=ATTACKER)
    assert second.body["code_sent"] is False
    # When the contestant retries from another address, twice at once (a double click)
    first_retry = town.api.post("/api/verify/resend", {"phone": PHONES[1]}, ip=GENUINE)
    double_click = town.api.post("/api/verify/resend", {"phone": PHONES[1]}, ip=GENUINE)
    # Then exactly one message reached the number (the double click waits for the resend gap, silently: the
    # same answer as for any number)
    assert first_retry.status == 200 and double_click.status == 200 and double_click.body == first_retry.body
    assert town.sent_to(PHONES[1]) == 1
    code = code_for(town.sender.sent, e164(PHONES[1]))
    assert town.api.post("/api/verify", {"phone": PHONES[1], "code": code}).status == 200


# --- proof of work --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/register", None),
        ("/api/verify/resend", {"phone": PHONES[0]}),
        ("/api/password/reset", {"phone": PHONES[0]}),
    ],
)
def test_every_code_sending_route_refuses_a_missing_proof_before_anything_else(path, body):
    town = Town()
    town.api.register(PHONES[0], ip=GENUINE)
    sent = len(town.sender.sent)
    body = body or {
        "full_name": "Lê Văn Cường",
        "phone": PHONES[1],
        "unit_id": unit("so-tttt"),
        "password": "mat-khau-123",
        "consent": True,
    }
    # When the request comes without a proof, or with garbage, or even with an invalid body
    missing = town.api.post(path, body, proof=False)
    garbage = town.api.post(path, body, headers={"x-altcha": "bm90IGEgcHJvb2Y="})
    bad_body = town.api.post(path, {"nonsense": 1}, proof=False)
    # Then each is refused with a clear Vietnamese message and nothing is sent or stored
    assert (missing.status, missing.body["code"]) == (428, "POW_REQUIRED")
    assert (garbage.status, garbage.body["code"]) == (403, "POW_INVALID")
    assert bad_body.body["code"] == "POW_REQUIRED"
    assert "tin nhắn tự động" in missing.body["message"]
    assert len(town.sender.sent) == sent
    assert town.runtime.repo.phones.claim(e164(PHONES[1])) is None


def test_a_solved_challenge_is_single_use():
    town = Town()
    proof = town.api.proof()
    first = town.api.register(PHONES[0], ip=GENUINE, headers={"x-altcha": proof})
    replay = town.api.register(PHONES[1], ip=GENUINE, headers={"x-altcha": proof})
    assert first.status == 201
    assert (replay.status, replay.body["code"]) == (403, "POW_REUSED")
    assert town.sent_to(PHONES[1]) == 0


def test_an_expired_challenge_is_refused():
    town = Town()
    proof = town.api.proof()
    town.later(minutes=6)
    reply = town.api.register(PHONES[0], ip=GENUINE, headers={"x-altcha": proof})
    assert (reply.status, reply.body["code"]) == (403, "POW_EXPIRED")
    assert town.sent_to(PHONES[0]) == 0


def test_a_tampered_or_foreign_challenge_is_refused():
    town = Town()
    payload = json.loads(base64.b64decode(town.api.proof()))
    # a challenge whose expiry the client pushed back, the server's signature copied over
    payload["challenge"]["parameters"]["data"]["exp"] += 86400
    forged = base64.b64encode(json.dumps(payload).encode()).decode()
    reply = town.api.register(PHONES[0], ip=GENUINE, headers={"x-altcha": forged})
    assert (reply.status, reply.body["code"]) == (403, "POW_INVALID")
    # a challenge signed with another key (another deployment, or the attacker's own)
    from altcha import create_challenge

    own = create_challenge(algorithm="PBKDF2/SHA-256", cost=1, counter=3, hmac_secret="x" * 64, data={"exp": 2**40})
    reply = town.api.register(PHONES[0], ip=GENUINE, headers={"x-altcha": solve_proof(own.to_dict())})
    assert (reply.status, reply.body["code"]) == (403, "POW_INVALID")
    assert town.sent_to(PHONES[0]) == 0


def test_the_challenge_route_issues_a_signed_expiring_challenge_of_the_configured_difficulty():
    town = Town(proof_of_work={"cost": 7, "max_counter": 30, "expires_minutes": 2})
    reply = town.api.get("/api/challenge")
    assert reply.status == 200 and reply.headers.get("Cache-Control") == "no-store"
    parameters = reply.body["parameters"]
    assert parameters["algorithm"] == "PBKDF2/SHA-256" and parameters["cost"] == 7
    assert parameters["data"]["exp"] == int(WEEK1_MID.timestamp()) + 120
    assert len(reply.body["signature"]) == 64
