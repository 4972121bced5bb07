"""registration.verification = at_award, end to end on moto through the real handlers:
register (no SMS) → quiz → submit → close → every prize candidate gets exactly one code → confirm on
"Trang của tôi" → the private reports show who confirmed; the committee records a confirmation by telephone;
an unconfirmed prize stays where it is. Also: reclaiming a squatted number, and the TTL of unverified accounts.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from contest.store import Store
from tests.integration.conftest import load_handlers
from tests.support import (
    PHONES,
    PINNED_QUIZ_RULES,
    PINNED_WEEKLY_PRIZES,
    WEEK1_MID,
    Api,
    LambdaContext,
    code_for,
    e164,
    make_content,
    unit,
)


@pytest.fixture
def content():
    changes = {"registration.verification": "at_award", **PINNED_QUIZ_RULES, **PINNED_WEEKLY_PRIZES}
    return make_content(contest_changes=changes)


@pytest.fixture
def api(repo, clock, sender):
    return Api(load_handlers(clock, sender, names=("register", "account", "info", "quiz", "submit", "close_week")))


def answers_for(quiz: dict, content, correct: int) -> dict[str, str]:
    right_text = {q.id: q.options[q.correct] for q in content.bank.questions}
    out = {}
    for k, q in enumerate(quiz["questions"]):
        right = next(o["id"] for o in q["options"] if o["text"] == right_text[q["id"]])
        wrong = next(o["id"] for o in q["options"] if o["id"] != right)
        out[q["id"]] = right if k < correct else wrong
    return out


def take_part(api, clock, content, phone: str, name: str, correct: int, seconds: int, consents=None) -> str:
    """Register and play at once (no code in at_award), return the session."""
    assert api.register(phone, name=name, consents=consents).status == 201
    token = api.login(phone).body["token"]
    quiz = api.post("/api/quiz", token=token).body
    clock.advance(seconds)
    body = {"token": quiz["token"], "answers": answers_for(quiz, content, correct), "prediction": 10}
    receipt = api.post("/api/submit", body, token=token)
    assert receipt.status == 200, receipt.body
    return token


def close(api, week: int | None = None) -> dict:
    payload = {} if week is None else {"week": week}
    return api.functions["close_week"].lambda_handler(payload, LambdaContext())


def awards_csv(env) -> list[dict]:
    raw = (Path(env["CONTEST_PRIVATE_DIR"]) / "reports" / "week-1" / "awards.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(raw)))


def test_at_award_winners_confirm_after_the_close(api, repo, sender, clock, content, env):
    # Given eight contestants who registered without any SMS and took week 1 at once; two tie for the
    # last prize (third, 6th place) with a seventh
    assert content.contest.verification == "at_award"
    plan = [(15, 100), (15, 110), (15, 120), (14, 100), (14, 110), (13, 100), (13, 100), (12, 100)]
    sessions = {}
    # the second agreed to be contacted about a prize (consent purpose prize_contact); the others did not
    contact = {p.id: p.required or p.id == "prize_contact" for p in content.contest.consent_purposes}
    for i, (correct, seconds) in enumerate(plan):
        consents = contact if i == 1 else None
        name = f"Người Dự Thi {chr(65 + i)}"
        sessions[i] = take_part(api, clock, content, PHONES[i], name, correct, seconds, consents)
    assert sender.sent == []  # registration sent nothing
    # When week 1 closes
    w1 = content.contest.weeks[0]
    clock.at = w1.results_at
    result = close(api)
    assert result["status"] == "published"
    # Then the 5 clear winners and both members of the boundary tie each got exactly one code
    by_phone = {}
    for phone, _ in sender.sent:
        by_phone[phone] = by_phone.get(phone, 0) + 1
    assert by_phone == {e164(PHONES[i]): 1 for i in range(7)}
    assert result["award_codes_sent"] == 7 and result["awards_unconfirmed"] == 7
    sessions = {i: api.login(PHONES[i]).body["token"] for i in range(len(plan))}  # a new day, new sessions
    # and each sees it on "Trang của tôi"
    me = api.get("/api/me", token=sessions[0]).body
    assert me["verification"] == "at_award" and me["awards"][0]["week"] == 1
    assert me["awards"][0]["confirmed_at"] is None and me["awards"][0]["prize"] == "Giải Nhất"
    # When the winner confirms with a wrong code, then the right one
    wrong = api.post("/api/me/award", {"week": 1, "code": "000000"}, token=sessions[0])
    assert wrong.status == 400 and wrong.body["code"] == "CODE_INVALID"
    code = code_for(sender.sent, e164(PHONES[0]))
    confirmed = api.post("/api/me/award", {"week": 1, "code": code}, token=sessions[0])
    assert confirmed.status == 200
    # the winner did not agree to be contacted about the prize: told to come forward, not to wait for a call
    assert "liên hệ Ban Tổ chức để nhận giải" in confirmed.body["message"]
    assert "Ban Tổ chức sẽ liên hệ" not in confirmed.body["message"]
    # and "Trang của tôi" says the same: the award carries whether the organisers may contact the winner
    award = api.get("/api/me", token=sessions[0]).body["awards"][0]
    assert award["confirmed_at"] is not None and award["contact"] is False
    # someone else's code does not work for another winner
    other = code_for(sender.sent, e164(PHONES[2]))
    assert api.post("/api/me/award", {"week": 1, "code": other}, token=sessions[1]).status == 400
    # And the committee may not record a call to a winner who did not agree to be contacted about the prize
    from typer.testing import CliRunner

    from contest.cli import app

    cli_env = {"CONTEST_TABLE": "contest-test", "AWS_REGION": "ap-southeast-1", "COLUMNS": "300", **env}
    called = ["committee", "verify", "--phone", PHONES[3], "--by", "Trần Thư Ký", "--note", "Gọi 9:10", "--aws"]
    refused = CliRunner().invoke(app, called, env=cli_env)
    assert refused.exit_code == 1 and "không đồng ý để Ban Tổ chức gọi điện" in refused.output
    assert Store().awards.award(repo.phones.claim(e164(PHONES[3])).account_id, 1).confirmed_at_ms is None
    # but it records a confirmation made by telephone for the second winner, who agreed
    verified = CliRunner().invoke(
        app,
        ["committee", "verify", "--phone", PHONES[1], "--by", "Trần Thư Ký", "--note", "Gọi 9:15, đúng người", "--aws"],
        env={"CONTEST_TABLE": "contest-test", "AWS_REGION": "ap-southeast-1", "COLUMNS": "300", **env},
    )
    assert verified.exit_code == 0, verified.output
    assert "Trần Thư Ký" in verified.output
    # When the week is rerun (the committee's routine), no code is sent again
    sent_before = len(sender.sent)
    rerun = close(api, week=1)
    assert len(sender.sent) == sent_before and rerun["award_codes_sent"] == 0
    # Then the private report shows who confirmed, how, and who did not; no prize moved
    rows = {r["Mã tài khoản"]: r for r in awards_csv(env)}
    first = repo.phones.claim(e164(PHONES[0])).account_id
    second = repo.phones.claim(e164(PHONES[1])).account_id
    third = repo.phones.claim(e164(PHONES[2])).account_id
    assert rows[first]["Xác nhận số điện thoại"] == "Đã xác nhận" and rows[first]["Giải"] == "Giải Nhất"
    assert rows[second]["Xác nhận số điện thoại"] == "Đã xác nhận"
    assert "Trần Thư Ký" in rows[second]["Người ghi nhận / cách xác nhận"]
    assert rows[second]["Ghi chú"] == "Gọi 9:15, đúng người"
    assert rows[third]["Xác nhận số điện thoại"].startswith("Chưa xác nhận") and rows[third]["Giải"] == "Giải Nhì"
    assert len(rows) == 7 and rerun["awards_unconfirmed"] == 5
    # the workbook has the same sheet
    from openpyxl import load_workbook

    book = load_workbook(Path(env["CONTEST_PRIVATE_DIR"]) / "reports" / "week-1" / "report.xlsx", read_only=True)
    sheet = list(book["Xác nhận giải"].iter_rows(values_only=True))
    assert len(sheet) == 8 and sum(1 for r in sheet if r[6] == "Đã xác nhận") == 2
    # and `committee groups` shows the confirmation state of the boundary tie's members
    groups = CliRunner().invoke(
        app,
        ["committee", "groups", "--week", "1", "--aws"],
        env={"CONTEST_TABLE": "contest-test", "AWS_REGION": "ap-southeast-1", "COLUMNS": "300", **env},
    )
    assert groups.exit_code == 0, groups.output
    assert "chưa xác nhận" in groups.output
    assert "không liên hệ" in groups.output  # the tie's members did not agree to be contacted
    # after the deadline the web confirmation is refused, the prize stays pending for the committee
    clock.advance(content.contest.award_confirmation_hours * 3600 + 1)
    late = api.post("/api/me/award", {"week": 1, "code": other}, token=api.login(PHONES[2]).body["token"])
    assert late.status == 409 and late.body["code"] == "AWARD_DEADLINE_PASSED"
    assert Store().awards.award(third, 1).confirmed_at_ms is None


def test_a_failed_sms_is_sent_again_by_the_next_run_and_only_then(repo, sender, clock, content, env):
    class Flaky:  # the gateway is down for the first close, back for the next
        down = True

        def send(self, phone, text, *, key=None):
            if self.down:
                raise ConnectionError("gateway down")
            sender.send(phone, text, key=key)

    flaky = Flaky()
    api = Api(load_handlers(clock, sender, names=("register", "account", "info", "quiz", "submit")))
    api.functions |= load_handlers(clock, flaky, names=("close_week",))
    take_part(api, clock, content, PHONES[0], "Người Một", 15, 100)
    clock.at = content.contest.weeks[0].results_at
    assert close(api)["award_codes_failed"] == 1
    flaky.down = False
    assert close(api, week=1)["award_codes_sent"] == 1
    assert close(api, week=1)["award_codes_sent"] == 0
    assert len(sender.sent) == 1


class TestReclaim:
    def test_the_owner_takes_a_squatted_number_over_and_the_squatters_entries_are_withdrawn(
        self, api, repo, sender, clock, content, env
    ):
        # Given a squatter who registered the owner's number (at_award: no code) and took week 1
        squat = take_part(api, clock, content, PHONES[0], "Kẻ Chiếm Số", 15, 100)
        take_part(api, clock, content, PHONES[1], "Người Khác", 10, 100)
        squatter = repo.phones.claim(e164(PHONES[0])).account_id
        # When the real owner reclaims the number with their own details
        body = {
            "full_name": "Chủ Số Thật",
            "phone": PHONES[0],
            "unit_id": unit("so-tttt"),
            "password": "mat-khau-that-1",
            "consent": True,
        }
        started = api.post("/api/reclaim", body)
        assert started.status == 200
        code = code_for(sender.sent, e164(PHONES[0]))
        # the code alone (without the ticket of the browser that asked) does nothing
        assert api.post("/api/verify", {"phone": PHONES[0], "code": code}).status == 400
        done = api.post("/api/verify", {"phone": PHONES[0], "code": code, "ticket": started.body["ticket"]})
        assert done.status == 200
        # Then the owner logs in to a new, verified account with their name; the squatter's sessions end
        login = api.login(PHONES[0], "mat-khau-that-1")
        assert login.status == 200
        me = api.get("/api/me", token=login.body["token"]).body
        assert (me["full_name"], me["verified"]) == ("Chủ Số Thật", True)
        assert api.get("/api/me", token=squat).status == 401
        assert api.login(PHONES[0]).status == 401
        # the squatter's account is closed and its week-1 entry withdrawn before the close; recorded
        assert repo.accounts.account(squatter).closed_at_ms is not None
        [reclaim] = repo.phones.reclaims()
        assert reclaim.old_account_id == squatter and reclaim.withdrawn_weeks == (1,)
        clock.at = content.contest.weeks[0].results_at
        close(api)
        published = json.loads((Path(env["CONTEST_PUBLISH_DIR"]) / "results" / "week-1.json").read_text())
        assert "Kẻ Chiếm Số" not in json.dumps(published, ensure_ascii=False)
        # and the committee's listing shows it
        from typer.testing import CliRunner

        from contest.cli import app

        listed = CliRunner().invoke(
            app,
            ["committee", "reclaims", "--aws"],
            env={"CONTEST_TABLE": "contest-test", "AWS_REGION": "ap-southeast-1", "COLUMNS": "300", **env},
        )
        assert listed.exit_code == 0 and squatter in listed.output and "Kẻ Chiếm Số" in listed.output

    def test_a_verified_account_can_never_be_taken_over(self, api, repo, sender, clock, content):
        # Given an owner whose phone is proven (a password reset by code proves it)
        take_part(api, clock, content, PHONES[0], "Chủ Số", 15, 100)
        assert api.post("/api/password/reset", {"phone": PHONES[0]}).status == 200
        reset = {"phone": PHONES[0], "code": code_for(sender.sent, e164(PHONES[0])), "new_password": "mat-khau-123"}
        assert api.post("/api/password/reset/confirm", reset).status == 200
        owner = repo.phones.claim(e164(PHONES[0])).account_id
        assert repo.accounts.account(owner).verified
        # When an attacker reclaims it and even gets the code entered (e.g. talked the owner into it)
        clock.advance(61)
        body = {
            "full_name": "Kẻ Gian",
            "phone": PHONES[0],
            "unit_id": unit("so-tttt"),
            "password": "mat-khau-gian-9",
            "consent": True,
        }
        started = api.post("/api/reclaim", body)
        code = code_for(sender.sent, e164(PHONES[0]))
        reply = api.post("/api/verify", {"phone": PHONES[0], "code": code, "ticket": started.body["ticket"]})
        # Then the answer is the usual one, but nothing changed: same account, same password, no reclaim
        assert reply.status == 200
        assert (
            repo.phones.claim(e164(PHONES[0])).account_id == owner and repo.accounts.account(owner).closed_at_ms is None
        )
        assert api.login(PHONES[0]).status == 200 and api.login(PHONES[0], "mat-khau-gian-9").status == 401
        assert repo.phones.reclaims() == []


class TestUnverifiedAccountsExpire:
    @pytest.fixture
    def content(self):
        return make_content(contest_changes={"registration.verification": "at_registration"})

    def test_an_unverified_account_carries_a_ttl_and_is_dead_after_a_day(self, api, repo, sender, clock):
        from contest.store.tables import AccountItem, PhoneItem

        # Given a registration never verified (a squatter's, say)
        api.register(PHONES[0], name="Kẻ Chiếm Số")
        claim = repo.phones.claim(e164(PHONES[0]))
        now_s = int(WEEK1_MID.timestamp())
        # Then its items carry DynamoDB's TTL attribute, a day ahead
        assert PhoneItem.get(f"PHONE#{e164(PHONES[0])}", "CLAIM").ttl == now_s + 86_400
        assert AccountItem.get(f"ACCOUNT#{claim.account_id}", "PROFILE").ttl == now_s + 86_400
        # When a day passes (moto, like DynamoDB for up to days, has not deleted the items)
        clock.advance(86_400 + 1)
        assert repo.phones.claim(e164(PHONES[0])) is not None
        # Then the number is free: the owner registers and verifies with the ordinary code
        assert api.register(PHONES[0], name="Chủ Số Thật").status == 201
        code = code_for(sender.sent, e164(PHONES[0]))
        assert api.post("/api/verify", {"phone": PHONES[0], "code": code}).status == 200
        fresh = repo.phones.claim(e164(PHONES[0]))
        assert fresh.account_id != claim.account_id and fresh.expires_at_s is None
        assert repo.accounts.account(fresh.account_id).full_name == "Chủ Số Thật"
        assert AccountItem.get(f"ACCOUNT#{fresh.account_id}", "PROFILE").ttl is None
        assert api.login(PHONES[0]).status == 200

    def test_a_verified_account_has_no_ttl(self, api, repo, sender):
        from contest.store.tables import AccountItem, PhoneItem

        api.register(PHONES[0])
        api.post("/api/verify", {"phone": PHONES[0], "code": code_for(sender.sent, e164(PHONES[0]))})
        claim = repo.phones.claim(e164(PHONES[0]))
        assert PhoneItem.get(f"PHONE#{e164(PHONES[0])}", "CLAIM").ttl is None and claim.expires_at_s is None
        assert AccountItem.get(f"ACCOUNT#{claim.account_id}", "PROFILE").ttl is None

    def test_in_at_registration_a_taken_number_is_reclaimed_by_registering_with_the_code(
        self, api, repo, sender, clock
    ):
        # Given a squatter's unverified registration
        api.register(PHONES[0], name="Kẻ Chiếm Số")
        squatter = repo.phones.claim(e164(PHONES[0])).account_id
        clock.advance(61)
        # When the owner registers the same number: the answer is the usual one and a code reaches the phone
        reply = api.register(PHONES[0], name="Chủ Số Thật")
        assert reply.status == 201
        code = code_for(sender.sent, e164(PHONES[0]))
        assert re.fullmatch(r"\d{6}", code)
        done = api.post("/api/verify", {"phone": PHONES[0], "code": code, "ticket": reply.body["ticket"]})
        # Then the owner has the number
        assert done.status == 200
        assert repo.accounts.account(repo.phones.claim(e164(PHONES[0])).account_id).full_name == "Chủ Số Thật"
        assert repo.accounts.account(squatter).closed_at_ms is not None
