"""Registration, phone verification, login and password reset through the real handlers on moto."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import PHONES, code_for, e164, make_content, unit


def registered(api, sender, phone=PHONES[0], **kw):
    assert api.register(phone, **kw).status == 201
    assert api.post("/api/verify", {"phone": phone, "code": code_for(sender.sent, e164(phone))}).status == 200


class TestRegister:
    def test_every_common_spelling_of_one_number_is_one_account(self, api, repo):
        # Given a contestant registered with one spelling of their number
        assert api.register("0912 345 678").status == 201
        # When the same number is registered in every other common spelling
        spellings = [
            "0912345678",
            "0912.345.678",
            "+84 912 345 678",
            "84912345678",
            "+84-912-345-678",
            "０９１２３４５６７８",
        ]
        first = repo.phones.claim("+84912345678")
        replies = [api.register(s) for s in spellings]
        # Then each gets the answer a new registration gets (nothing says the number is taken) ...
        assert {r.status for r in replies} == {201}
        assert {r.body["message"] for r in replies} == {api.register(PHONES[5]).body["message"]}
        # ... and it is still one account, the first one
        assert repo.phones.claim("+84912345678").account_id == first.account_id

    @pytest.mark.parametrize("phone", ["024 3825 1234", "+1 202 555 0143", "01212345678", "12345", "abc"])
    def test_landline_foreign_and_invalid_numbers_are_refused(self, api, phone):
        reply = api.register(phone)
        assert reply.status == 422 and reply.body["code"] == "INVALID_PHONE"
        assert "Số điện thoại" in reply.body["message"]

    def test_twenty_concurrent_registrations_of_one_number_make_one_account(self, api, repo):
        # When 20 requests for one number arrive at once
        with ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(lambda _: api.register("0987654321"), range(20)))
        # Then all get the same answer and exactly one account exists
        assert {r.status for r in replies} == {201}
        claim = repo.phones.claim("+84987654321")
        assert claim is not None and repo.accounts.account(claim.account_id) is not None
        from contest.store.tables import AccountItem

        phones = [i.phone for i in AccountItem.scan(AccountItem.sk == "PROFILE")]
        assert phones.count("+84987654321") == 1

    def test_unknown_unit_missing_consent_and_weak_password_are_refused(self, api):
        base = {
            "full_name": "Trần Thị Bình",
            "phone": PHONES[1],
            "unit_id": unit("so-tttt"),
            "password": "mat-khau-123",
        }
        assert api.post("/api/register", base | {"unit_id": "khong-co", "consent": True}).body["code"] == "UNKNOWN_UNIT"
        assert api.post("/api/register", base | {"consent": False}).status == 422
        assert api.post("/api/register", base).status == 422
        assert api.post("/api/register", base | {"password": "ngan", "consent": True}).body["code"] == "WEAK_PASSWORD"
        # and nothing was stored for that number
        assert api.register(PHONES[1]).status == 201

    def test_names_are_cleaned_and_control_characters_refused(self, api, repo):
        assert api.register(PHONES[2], name="  Nguyễn   Văn   An  ").status == 201
        account = repo.accounts.account(repo.phones.claim(e164(PHONES[2])).account_id)
        assert account.full_name == "Nguyễn Văn An"
        reply = api.register(PHONES[3], name="Kẻ\u202eGian")
        assert reply.status == 422 and reply.body["code"] == "INVALID_NAME"

    def test_excluded_phone_cannot_take_part_but_registering_it_reveals_nothing(self, api, repo, sender):
        # Given the organisers excluded a secretariat member's phone
        repo.phones.add_exclusion("+84912345699", "Tổ Thư ký", 0)
        # When someone registers that number
        reply = api.register("0912345699")
        # Then the answer is the one every registration gets
        assert reply.status == 201 and reply.body["message"] == api.register(PHONES[6]).body["message"]
        # and only the phone's owner (who holds the code) learns, at the quiz, that they may not take part
        code = code_for(sender.sent, "+84912345699")
        assert api.post("/api/verify", {"phone": "0912345699", "code": code}).status == 200
        token = api.login("0912345699").body["token"]
        refused = api.post("/api/quiz", token=token)
        assert refused.status == 403 and refused.body["code"] == "EXCLUDED"
        assert repo.accounts.account(repo.phones.claim("+84912345699").account_id).excluded is True

    def test_consent_time_and_version_are_recorded(self, api, repo, clock, content):
        from contest.store.tables import AccountItem

        api.register(PHONES[4])
        claim = repo.phones.claim(e164(PHONES[4]))
        item = AccountItem.get(f"ACCOUNT#{claim.account_id}", "PROFILE")
        assert item.consent_version == content.contest.consent_version
        assert item.consent_at_ms == int(clock.now().timestamp() * 1000)
        assert item.password_hash.startswith("scrypt$") and "mat-khau-123" not in item.password_hash


class TestRegistrationFlood:
    @pytest.fixture
    def content(self):
        return make_content(contest_changes={"limits.registrations_per_ip_per_hour": 8})

    def test_registration_flood_from_one_address_is_throttled(self, api, content):
        limit = content.contest.limits.registrations_per_ip_per_hour
        for i in range(limit):
            assert api.register(PHONES[100 + i], ip="198.51.100.7").status == 201
        reply = api.register(PHONES[100 + limit], ip="198.51.100.7")
        assert reply.status == 429 and reply.body["code"] == "TOO_MANY_REGISTRATIONS"
        # another address is not affected
        assert api.register(PHONES[100 + limit], ip="198.51.100.8").status == 201

    def test_behind_cloudfront_the_viewer_address_is_what_counts(self, api, content):
        limit = content.contest.limits.registrations_per_ip_per_hour
        viewer = {"cloudfront-viewer-address": "2001:db8::7:51234"}
        for i in range(limit):  # many edge nodes, one viewer
            assert api.register(PHONES[300 + i], ip=f"130.176.0.{i}", headers=viewer).status == 201
        reply = api.register(PHONES[300 + limit], ip="130.176.1.1", headers=viewer)
        assert reply.body["code"] == "TOO_MANY_REGISTRATIONS"


class TestVerify:
    def test_code_is_single_use(self, api, sender):
        api.register(PHONES[0])
        code = code_for(sender.sent, e164(PHONES[0]))
        assert api.post("/api/verify", {"phone": PHONES[0], "code": code}).status == 200
        reply = api.post("/api/verify", {"phone": PHONES[0], "code": code})
        assert reply.status == 400 and reply.body["code"] == "CODE_INVALID"

    def test_code_expires_after_five_minutes(self, api, sender, clock):
        api.register(PHONES[0])
        code = code_for(sender.sent, e164(PHONES[0]))
        clock.advance(5 * 60 + 1)
        reply = api.post("/api/verify", {"phone": PHONES[0], "code": code})
        assert reply.status == 400 and "hết hạn" in reply.body["message"]

    def test_five_wrong_tries_kill_the_code(self, api, sender):
        api.register(PHONES[0])
        code = code_for(sender.sent, e164(PHONES[0]))
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        replies = [api.post("/api/verify", {"phone": PHONES[0], "code": wrong}) for _ in range(5)]
        assert {r.body["code"] for r in replies} == {"CODE_INVALID"}
        assert all("tries_left" not in r.body for r in replies)
        # even the right code is now refused, with the same answer
        assert api.post("/api/verify", {"phone": PHONES[0], "code": code}).body == replies[0].body

    def test_a_code_with_letters_uses_up_no_try(self, api, sender):
        # Given a registered number and its code
        api.register(PHONES[0])
        code = code_for(sender.sent, e164(PHONES[0]))
        # When the person types letters (or too few digits) more times than the tries allowed
        replies = [api.post("/api/verify", {"phone": PHONES[0], "code": c}) for c in ["12a456", "abcdef", "12345"] * 3]
        # Then each is refused as malformed, and the right code still works afterwards
        assert {r.body["code"] for r in replies} == {"CODE_INVALID"}
        assert all("chữ số" in r.body["message"] for r in replies)
        assert api.post("/api/verify", {"phone": PHONES[0], "code": code}).status == 200

    def test_brute_force_over_many_codes_never_verifies(self, api, sender, repo):
        api.register(PHONES[0])
        real = code_for(sender.sent, e164(PHONES[0]))
        guesses = [f"{n:06d}" for n in range(200) if f"{n:06d}" != real]
        outcomes = {api.post("/api/verify", {"phone": PHONES[0], "code": g}).status for g in guesses}
        assert 200 not in outcomes
        assert repo.accounts.account(repo.phones.claim(e164(PHONES[0])).account_id).verified is False

    def test_resend_is_throttled_and_invalidates_the_old_code(self, api, sender, clock):
        api.register(PHONES[0])
        first = code_for(sender.sent, e164(PHONES[0]))
        sent = len(sender.sent)
        too_soon = api.post("/api/verify/resend", {"phone": PHONES[0]})
        # too soon: the same answer as always (a wait time would exist only for a registered number), no SMS
        assert too_soon.status == 200 and too_soon.body == api.post("/api/verify/resend", {"phone": PHONES[9]}).body
        assert len(sender.sent) == sent
        clock.advance(61)
        assert api.post("/api/verify/resend", {"phone": PHONES[0]}).status == 200
        second = code_for(sender.sent, e164(PHONES[0]))
        if first != second:
            assert api.post("/api/verify", {"phone": PHONES[0], "code": first}).body["code"] == "CODE_INVALID"
        assert api.post("/api/verify", {"phone": PHONES[0], "code": second}).status == 200

    def test_resend_to_many_numbers_sends_only_to_registered_ones_within_the_hourly_cap(self, api, sender, clock):
        api.register(PHONES[0])
        sent_before = len(sender.sent)
        for phone in PHONES[50:90]:  # SMS pumping: numbers nobody registered
            assert api.post("/api/verify/resend", {"phone": phone}).status == 200
        assert len(sender.sent) == sent_before
        for _ in range(10):  # hourly cap per registered phone
            clock.advance(61)
            api.post("/api/verify/resend", {"phone": PHONES[0]})
        per_hour = make_content().contest.limits.code_sends_per_hour
        assert len([p for p, _ in sender.sent if p == e164(PHONES[0])]) == per_hour


class TestLogin:
    def test_wrong_phone_and_wrong_password_get_the_same_answer(self, api, sender):
        registered(api, sender)
        unknown = api.login(PHONES[9])
        wrong = api.login(PHONES[0], "sai-mat-khau")
        assert unknown.status == wrong.status == 401
        assert unknown.body == wrong.body

    def test_repeated_failures_are_slowed_down(self, api, sender, clock):
        registered(api, sender)
        for _ in range(5):
            assert api.login(PHONES[0], "sai-mat-khau").status == 401
        throttled = api.login(PHONES[0])  # even the right password waits, told nothing an unknown number is not
        assert throttled.status == 401 and throttled.body == api.login(PHONES[9]).body
        clock.advance(30)
        assert api.login(PHONES[0]).status == 200

    def test_session_reaches_me_with_a_masked_phone(self, api, sender):
        registered(api, sender)
        token = api.login("+84 912 345 600").body["token"]
        me = api.get("/api/me", token=token)
        assert me.status == 200
        assert me.body["phone_masked"] == "•••••••600"  # the one public mask: the last three digits
        assert me.body["unit_name"] == next(u.name for u in make_content().units if u.id == unit("so-tttt"))
        assert "0912345600" not in str(me.body) and "912345600" not in str(me.body)

    def test_me_without_or_with_a_bad_token_is_unauthorized(self, api):
        assert api.get("/api/me").body["code"] == "UNAUTHORIZED"
        assert api.get("/api/me", token="abc.def.ghi").status == 401


class TestPasswordReset:
    def test_reset_by_code_changes_the_password_and_ends_old_sessions(self, api, sender, clock):
        registered(api, sender)
        old_session = api.login(PHONES[0]).body["token"]
        clock.advance(1)
        assert api.post("/api/password/reset", {"phone": PHONES[0]}).status == 200
        code = code_for(sender.sent, e164(PHONES[0]))
        body = {"phone": PHONES[0], "code": code, "new_password": "mat-khau-moi-456"}
        assert api.post("/api/password/reset/confirm", body).status == 200
        assert api.login(PHONES[0]).status == 401
        assert api.login(PHONES[0], "mat-khau-moi-456").status == 200
        assert api.get("/api/me", token=old_session).status == 401
        # the code was single use
        assert api.post("/api/password/reset/confirm", body).body["code"] == "CODE_INVALID"

    def test_reset_for_an_unknown_number_sends_nothing_and_reveals_nothing(self, api, sender):
        reply = api.post("/api/password/reset", {"phone": PHONES[7]})
        assert reply.status == 200 and sender.sent == []


class TestPublicInfo:
    def test_units_are_grouped(self, api, content):
        body = api.get("/api/units").body
        assert len(body["units"]) == len(content.units)
        assert {g["id"] for g in body["groups"]} == {g.id for g in content.groups}
        assert {(u["id"], u["name"], u["group"]) for u in body["units"]} == {
            (u.id, u.name, u.group) for u in content.units
        }

    def test_contest_info_has_weeks_and_server_time_but_no_participant_count(self, api, content):
        body = api.get("/api/contest").body
        assert [w["number"] for w in body["weeks"]] == [w.number for w in content.contest.weeks]
        assert body["open_week"] == 1
        assert not re.search(r"particip|count|tham_gia", str(body.keys()))


def test_logs_never_hold_phones_codes_or_tokens(api, sender, capsys, caplog):
    from contest.adapters.observability import logger

    level = logger.log_level
    logger.setLevel("INFO")  # earlier tests may have built the logger quieter (the local stack runs at WARNING)
    try:
        _journey_logs_hold_no_secrets(api, sender, capsys, caplog)
    finally:
        logger.setLevel(level)


def _journey_logs_hold_no_secrets(api, sender, capsys, caplog):
    # Given a full account journey with failures along the way
    registered(api, sender)
    api.login(PHONES[0], "sai-mat-khau")
    token = api.login(PHONES[0]).body["token"]
    api.get("/api/me", token=token)
    api.post("/api/verify", {"phone": PHONES[0], "code": "000000"})
    out = capsys.readouterr()
    logs = out.out + out.err + "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    # Then the logs hold none of the secrets that passed through
    codes = [re.search(r"\d{6}", text).group(0) for _, text in sender.sent]
    assert logs  # the handlers did log
    for secret in [PHONES[0], PHONES[0][1:], e164(PHONES[0]), token, token.split(".")[1], *codes]:
        assert secret not in logs


def test_stored_data_never_holds_a_plain_code_or_password(api, sender):
    from contest.store.tables import TableSchema

    api.register(PHONES[0])
    code = code_for(sender.sent, e164(PHONES[0]))
    dump = str(TableSchema._get_connection().connection.client.scan(TableName=TableSchema.Meta.table_name))
    assert "mat-khau-123" not in dump
    assert f"'{code}'" not in dump and f'"{code}"' not in dump


class TestWithoutPhoneVerification:
    @pytest.fixture
    def content(self):
        return make_content(contest_changes={"registration.verification": "at_award"})

    def test_no_code_is_sent_and_the_quiz_opens_at_once(self, api, sender):
        reply = api.register(PHONES[0])
        assert reply.status == 201 and reply.body["verification_required"] is False
        assert sender.sent == []
        token = api.login(PHONES[0]).body["token"]
        assert api.post("/api/quiz", token=token).status == 200

    def test_registration_opens_the_session_that_login_would(self, api, repo, sender, clock, content):
        """at_award: the registration that created the account answers with its session, so the new participant
        needs no separate login; it is the session login gives, under every rule login's session is under."""
        from contest.rules import tokens
        from contest.store.tables import AccountItem

        # When a new participant registers
        reply = api.register(PHONES[1])
        assert reply.status == 201 and sender.sent == []
        token, expires_at = reply.body["token"], reply.body["expires_at"]
        # Then the session lasts contest.limits.session_seconds (12 hours shipped), like login's at the same time
        secret = api.functions["register"].runtime.accounts.secret
        claims = tokens.verify(token, secret, kind="session", now_s=int(clock.now().timestamp()))
        assert claims["exp"] - claims["iat"] == content.contest.limits.session_seconds
        assert api.login(PHONES[1]).body["expires_at"] == expires_at
        # and the consent is recorded before any session exists
        account_id = repo.phones.claim(e164(PHONES[1])).account_id
        item = AccountItem.get(f"ACCOUNT#{account_id}", "PROFILE")
        assert item.consent_version == content.contest.consent_version and claims["sub"] == account_id
        # "Trang của tôi" and the quiz work right away
        me = api.get("/api/me", token=token)
        assert me.status == 200 and me.body["phone_masked"].endswith(PHONES[1][-3:])
        assert api.post("/api/quiz", token=token).status == 200
        # and logging out ends it server-side
        assert api.post("/api/logout", token=token).status == 200
        assert api.get("/api/me", token=token).status == 401

    def test_a_password_reset_ends_the_registration_session(self, api, sender, clock):
        token = api.register(PHONES[2]).body["token"]
        clock.advance(1)
        assert api.post("/api/password/reset", {"phone": PHONES[2]}).status == 200
        code = code_for(sender.sent, e164(PHONES[2]))
        body = {"phone": PHONES[2], "code": code, "new_password": "mat-khau-moi-456"}
        assert api.post("/api/password/reset/confirm", body).status == 200
        assert api.get("/api/me", token=token).status == 401

    def test_a_taken_number_answers_without_a_session_and_the_holder_keeps_theirs(self, api, repo):
        first = api.register(PHONES[3]).body
        again = api.register(PHONES[3], name="Trần Thị Bình")
        assert again.status == 201 and "token" not in again.body and "expires_at" not in again.body
        assert again.body["message"] == first["message"]
        assert api.get("/api/me", token=first["token"]).status == 200


def test_at_registration_the_registration_opens_no_session(api, sender):
    """Code first: no session before the phone is proven (the oracle tests rely on it)."""
    reply = api.register(PHONES[5])
    assert reply.status == 201 and reply.body["verification_required"] is True
    assert "token" not in reply.body and "expires_at" not in reply.body
