"""Attacks over HTTP against the local stack (the in-process versions live in tests/integration; these go
through the HTTP adapter, the real handlers and the emulator, and cover what those do not).

Every test also feeds the privacy scan at the end of the module: all log output the handlers produced while
under attack is searched for phone numbers (every spelling), one-time codes, tokens and password hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest

from contest.rules import tokens
from tests.fakes import FixedClock
from tests.stress.harness import (
    Client,
    answers_for,
    captured_logs,
    correct_texts,
    make_root,
    running_stack,
    secrets_in,
)
from tests.support import PINNED_QUIZ_RULES, WEEK1_MID, WEEK2_OPENS, unit

PASSWORD = "mat-khau-123"


class Town:
    """A running stack, its HTTP client and everything secret that went through it (for the privacy scan)."""

    def __init__(self, stack, clock: FixedClock, right_text: dict[str, str]) -> None:
        self.stack, self.clock, self.right_text = stack, clock, right_text
        self.http = Client(stack.base_url)
        self.secret = stack.functions["quiz"].runtime.secret
        self.phones: list[str] = []
        self.tokens: list[str] = []
        self.sessions: dict[str, str] = {}  # attempt id -> the session that started it (submit needs it)

    def sms(self, e164: str | None = None) -> list[dict]:
        path = self.stack.outbox_path
        lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
        return [m for m in lines if e164 is None or m["phone"] == e164]

    def codes(self) -> list[str]:
        return [re.search(r"\b(\d{6})\b", m["text"]).group(1) for m in self.sms()]

    def last_code(self, e164: str) -> str:
        return re.search(r"\b(\d{6})\b", self.sms(e164)[-1]["text"]).group(1)

    def register(self, phone: str, name: str = "Nguyễn Văn An", expect: int = 201):
        self.phones.append("+84" + phone.lstrip("0"))
        body = {
            "full_name": name,
            "phone": phone,
            "unit_id": unit("so-tttt"),
            "password": PASSWORD,
            "consent": True,
        }
        reply = self.http.post("/api/register", body)
        assert reply.status == expect, reply.body
        return reply

    def contestant(self, phone: str, name: str = "Nguyễn Văn An") -> str:
        """Register, verify with the SMS code, log in: the session token."""
        self.register(phone, name)
        e164 = "+84" + phone.lstrip("0")
        assert self.http.post("/api/verify", {"phone": phone, "code": self.last_code(e164)}).status == 200
        login = self.http.post("/api/login", {"phone": phone, "password": PASSWORD})
        assert login.status == 200, login.body
        self.tokens.append(login.body["token"])
        return login.body["token"]

    def quiz(self, session: str) -> dict:
        reply = self.http.post("/api/quiz", {}, token=session)
        assert reply.status == 200, reply.body
        self.tokens.append(reply.body["token"])
        self.sessions[reply.body["attempt_id"]] = session
        return reply.body

    def submit(
        self,
        quiz: dict,
        correct: int = 10,
        prediction: int = 100,
        token: str | None = None,
        session: str | None = None,
    ):
        body = {
            "token": token or quiz["token"],
            "answers": answers_for(quiz, self.right_text, correct),
            "prediction": prediction,
        }
        return self.http.post("/api/submit", body, token=session or self.sessions[quiz["attempt_id"]])

    def standings(self) -> list:
        from contest.store import Store

        return list(Store().quiz.iter_standings(1))


@pytest.fixture(scope="module")
def logs():
    with captured_logs() as capture:
        yield capture


@pytest.fixture(scope="module")
def town(tmp_path_factory, logs):
    root = make_root(tmp_path_factory.mktemp("attacks"), contest_changes=PINNED_QUIZ_RULES)  # one attempt, 15 questions
    clock = FixedClock(WEEK1_MID)
    with running_stack(root, clock) as stack:
        yield Town(stack, clock, correct_texts(root))


@pytest.fixture
def now(town):
    """Tests that move the clock put it back."""
    saved = town.clock.at
    yield town.clock
    town.clock.at = saved


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def resign(token: str, key: bytes, *, header: dict | None = None, claims: dict | None = None) -> str:
    h, p, _ = token.split(".")
    h2 = b64(json.dumps(header, separators=(",", ":")).encode()) if header is not None else h
    p2 = b64(json.dumps({**unb64(p), **(claims or {})}, separators=(",", ":")).encode())
    return f"{h2}.{p2}.{b64(hmac.new(key, f'{h2}.{p2}'.encode(), hashlib.sha256).digest())}"


# ------------------------------------------------------------------------------------------- tokens


class TestTokens:
    def test_forged_attempt_tokens_are_refused_and_store_nothing(self, town):
        # Given a contestant with an open attempt
        quiz = town.quiz(town.contestant("0912000101"))
        token = quiz["token"]
        h, p, s = token.split(".")
        forged = {
            "alg none": f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{p}.",
            "alg none, signature kept": f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{p}.{s}",
            "algorithm swap HS512": resign(token, town.secret, header={"alg": "HS512", "typ": "JWT"}),
            "algorithm swap RS256 (key as HMAC secret)": resign(
                token, b"-----BEGIN PUBLIC KEY-----", header={"alg": "RS256", "typ": "JWT"}
            ),
            "tampered payload, old signature": ".".join(
                (h, resign(token, town.secret, claims={"n": 2}).split(".")[1], s)
            ),
            "wrong key": resign(token, b"x" * len(town.secret)),
            "truncated": token[:-5],
            "no signature": f"{h}.{p}",
            "extra segment": token + ".e30",
            "non-ascii": token[:-1] + "é",
        }
        # When each is submitted
        replies = {name: town.submit(quiz, token=bad) for name, bad in forged.items()}
        # Then every one is refused as an invalid token, and nothing is stored
        assert {n: (r.status, r.body["code"]) for n, r in replies.items()} == {
            n: (401, "INVALID_TOKEN") for n in forged
        }
        assert town.standings() == []

    def test_expired_and_not_yet_valid_tokens_are_refused(self, town, now):
        session = town.contestant("0912000102")
        claims = unb64(session.split(".")[1])
        at = int(now.now().timestamp())
        cases = {
            "session expired a second ago": tokens.sign({**claims, "iat": at - 3600, "exp": at - 1}, town.secret),
            "session issued a minute in the future": tokens.sign(
                {**claims, "iat": at + 60, "exp": at + 7200}, town.secret
            ),
            "session with nbf in the future": tokens.sign({**claims, "nbf": at + 60}, town.secret),
        }
        for name, bad in cases.items():
            reply = town.http.get("/api/me", token=bad)
            assert (reply.status, reply.body["code"]) == (401, "UNAUTHORIZED"), name
        # an attempt token from the future (a forged or replayed one with a later iat) cannot submit
        quiz = town.quiz(session)
        future = tokens.sign({**unb64(quiz["token"].split(".")[1]), "iat": at + 600}, town.secret)
        assert town.submit(quiz, token=future).body["code"] == "INVALID_TOKEN"
        # and the real session past its 12 hours is refused
        now.advance(12 * 3600 + 1)
        assert town.http.get("/api/me", token=session).status == 401

    def test_a_submitted_attempt_cannot_be_replayed_into_a_second_result(self, town):
        # Given a submitted attempt
        quiz = town.quiz(town.contestant("0912000103"))
        first = town.submit(quiz, correct=5, prediction=7)
        assert first.status == 200
        # When the same request is replayed: the same receipt, not a second result
        assert town.submit(quiz, correct=5, prediction=7).body == first.body
        # When it is replayed with better answers: refused, with the original receipt
        better = town.submit(quiz, correct=15, prediction=7)
        assert (better.status, better.body["code"]) == (409, "ALREADY_SUBMITTED")
        assert better.body["receipt"] == first.body
        # And a new quiz is not handed out (one attempt per week)
        session = town.tokens[-2]
        assert town.http.post("/api/quiz", {}, token=session).body["code"] == "NO_ATTEMPTS_LEFT"
        mine = [s for s in town.standings() if s.attempt_id == quiz["attempt_id"]]
        assert len(mine) == 1 and mine[0].score == 5 and mine[0].attempts == 1

    def test_another_contestants_token_cannot_submit_for_me_or_read_my_page(self, town):
        mine = town.quiz(town.contestant("0912000104", "Trần Thị Mình"))
        theirs_session = town.contestant("0912000105", "Lê Văn Khác")
        theirs = town.quiz(theirs_session)
        # their token re-pointed at my attempt (re-signed with a wrong key: they do not have ours)
        for key in (b"guess" * 10, b""):
            swapped = resign(theirs["token"], key, claims={"aid": mine["attempt_id"]})
            assert town.submit(mine, token=swapped).body["code"] == "INVALID_TOKEN"
        # their own valid token sent with my session: refused (an attempt is submitted by its owner only)
        refused = town.submit(mine, token=theirs["token"])
        assert (refused.status, refused.body["code"]) == (403, "NOT_YOUR_ATTEMPT")
        # their own valid token with their session and my answers: it scores their attempt, never mine
        reply = town.submit(mine, token=theirs["token"], session=theirs_session)
        assert reply.status in (200, 422)
        if reply.status == 200:
            assert reply.body["attempt_id"] == theirs["attempt_id"]
        assert town.http.get("/api/me", token=theirs_session).body["full_name"] == "Lê Văn Khác"
        assert all(s.attempt_id != mine["attempt_id"] for s in town.standings())

    def test_last_weeks_token_cannot_submit_or_start_this_week(self, town, now):
        session = town.contestant("0912000106")
        last_week = town.quiz(session)
        week2 = WEEK2_OPENS + timedelta(days=1)  # Tuesday of week 2
        now.at = week2
        reply = town.submit(last_week)
        assert reply.status in (401, 409) and reply.body["code"] in (
            "INVALID_TOKEN",
            "WEEK_CLOSED",
            "ATTEMPT_EXPIRED",
        )
        assert all(s.attempt_id != last_week["attempt_id"] for s in town.standings())
        login = town.http.post("/api/login", {"phone": "0912000106", "password": PASSWORD})
        town.tokens.append(login.body["token"])
        this_week = town.quiz(login.body["token"])
        assert this_week["week"] == 2 and this_week["attempt_id"] != last_week["attempt_id"]


# ------------------------------------------------------------------------------- one-time codes


class TestCodes:
    def test_brute_force_locks_the_code_and_never_verifies(self, town):
        town.register("0912000201")
        e164 = "+84912000201"
        real = town.last_code(e164)
        guesses = [f"{n:06d}" for n in range(60) if f"{n:06d}" != real]
        replies = [town.http.post("/api/verify", {"phone": "0912000201", "code": g}) for g in guesses]
        # every refusal is the same answer (no tries left counter: it would exist only for registered numbers)
        assert {r.status for r in replies} == {400} and len({json.dumps(r.body) for r in replies}) == 1
        # the right code is now useless too, and the phone is not verified (no session before it is)
        assert town.http.post("/api/verify", {"phone": "0912000201", "code": real}).body == replies[0].body
        login = town.http.post("/api/login", {"phone": "0912000201", "password": PASSWORD})
        assert login.status == 401 and login.body["code"] == "LOGIN_FAILED"

    def test_a_code_is_single_use_and_expires(self, town, now):
        town.register("0912000202")
        code = town.last_code("+84912000202")
        assert town.http.post("/api/verify", {"phone": "0912000202", "code": code}).status == 200
        assert town.http.post("/api/verify", {"phone": "0912000202", "code": code}).body["code"] == "CODE_INVALID"
        town.register("0912000203")
        late = town.last_code("+84912000203")
        now.advance(5 * 60 + 1)
        reply = town.http.post("/api/verify", {"phone": "0912000203", "code": late})
        assert reply.body["code"] == "CODE_INVALID" and "hết hạn" in reply.body["message"]

    def test_sms_pumping_across_many_numbers_is_stopped_by_the_throttles(self, town, now):
        # Given 5 registered, unverified numbers and a pumper who knows them, and 300 nobody registered
        registered = [f"09120003{k:02d}" for k in range(5)]
        for phone in registered:
            town.register(phone)
        before = len(town.sms())
        strangers = [f"0987{n:06d}" for n in range(300)]
        # When the pumper asks for codes (resend, password reset) for every number, each minute for 20 min
        asked = 0
        for minute in range(20):
            now.advance(61)
            targets = registered + (strangers if minute == 0 else strangers[minute * 5 : minute * 5 + 5])
            for phone in targets:
                for path in ("/api/verify/resend", "/api/password/reset"):
                    reply = town.http.post(path, {"phone": phone})
                    asked += 1
                    assert reply.status in (200, 429), reply.body
        sent = town.sms()[before:]
        # Then nobody who did not register received anything, and each registered number at most the hourly
        # cap per purpose
        limits = town.stack.functions["register"].runtime.content.get().contest.limits
        per_phone = {p: sum(1 for m in sent if m["phone"] == "+84" + p[1:]) for p in registered}
        assert {m["phone"] for m in sent} <= {"+84" + p[1:] for p in registered}
        assert all(n <= 2 * limits.code_sends_per_hour for n in per_phone.values()), per_phone
        assert asked >= 800 and len(sent) <= 2 * limits.code_sends_per_hour * len(registered)


# ------------------------------------------------------------------------------ request shape


class TestRequestShape:
    def test_oversized_and_deeply_nested_json_get_a_clear_4xx(self, town):
        cases = [
            (b'{"full_name": "' + b"x" * 2_000_000 + b'"}', 413),  # beyond the HTTP adapter's limit
            (b'{"full_name": "' + b"x" * 70_000 + b'"}', 413),  # beyond the API's 64 KiB
            (b"[" * 30_000 + b"]" * 30_000, 400),  # too deep to parse
            (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, 400),
            (b"{" * 60_000, 400),
            (b'{"phone": "' + "٠".encode() * 20 + b'"}', 422),
        ]
        for body, status in cases:
            reply = town.http.post("/api/register", raw=body)
            assert reply.status == status, (len(body), reply.status, reply.body)
            assert reply.body["code"] and reply.body["message"]

    @pytest.mark.parametrize(
        "name",
        [
            "Kẻ\u202eGian",
            "Nguyễn\u200bVăn",
            "Lê\x00Văn",
            "Tab\tTên\x1b[31m",
            "Trần\u2066Thị\u2069",
            "A\u061cB",
        ],
    )
    def test_names_with_control_characters_or_direction_overrides_are_refused(self, town, name):
        reply = town.http.post(
            "/api/register",
            {
                "full_name": name,
                "phone": "0912000401",
                "unit_id": unit("so-tttt"),
                "password": PASSWORD,
                "consent": True,
            },
        )
        assert (reply.status, reply.body["code"]) == (422, "INVALID_NAME")

    @pytest.mark.parametrize(
        "name", ['<img src=x onerror="alert(1)"> Lê', '=HYPERLINK("http://x"&D2,"x")', "Nguy\u0435̃n Văn An"]
    )
    def test_markup_formula_and_lookalike_names_are_refused(self, town, name):
        reply = town.http.post(
            "/api/register",
            {
                "full_name": name,
                "phone": "0912000403",
                "unit_id": unit("so-tttt"),
                "password": PASSWORD,
                "consent": True,
            },
        )
        assert (reply.status, reply.body["code"]) == (422, "INVALID_NAME")
        assert "Họ và tên" in reply.body["message"]

    def test_a_name_with_an_apostrophe_comes_back_as_text_in_json_only(self, town):
        name = "H'Hen Niê"
        session = town.contestant("0912000402", name)
        me = town.http.get("/api/me", token=session)
        assert me.headers["content-type"].startswith("application/json")
        assert me.body["full_name"] == name  # stored and returned as text; the site inserts it as text


# ------------------------------------------------------------------------------ throttles


def test_registration_flood_from_one_address_is_throttled(tmp_path):
    root = make_root(tmp_path, contest_changes={"limits.registrations_per_ip_per_hour": 6})
    with running_stack(root, FixedClock(WEEK1_MID)) as stack:
        http = Client(stack.base_url)
        statuses = []
        for k in range(10):
            body = {
                "full_name": "Người Lũ",
                "phone": f"09120005{k:02d}",
                "unit_id": unit("so-tttt"),
                "password": PASSWORD,
                "consent": True,
            }
            statuses.append(http.post("/api/register", body).status)
        assert statuses == [201] * 6 + [429] * 4
        assert len(stack.outbox_path.read_text().splitlines()) == 6


# ------------------------------------------------------------------------------ privacy (runs last)


def test_zz_nothing_secret_was_logged_during_the_attacks(town, logs):
    # Given everything that went through the stack in this module
    assert logs.lines, "the handlers logged nothing: the scan would prove nothing"
    # Then no phone (any spelling), code, token or password hash is in any log line
    found = secrets_in(logs.text, phones=town.phones, codes=town.codes(), tokens=town.tokens)
    assert found == [], found[:10]
