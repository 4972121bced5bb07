"""Data subjects' rights through the real register handler on moto: consent per purpose at
registration, my data, withdrawing a consent, asking for erasure, and the organisers' request log (CLI)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from contest.cli import app as cli
from contest.rules.clock import to_ms
from contest.rules.model import Account
from contest.store import Store, tables
from contest.store.keys import PRIVACY
from tests.support import DEFAULT_UNIT, PHONES, code_for, e164, make_content

ALL = {"participation": True, "coordinator": True, "prize_contact": True, "statistics": True}
REQUIRED_ONLY = {"participation": True, "coordinator": False, "prize_contact": False, "statistics": False}
# The purposes these tests exercise, whatever contest the suite runs against (CONTEST_TEST_CONTENT)
PURPOSES = [
    {"id": "participation", "required": True, "title": "Tham gia Cuộc thi và kết quả", "text": "Tham gia và kết quả."},
    {"id": "coordinator", "required": False, "title": "Người phụ trách đơn vị", "text": "Người phụ trách xem."},
    {"id": "prize_contact", "required": False, "title": "Liên hệ nhận giải", "text": "Liên hệ về giải."},
    {"id": "statistics", "required": False, "title": "Thống kê tổng hợp", "text": "Thống kê không nêu tên."},
]


@pytest.fixture
def content():
    return make_content(contest_changes={"registration.consent_purposes": PURPOSES})


def signed_up(api, sender, i: int, consents=None, name: str = "Nguyễn Văn An", unit: str = DEFAULT_UNIT) -> str:
    """Register (the given boxes), verify the phone, log in: the session token."""
    reply = api.register(PHONES[i], name=name, unit=unit, consents=ALL if consents is None else consents)
    assert reply.status == 201, reply.body
    code = code_for(sender.sent, e164(PHONES[i]))
    assert api.post("/api/verify", {"phone": PHONES[i], "code": code}).status == 200
    return api.login(PHONES[i]).body["token"]


def profile_item(repo, phone_index: int):
    claim = repo.phones.claim(e164(PHONES[phone_index]))
    from contest.store.tables import AccountItem

    return AccountItem.get(f"ACCOUNT#{claim.account_id}", "PROFILE", consistent_read=True)


def log_items() -> list[dict]:
    return tables.query_partition(PRIVACY)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--aws"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


# --- consent per purpose at registration ---------------------------------------------------------


class TestRegistrationConsents:
    def test_each_purpose_is_recorded_with_its_text_version_and_time(self, api, repo, clock, content, sender):
        # Given the form's boxes: two optional purposes ticked, one not
        boxes = {"participation": True, "coordinator": True, "prize_contact": False, "statistics": True}
        # When the contestant registers
        assert api.register(PHONES[0], consents=boxes).status == 201
        # Then each agreed purpose is stored with the version and the server's time; the refused one is absent
        stored = json.loads(profile_item(repo, 0).consents)
        now_ms = to_ms(clock.now())
        version = content.contest.consent_version
        assert stored == {
            p: {"version": version, "given_at_ms": now_ms, "withdrawn_at_ms": None}
            for p in ("participation", "coordinator", "statistics")
        }
        assert profile_item(repo, 0).unit_visible is True

    def test_a_required_purpose_left_unticked_is_refused_with_a_stable_code(self, api, repo):
        for boxes in (REQUIRED_ONLY | {"participation": False}, {"coordinator": True}):
            reply = api.register(PHONES[1], consents=boxes)
            assert reply.status == 422
            assert reply.body["code"] == "CONSENT_REQUIRED"
            assert reply.body["purpose"] == "participation"
            assert "Tham gia Cuộc thi và kết quả" in reply.body["message"]
        assert repo.phones.claim(e164(PHONES[1])) is None

    def test_an_unknown_purpose_or_a_non_boolean_box_is_refused(self, api, repo):
        reply = api.register(PHONES[2], consents=ALL | {"marketing": True})
        assert (reply.status, reply.body["code"]) == (422, "UNKNOWN_CONSENT_PURPOSE")
        reply = api.register(PHONES[2], consents=ALL | {"statistics": "yes"})
        assert (reply.status, reply.body["code"]) == (422, "VALIDATION_FAILED")
        body = {"full_name": "Lê Văn Bình", "phone": PHONES[2], "unit_id": DEFAULT_UNIT, "password": "mat-khau-123"}
        reply = api.post("/api/register", body)  # no box at all: silence is not consent
        assert (reply.status, reply.body["code"]) == (422, "CONSENT_REQUIRED")
        assert repo.phones.claim(e164(PHONES[2])) is None

    def test_the_older_single_box_means_the_required_purposes_only(self, api, repo):
        assert api.register(PHONES[3]).status == 201  # {"consent": true}
        assert set(json.loads(profile_item(repo, 3).consents)) == {"participation"}
        assert profile_item(repo, 3).unit_visible is False

    def test_an_account_from_before_consent_per_purpose_keeps_its_consent_for_the_required_purposes(
        self, api, repo, sender, clock
    ):
        # Given an account stored the old way (one consent version and time, no per-purpose record)
        token = signed_up(api, sender, 4)
        item = profile_item(repo, 4)
        item.update(actions=[type(item).consents.remove(), type(item).unit_visible.remove()])
        # When its owner opens their page
        consents = api.get("/api/me", token=token).body["consents"]
        # Then the single consent stands for the required purpose, with its own version and time
        by_id = {c["purpose"]: c for c in consents}
        assert by_id["participation"]["given"] is True
        assert by_id["participation"]["version"] == item.consent_version
        assert all(not by_id[p]["given"] for p in ("coordinator", "prize_contact", "statistics"))

    def test_the_contest_tells_the_form_every_purpose(self, api, content):
        body = api.get("/api/contest").body
        assert [p["id"] for p in body["consent_purposes"]] == [p.id for p in content.contest.consent_purposes]
        assert {p["id"]: p["required"] for p in body["consent_purposes"]}["participation"] is True


# --- withdrawing a consent -------------------------------------------------------------------------


class TestWithdraw:
    def test_an_optional_consent_is_withdrawn_logged_once_and_a_retry_changes_nothing(self, api, repo, sender, clock):
        token = signed_up(api, sender, 10)
        # When the contestant withdraws the coordinator view
        first = api.post("/api/me/consents", {"purpose": "coordinator", "given": False}, token=token)
        # Then it is withdrawn at once (the coordinator's list no longer names them) and logged, pending
        assert first.status == 200, first.body
        row = {c["purpose"]: c for c in first.body["consents"]}["coordinator"]
        assert row["given"] is False and row["withdrawn_at"] is not None and row["given_at"] is not None
        assert profile_item(repo, 10).unit_visible is False
        [logged] = log_items()
        assert logged["kind"]["S"] == "withdraw" and logged["purpose"]["S"] == "coordinator"
        assert logged["status"]["S"] == "pending"
        assert int(logged["due_at_ms"]["N"]) - int(logged["received_at_ms"]["N"]) == 72 * 3_600_000
        # And a retry (later) answers the same request and writes nothing new
        clock.advance(120)
        again = api.post("/api/me/consents", {"purpose": "coordinator", "given": False}, token=token)
        assert again.status == 200 and again.body["request_id"] == first.body["request_id"]
        assert again.body["consents"] == first.body["consents"]
        assert len(log_items()) == 1

    def test_a_required_consent_cannot_be_withdrawn_and_the_message_points_to_erasure(self, api, repo, sender):
        token = signed_up(api, sender, 11)
        reply = api.post("/api/me/consents", {"purpose": "participation", "given": False}, token=token)
        assert (reply.status, reply.body["code"]) == (409, "REQUIRED_CONSENT")
        assert "xóa dữ liệu" in reply.body["message"]
        assert json.loads(profile_item(repo, 11).consents)["participation"]["withdrawn_at_ms"] is None
        assert log_items() == []

    def test_giving_a_consent_again_records_the_current_version_and_time(self, api, repo, sender, clock, content):
        token = signed_up(api, sender, 12, consents=REQUIRED_ONLY)
        assert profile_item(repo, 12).unit_visible is False
        clock.advance(3600)
        reply = api.post("/api/me/consents", {"purpose": "coordinator", "given": True}, token=token)
        assert reply.status == 200
        stored = json.loads(profile_item(repo, 12).consents)["coordinator"]
        assert stored == {
            "version": content.contest.consent_version,
            "given_at_ms": to_ms(clock.now()),
            "withdrawn_at_ms": None,
        }
        assert profile_item(repo, 12).unit_visible is True
        assert api.post("/api/me/consents", {"purpose": "coordinator", "given": True}, token=token).status == 200
        assert json.loads(profile_item(repo, 12).consents)["coordinator"] == stored  # a retry changes nothing

    @pytest.mark.parametrize(
        "body, code",
        [
            ({"purpose": "marketing", "given": False}, "UNKNOWN_CONSENT_PURPOSE"),
            ({"purpose": "coordinator"}, "VALIDATION_FAILED"),
            ({"purpose": "coordinator", "given": 0}, "VALIDATION_FAILED"),
            ({"purpose": "coordinator", "given": False, "extra": 1}, "VALIDATION_FAILED"),
            ({"purpose": "x" * 41, "given": False}, "VALIDATION_FAILED"),
        ],
    )
    def test_bad_bodies_are_refused_with_a_4xx_code(self, api, sender, body, code):
        token = signed_up(api, sender, 13)
        reply = api.post("/api/me/consents", body, token=token)
        assert 400 <= reply.status < 500 and reply.body["code"] == code
        assert log_items() == []

    def test_every_route_needs_a_current_session(self, api, sender):
        token = signed_up(api, sender, 14)
        assert api.post("/api/logout", token=token).status == 200
        for method, path, body in (
            ("GET", "/api/me/data", None),
            ("POST", "/api/me/consents", {"purpose": "statistics", "given": False}),
            ("POST", "/api/me/erasure", {"password": "mat-khau-123"}),
        ):
            for bearer in (None, token, "not-a-token"):
                reply = api.call(method, path, body, token=bearer)
                assert (reply.status, reply.body["code"]) == (401, "UNAUTHORIZED"), (path, bearer)
        assert log_items() == []


# --- erasure requests ------------------------------------------------------------------------------


class TestErasure:
    def test_a_request_needs_the_current_password_and_is_logged_once(self, api, repo, sender, clock):
        token = signed_up(api, sender, 20)
        wrong = api.post("/api/me/erasure", {"password": "khong-dung-1"}, token=token)
        assert (wrong.status, wrong.body["code"]) == (403, "PASSWORD_INCORRECT")
        assert log_items() == []
        first = api.post("/api/me/erasure", {"password": "mat-khau-123"}, token=token)
        assert first.status == 202, first.body
        assert first.body["status"] == "pending" and first.body["request_id"] in first.body["message"]
        clock.advance(60)
        again = api.post("/api/me/erasure", {"password": "mat-khau-123"}, token=token)
        assert again.status == 202 and again.body == first.body
        [logged] = log_items()
        assert logged["kind"]["S"] == "erasure" and "purpose" not in logged
        # the log holds the account id and what was asked: no name, no phone
        text = json.dumps(logged, ensure_ascii=False)
        assert "Nguyễn" not in text and PHONES[20][1:] not in text

    def test_guessing_the_password_through_erasure_locks_like_a_login(self, api, repo, sender, content):
        token = signed_up(api, sender, 21)
        free = content.contest.limits.login_failures_before_delay
        for _ in range(free + 1):
            api.post("/api/me/erasure", {"password": "khong-dung-1"}, token=token)
        # the right password is not even checked while the phone is locked
        reply = api.post("/api/me/erasure", {"password": "mat-khau-123"}, token=token)
        assert (reply.status, reply.body["code"]) == (403, "PASSWORD_INCORRECT")
        assert log_items() == []

    def test_a_body_without_password_is_refused(self, api, sender):
        token = signed_up(api, sender, 22)
        for body in ({}, {"password": 12345678}, {"password": "mat-khau-123", "now": True}):
            reply = api.post("/api/me/erasure", body, token=token)
            assert (reply.status, reply.body["code"]) == (422, "VALIDATION_FAILED")
        reply = api.call("POST", "/api/me/erasure", "not json", token=token)
        assert 400 <= reply.status < 500


# --- my data ---------------------------------------------------------------------------------------


def _mentions(raw: dict, account_id: str) -> bool:
    return account_id in json.dumps(raw, default=repr)


def _scan() -> list[dict]:
    connection = tables.connection()
    items, start = [], None
    while True:
        kwargs = {"TableName": tables.TableSchema.Meta.table_name}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = connection._make_api_call("Scan", kwargs)
        items.extend(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _values(value) -> set[str]:
    """Every scalar inside a plain JSON value, as text."""
    if isinstance(value, dict):
        return set().union(*(_values(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_values(v) for v in value)) if value else set()
    return {json.dumps(value, ensure_ascii=False)}


class TestMyData:
    @pytest.fixture
    def two_people(self, api, sender, repo, clock):
        """Two contestants of one unit who each took week 1's quiz; one is a coordinator and withdrew a consent."""
        me = signed_up(api, sender, 30, name="Trần Thị Mai")
        other = signed_up(api, sender, 31, name="Phạm Văn Khoa")
        for token in (me, other):
            quiz = api.post("/api/quiz", token=token).body
            answers = {q["id"]: "A" for q in quiz["questions"]}
            assert (
                api.post(
                    "/api/submit", {"token": quiz["token"], "answers": answers, "prediction": 7}, token=token
                ).status
                == 200
            )
        invoke("coordinators", "add", "--unit", DEFAULT_UNIT, "--phone", PHONES[30])
        assert api.post("/api/me/consents", {"purpose": "statistics", "given": False}, token=me).status == 200
        assert api.post("/api/me/erasure", {"password": "mat-khau-123"}, token=other).status == 202
        return me, other

    def test_the_export_holds_everything_stored_about_the_account_and_nothing_about_another(
        self, api, repo, two_people, content
    ):
        me, _ = two_people
        # When the contestant downloads their data
        reply = api.get("/api/me/data", token=me)
        assert reply.status == 200, reply.body
        data = reply.body
        mine, theirs = (
            repo.phones.claim(e164(PHONES[30])).account_id,
            repo.phones.claim(e164(PHONES[31])).account_id,
        )
        assert data["account_id"] == mine
        exported = _values(data)
        # Then every table item that mentions the account is in it, attribute by attribute (secrets withheld)
        from contest.services.privacy import INTERNAL, WITHHELD
        from contest.store.privacy import plain_item

        found = [plain_item(raw) for raw in _scan() if _mentions(raw, mine)]
        kinds = {item["sk"].split("#")[0].split("-")[0] for item in found}
        assert {"PROFILE", "ATTEMPT", "CLAIM", "X", "W"} <= kinds, kinds
        assert any(i["pk"].startswith("WEEK#") for i in found) and any(i["pk"] == "COORDINATORS" for i in found)
        for item in found:
            for name, value in item.items():
                if name in INTERNAL or name in WITHHELD or name == "consents":
                    continue
                if name == "pending":
                    continue
                if name == "score" and not content.contest.quiz.show_score_on_submit:
                    continue  # withheld until the week's results, as on the quiz page (checked below)
                assert _values(value) <= exported, (item["pk"], item["sk"], name, value)
        if not content.contest.quiz.show_score_on_submit:  # the week is still open
            assert all("score" not in a for a in data["attempts"] + data["standings"])
        assert {c["purpose"]: c["given"] for c in data["consents"]}["statistics"] is False
        assert data["coordinator_appointments"] and data["standings"] and data["attempts"][0]["answers"]
        assert {r["kind"] for r in data["privacy_requests"]} == {"export", "withdraw"}
        # And nothing about the other contestant, nor any secret
        text = json.dumps(data, ensure_ascii=False)
        for foreign in (theirs, "Phạm Văn Khoa", e164(PHONES[31]), PHONES[31][-7:]):
            assert foreign not in text
        secrets = [profile_item(repo, 30).password_hash]
        secrets += [i.get("code_hash") for i in found if i.get("code_hash")]
        assert secrets[0] and not any(s in text for s in secrets)
        assert set(data["withheld"]) >= {"password_hash"}

    def test_each_download_is_logged_once_a_day_as_handled_by_self_service(self, api, two_people, clock):
        me, _ = two_people
        assert api.get("/api/me/data", token=me).status == 200
        assert api.get("/api/me/data", token=me).status == 200
        exports = [i for i in log_items() if i["kind"]["S"] == "export"]
        assert len(exports) == 1 and exports[0]["status"]["S"] == "done"
        clock.advance(86_400)
        me = api.login(PHONES[30]).body["token"]  # the session of yesterday has expired
        assert api.get("/api/me/data", token=me).status == 200
        assert len([i for i in log_items() if i["kind"]["S"] == "export"]) == 2


# --- the organisers' log ---------------------------------------------------------------------------


class TestCli:
    def test_requests_are_listed_with_deadlines_in_viet_nam_time_and_marked_done(self, api, repo, sender, clock):
        token = signed_up(api, sender, 40)
        withdraw = api.post("/api/me/consents", {"purpose": "prize_contact", "given": False}, token=token).body
        erasure = api.post("/api/me/erasure", {"password": "mat-khau-123"}, token=token).body
        listing = invoke("privacy", "requests", "--pending")
        assert withdraw["request_id"] in listing and erasure["request_id"] in listing
        assert "Asia/Ho_Chi_Minh" in listing and "Xóa dữ liệu" in listing and "Rút lại đồng ý" in listing
        due = clock.now().timestamp() + 72 * 3600
        from datetime import UTC, datetime
        from zoneinfo import ZoneInfo

        local_due = datetime.fromtimestamp(due, UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M")
        assert local_due in listing
        assert "QUÁ HẠN" in listing  # the test's clock is in 2023: those deadlines have passed
        # When an organiser marks the withdrawal handled (twice: the second says so and changes nothing)
        assert "Đã đánh dấu" in invoke("privacy", "done", withdraw["request_id"], "--by", "Nguyễn Văn Tổ")
        assert "trước đó" in invoke("privacy", "done", withdraw["request_id"], "--by", "Người khác")
        stored = Store().privacy.privacy_request(withdraw["request_id"])
        assert stored.status == "done" and stored.handled_by == "Nguyễn Văn Tổ"
        pending = invoke("privacy", "requests", "--pending")
        assert withdraw["request_id"] not in pending and erasure["request_id"] in pending
        assert withdraw["request_id"] in invoke("privacy", "requests")

    def test_an_unknown_request_is_an_error(self, repo):
        result = CliRunner().invoke(cli, ["privacy", "done", "E-000000000000", "--by", "A", "--aws"])
        assert result.exit_code == 1 and "Không tìm thấy" in result.output

    def test_the_erasure_hook_closes_only_an_erasure_request(self, api, repo, sender, clock, content):
        from contest.services.privacy import Privacy

        token = signed_up(api, sender, 41)
        withdraw = api.post("/api/me/consents", {"purpose": "statistics", "given": False}, token=token).body
        erasure = api.post("/api/me/erasure", {"password": "mat-khau-123"}, token=token).body

        class Source:
            def get(self):
                return content

        service = Privacy(Store(), Source(), clock, None)  # type: ignore[arg-type]
        from contest.rules import errors

        with pytest.raises(errors.BadRequest):
            service.erasure_done(withdraw["request_id"], "p2")
        done = service.erasure_done(erasure["request_id"], "contest privacy erase")
        assert done.status == "done" and done.handled_at_ms == to_ms(clock.now())


def test_account_dataclass_carries_consents():
    assert "consents" in {f for f in Account.__dataclass_fields__}
    assert re.fullmatch(
        r"[EWX]-[0-9A-F]{12}", __import__("contest.services.privacy").services.privacy.request_id("erasure", "a")
    )


def test_erasing_by_request_id_erases_the_account_and_closes_the_request(monkeypatch, api, repo, sender):
    from tests.support import ROOT

    monkeypatch.chdir(ROOT)
    # Given a contestant who asked for erasure on their page, and a withdrawal (not an erasure) of someone else
    token = signed_up(api, sender, 50)
    asked = api.post("/api/me/erasure", {"password": "mat-khau-123"}, token=token).body
    other = signed_up(api, sender, 51)
    withdrawn = api.post("/api/me/consents", {"purpose": "statistics", "given": False}, token=other).body
    account_id = repo.phones.claim(e164(PHONES[50])).account_id
    # When an organiser erases by the request's id
    output = invoke("privacy", "erase", "--request", asked["request_id"], "--by", "Tổ Thư ký")
    # Then the account is gone and the request is closed by the erasure, in the log that outlives it
    assert repo.accounts.account(account_id) is None and "Đã đóng yêu cầu" in output
    stored = Store().privacy.privacy_request(asked["request_id"])
    assert stored.status == "done" and stored.handled_by == "Tổ Thư ký" and stored.account_id == account_id
    assert asked["request_id"] not in invoke("privacy", "requests", "--pending")
    # and an id that is not an erasure request erases nothing
    result = CliRunner().invoke(cli, ["privacy", "erase", "--request", withdrawn["request_id"], "--by", "A", "--aws"])
    assert result.exit_code == 1 and "Không có yêu cầu xoá" in result.output
    assert repo.accounts.account(repo.phones.claim(e164(PHONES[51])).account_id) is not None
