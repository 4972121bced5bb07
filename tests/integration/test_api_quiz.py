"""The weekly quiz through the real handlers on moto: start, resume, submit, idempotency, tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from contest.rules.clock import iso
from contest.rules.model import OPTION_KEYS
from contest.store.keys import account_pk
from contest.store.tables import AttemptItem, StandingItem, TableSchema
from tests.support import PHONES, WEEK1_MID, code_for, e164
from tests.support import unit as unit_role

QUIZ_UNIT = unit_role("h-can-loc")


@pytest.fixture
def contestant(api, sender):
    """A verified, logged-in contestant: returns their session token."""

    def make(phone=PHONES[0], name="Lê Thị Hoa", unit=QUIZ_UNIT):
        assert api.register(phone, name=name, unit=unit).status == 201
        assert api.post("/api/verify", {"phone": phone, "code": code_for(sender.sent, e164(phone))}).status == 200
        return api.login(phone).body["token"]

    return make


def correct_answers(quiz_body, content):
    """The displayed option that is right for each question (what a perfect contestant picks)."""
    by_id = content.bank.by_id()
    answers = {}
    for q in quiz_body["questions"]:
        right_text = by_id[q["id"]].options[by_id[q["id"]].correct]
        answers[q["id"]] = next(o["id"] for o in q["options"] if o["text"] == right_text)
    return answers


class TestStart:
    def test_fifteen_questions_four_options_and_the_prediction_question(self, api, contestant, content):
        quiz = api.post("/api/quiz", token=contestant())
        assert quiz.status == 200
        assert len(quiz.body["questions"]) == 15
        assert len({q["id"] for q in quiz.body["questions"]}) == 15
        assert all([o["id"] for o in q["options"]] == list(OPTION_KEYS) for q in quiz.body["questions"])
        assert all(q["id"].startswith("w1-") for q in quiz.body["questions"])  # this week's pool only
        assert quiz.body["prediction"]["text"] == content.contest.week(1).prediction_question
        assert quiz.body["week"] == 1

    def test_starting_again_resumes_the_same_attempt(self, api, contestant, clock):
        token = contestant()
        first = api.post("/api/quiz", token=token).body
        clock.advance(120)
        again = api.post("/api/quiz", token=token).body
        assert again["attempt_id"] == first["attempt_id"]
        assert again["questions"] == first["questions"]
        assert again["issued_at"] == first["issued_at"] and again["expires_at"] == first["expires_at"]

    def test_two_tabs_starting_at_once_get_one_attempt(self, api, contestant):
        token = contestant()
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda _: api.post("/api/quiz", token=token), range(8)))
        assert {r.status for r in replies} == {200}
        assert len({r.body["attempt_id"] for r in replies}) == 1

    def test_no_answer_key_in_the_response(self, api, contestant, content):
        body = api.post("/api/quiz", token=contestant()).body
        text = json.dumps(body, ensure_ascii=False)
        assert "correct" not in text and "dap_an" not in text and "answer" not in text
        # the displayed letter of the right option is uniformly shuffled, not the file's letter
        by_id = content.bank.by_id()
        same_letter = sum(
            1
            for q in body["questions"]
            for o in q["options"]
            if o["text"] == by_id[q["id"]].options[by_id[q["id"]].correct] and o["id"] == by_id[q["id"]].correct
        )
        assert same_letter < 15

    def test_refused_before_the_week_opens_and_after_it_closes(self, api, contestant, clock, content):
        contestant()
        clock.at = content.contest.week(1).closes_at + timedelta(minutes=1)
        between = api.post("/api/quiz", token=api.login(PHONES[0]).body["token"])
        assert between.status == 409 and between.body["code"] == "WEEK_NOT_OPEN"
        assert "Tuần thi 2" in between.body["message"]
        clock.at = content.contest.weeks[-1].closes_at + timedelta(days=1)
        after = api.post("/api/quiz", token=api.login(PHONES[0]).body["token"])
        assert after.body["code"] == "WEEK_NOT_OPEN" and "kết thúc" in after.body["message"]

    def test_refused_when_the_attempts_are_used_up(self, api, contestant, content):
        token = contestant()
        quiz = api.post("/api/quiz", token=token).body
        assert (
            api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 5}, token=token).status == 200
        )
        reply = api.post("/api/quiz", token=token)
        assert reply.status == 409 and reply.body["code"] == "NO_ATTEMPTS_LEFT"

    def test_refused_for_unverified_and_excluded_accounts(self, api, sender, repo, contestant, content):
        api.register(PHONES[5])
        # an unverified account gets no session at all (at_registration): the login answer is the failed one
        assert api.login(PHONES[5]).body["code"] == "LOGIN_FAILED"
        token = contestant(PHONES[6])
        repo.phones.add_exclusion(e164(PHONES[6]), "Ban Tổ chức", 0)
        refused = api.post("/api/quiz", token=token).body
        # in the contest's own words (contest.yaml excluded_roles), not a text written for one contest
        assert refused["code"] == "EXCLUDED" and refused["message"] == content.contest.excluded_roles

    def test_refused_without_a_session(self, api):
        assert api.post("/api/quiz").status == 401
        assert api.post("/api/quiz", token="x.y.z").body["code"] == "UNAUTHORIZED"


class TestSubmit:
    def test_a_perfect_submission_scores_fifteen_with_the_servers_duration(self, api, contestant, content, clock):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        clock.advance(200.5)
        receipt = api.post(
            "/api/submit",
            {"token": quiz["token"], "answers": correct_answers(quiz, content), "prediction": 12000},
            token=session,
            headers={"x-client-duration": "1"},
        )
        assert receipt.status == 200
        assert receipt.body["score"] == 15
        # the ceiling the page shows ("15/15"): questions × quiz.points_per_question
        assert receipt.body["max_score"] == content.contest.quiz.max_score
        assert receipt.body["duration_ms"] == 200_500
        assert receipt.body["received_at"] == iso(WEEK1_MID + timedelta(seconds=200.5))

    def test_the_receipt_is_signed_over_what_was_received_and_verifies_offline(self, api, contestant, content, env):
        from contest.rules.receipts import ReceiptSigner, attempt_code, verify_receipt
        from contest.services.quiz import request_hash

        # Given a submission
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        answers = correct_answers(quiz, content)
        body = {"token": quiz["token"], "answers": answers, "prediction": 12000}
        receipt = api.post("/api/submit", body, token=session).body
        # Then the receipt carries the short code, a hash of the answers and an Ed25519 signature that the
        # public key derived from the receipt key (not the token secret) verifies
        key = ReceiptSigner(lambda: env["CONTEST_RECEIPT_KEY"].encode()).public_key_document()
        fields = verify_receipt(receipt, key)
        assert fields["code"] == attempt_code(quiz["attempt_id"]) and fields["score"] == 15
        assert fields["answers_sha256"] == request_hash(answers, 12000)
        # and the same receipt comes back signed the same on a retry
        again = api.post("/api/submit", body, token=session).body
        assert again["signature"] == receipt["signature"]

    def test_unanswered_counts_as_wrong(self, api, contestant, content):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        answers = dict(list(correct_answers(quiz, content).items())[:9])
        assert (
            api.post("/api/submit", {"token": quiz["token"], "answers": answers, "prediction": 1}, token=session).body[
                "score"
            ]
            == 9
        )

    def test_double_clicks_retries_and_tabs_get_one_receipt_and_one_result(self, api, contestant, content, repo):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        body = {"token": quiz["token"], "answers": correct_answers(quiz, content), "prediction": 777}
        with ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(lambda _: api.post("/api/submit", body, token=session), range(20)))
        assert {r.status for r in replies} == {200}
        assert len({json.dumps(r.body, sort_keys=True) for r in replies}) == 1
        standings = list(repo.quiz.iter_standings(1))
        assert len(standings) == 1 and standings[0].attempts == 1 and standings[0].prediction == 777

    def test_a_lost_response_is_answered_with_the_receipt_on_retry(self, api, contestant, content):
        # Given the submit's write commits but its response is lost on the way back
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        body = {"token": quiz["token"], "answers": correct_answers(quiz, content), "prediction": 42}
        client = TableSchema._get_connection().connection.client
        lost = threading.Event()

        def lose_response(http_response, parsed, model, **kw):
            if model.name == "TransactWriteItems" and not lost.is_set() and http_response.status_code == 200:
                lost.set()
                raise ConnectionError("response lost after commit")

        client.meta.events.register_first("after-call.dynamodb.TransactWriteItems", lose_response)
        try:
            first = api.post("/api/submit", body, token=session)
        finally:
            client.meta.events.unregister("after-call.dynamodb.TransactWriteItems", lose_response)
        assert lost.is_set() and first.status == 500  # the contestant's browser sees a failure
        # When the browser retries with the same token and answers
        retry = api.post("/api/submit", body, token=session)
        # Then it gets the receipt, not "already submitted", and one result is stored
        assert retry.status == 200 and retry.body["score"] == 15

    def test_a_different_second_submission_is_refused_with_the_first_receipt(self, api, contestant):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        first = api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 1}, token=session)
        second = api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 2}, token=session)
        assert second.status == 409 and second.body["code"] == "ALREADY_SUBMITTED"
        assert second.body["receipt"] == first.body

    def test_submission_after_the_time_limit_and_grace_is_refused(self, api, contestant, clock, content):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        rules = content.contest.quiz
        clock.advance(rules.time_limit_seconds + rules.grace_seconds + 1)
        reply = api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 1}, token=session)
        assert reply.status == 409 and reply.body["code"] == "ATTEMPT_EXPIRED"

    def test_submission_within_the_grace_is_accepted(self, api, contestant, clock, content):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        rules = content.contest.quiz
        clock.advance(rules.time_limit_seconds + rules.grace_seconds - 1)
        assert (
            api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 1}, token=session).status
            == 200
        )

    def test_submission_after_the_week_closed_is_refused(self, api, contestant, clock, content):
        week = content.contest.week(1)
        clock.at = week.closes_at - timedelta(minutes=5)
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        assert quiz["expires_at"] == iso(week.closes_at)  # the deadline is cut at the close
        clock.at = week.closes_at + timedelta(seconds=content.contest.quiz.grace_seconds + 1)
        reply = api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 1}, token=session)
        assert reply.status == 409 and reply.body["code"] == "WEEK_CLOSED"

    @pytest.mark.parametrize(
        "change",
        [
            {"prediction": "2"},
            {"prediction": True},
            {"prediction": 1.0},
            {"prediction": -1},
            {"prediction": 10_000_001},
            {"answers": {"w1-q000": 1}},
            {"answers": []},
            {"extra": 1},
        ],
    )
    def test_loose_types_are_refused_and_nothing_is_stored(self, api, contestant, repo, change):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        reply = api.post(
            "/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 5} | change, token=session
        )
        assert reply.status == 422 and reply.body["code"] == "VALIDATION_FAILED"
        assert list(repo.quiz.iter_standings(1)) == []

    def test_answers_to_other_questions_or_options_are_refused(self, api, contestant, content):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        asked = {q["id"] for q in quiz["questions"]}
        other = next(q.id for q in content.bank.pool(1) if q.id not in asked)
        for answers in ({other: "A"}, {quiz["questions"][0]["id"]: "E"}):
            reply = api.post(
                "/api/submit", {"token": quiz["token"], "answers": answers, "prediction": 1}, token=session
            )
            assert reply.status == 422 and reply.body["code"] == "INVALID_ANSWER"

    def test_the_standing_lives_in_a_sharded_partition(self, api, contestant, repo):
        for i in range(6):
            token = contestant(PHONES[20 + i])
            quiz = api.post("/api/quiz", token=token).body
            api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": i}, token=token)
        keys = {item.pk for item in StandingItem.scan(StandingItem.pk.startswith("WEEK#"))}
        assert len(keys) > 1 and all(k.startswith("WEEK#01#S#") for k in keys)
        assert len(list(repo.quiz.iter_standings(1))) == 6


class TestMultipleAttempts:
    @pytest.fixture
    def content(self):
        from tests.support import make_content

        return make_content(contest_changes={"quiz.attempts_per_week": 3})

    def test_the_best_attempt_is_the_standing(self, api, contestant, content, clock, repo):
        token = contestant()
        scores = []
        for answered, seconds in ((5, 100), (12, 300), (12, 200)):
            quiz = api.post("/api/quiz", token=token).body
            clock.advance(seconds)
            answers = dict(list(correct_answers(quiz, content).items())[:answered])
            scores.append(
                api.post(
                    "/api/submit",
                    {"token": quiz["token"], "answers": answers, "prediction": seconds},
                    token=token,
                ).body
            )
        [standing] = repo.quiz.iter_standings(1)
        assert standing.score == 12 and standing.duration_ms == 200_000 and standing.attempts == 3
        assert standing.attempt_id == scores[2]["attempt_id"]
        assert api.post("/api/quiz", token=token).body["code"] == "NO_ATTEMPTS_LEFT"


class TestTokens:
    def _submit(self, api, token, session):
        return api.post("/api/submit", {"token": token, "answers": {}, "prediction": 1}, token=session)

    @staticmethod
    def _resign(token, secret, header=None, claims=None):
        h, p, _ = token.split(".")

        def enc(obj):
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()

        def dec(seg):
            return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))

        h2 = enc(header) if header is not None else h
        p2 = enc({**dec(p), **claims}) if claims is not None else p
        sig = hmac.new(secret, f"{h2}.{p2}".encode(), hashlib.sha256).digest()
        return f"{h2}.{p2}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"

    def test_forged_and_tampered_tokens_are_rejected(self, api, contestant, env):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        token, secret = quiz["token"], env["CONTEST_SIGNING_SECRET"].encode()
        h, p, s = token.split(".")
        forged = [
            f"{h}.{p}.",  # no signature
            self._resign(token, secret, header={"alg": "none", "typ": "JWT"}).rsplit(".", 1)[0] + ".",
            self._resign(token, secret, header={"alg": "HS512", "typ": "JWT"}),
            self._resign(token, b"another-secret-of-the-same-length-as-ours-xxxx"),
            # payload changed, old signature kept
            f"{h}.{self._resign(token, secret, claims={'n': 2}).split('.')[1]}.{s}",
            token[:-3],
            token + "A",
        ]
        for bad in forged:
            reply = self._submit(api, bad, session)
            assert reply.status == 401 and reply.body["code"] == "INVALID_TOKEN", bad

    def test_a_session_token_is_not_an_attempt_token_and_vice_versa(self, api, contestant):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        assert self._submit(api, session, session).body["code"] == "INVALID_TOKEN"
        assert api.get("/api/me", token=quiz["token"]).status == 401

    def test_another_contestants_token_cannot_submit_for_me(self, api, contestant, env, repo):
        mine = api.post("/api/quiz", token=contestant(PHONES[0])).body
        their_session = contestant(PHONES[1])
        theirs = api.post("/api/quiz", token=their_session).body
        secret = env["CONTEST_SIGNING_SECRET"].encode()
        # their token, re-pointed at my attempt id but still signed for them, or mine with their id
        swapped = self._resign(theirs["token"], secret, claims={"aid": mine["attempt_id"]})
        assert self._submit(api, swapped, their_session).body["code"] == "INVALID_TOKEN"
        assert list(repo.quiz.iter_standings(1)) == []

    def test_last_weeks_token_cannot_submit_this_week(self, api, contestant, clock, content):
        token = contestant()
        quiz = api.post("/api/quiz", token=token).body
        clock.at = content.contest.week(2).opens_at + timedelta(hours=1)
        reply = self._submit(api, quiz["token"], token)
        assert reply.status in (401, 409) and reply.body["code"] in ("INVALID_TOKEN", "WEEK_CLOSED")

    def test_an_expired_token_is_rejected(self, api, contestant, clock):
        session = contestant()
        quiz = api.post("/api/quiz", token=session).body
        clock.advance(24 * 3600)
        assert self._submit(api, quiz["token"], session).status in (401, 409)


class TestRequestShape:
    def test_malformed_json_wrong_type_and_oversized_bodies_get_clear_4xx(self, api):
        cases = [
            (api.call("POST", "/api/register", "{not json", headers={}), 400, "INVALID_JSON"),
            (api.call("POST", "/api/register", '{"a": NaN}'), 400, "INVALID_JSON"),
            (api.call("POST", "/api/register", '{"a": 1, "a": 2}'), 400, "INVALID_JSON"),
            (api.call("POST", "/api/register", "[]"), 422, "VALIDATION_FAILED"),
            (
                api.call("POST", "/api/register", "{}", headers={"content-type": "text/plain"}),
                415,
                "UNSUPPORTED_MEDIA_TYPE",
            ),
            (
                api.call("POST", "/api/register", json.dumps({"full_name": "x" * 70_000})),
                413,
                "PAYLOAD_TOO_LARGE",
            ),
            (api.call("POST", "/api/register", "[" * 5000 + "]" * 5000), 400, "INVALID_JSON"),  # too deep
            (api.call("POST", "/api/register", "[" * 30000), 400, "INVALID_JSON"),
            (api.call("GET", "/api/nothing-here"), 404, "NOT_FOUND"),
            (api.call("GET", "/api/register"), 405, "METHOD_NOT_ALLOWED"),
        ]
        for reply, status, code in cases:
            assert (reply.status, reply.body.get("code")) == (status, code)
            assert reply.body["message"] and any(
                ch in reply.body["message"] for ch in "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ"
            )

    def test_no_response_ever_contains_an_answer_key_marker(self, api, contestant, content):
        token = contestant()
        quiz = api.post("/api/quiz", token=token).body
        api.post(
            "/api/submit",
            {"token": quiz["token"], "answers": correct_answers(quiz, content), "prediction": 3},
            token=token,
        )
        api.get("/api/me", token=token)
        everything = json.dumps([r.body for r in api.replies], ensure_ascii=False)
        assert '"correct' not in everything and "is_correct" not in everything


def test_duration_comes_from_the_server_clock_only(api, contestant, clock, content):
    session = contestant()
    quiz = api.post("/api/quiz", token=session).body
    clock.advance(61)
    body = {"token": quiz["token"], "answers": {}, "prediction": 1, "duration_ms": 1}
    assert api.post("/api/submit", body, token=session).status == 422  # the client cannot even say how long it took
    receipt = api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 1}, token=session).body
    assert receipt["duration_ms"] == 61_000
    item = AttemptItem.get(account_pk(AttemptItem.scan().next().account_id), AttemptItem.scan().next().sk)
    assert item.duration_ms == item.submitted_at_ms - item.issued_at_ms
