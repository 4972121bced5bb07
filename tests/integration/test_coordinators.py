"""Unit coordinators: the private page of one unit, through the real register handler on moto.

Contestants register, verify, log in and take the quiz through the real handlers; the organisers appoint
coordinators with the real CLI (`contest coordinators add --aws`, against the same in-process moto).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from contest.cli import app as cli
from contest.store import Store
from tests.support import PHONES, LambdaContext, code_for, e164, event, make_content
from tests.support import unit as unit_role

UNIT_A, UNIT_B = unit_role("so-tttt"), unit_role("so-khcn")
PERSON = {
    # index into PHONES: (name, unit, takes part in week 1)
    0: ("Nguyễn Thị Ánh", UNIT_A, True),
    1: ("Trần Văn Bảo", UNIT_A, False),
    2: ("Lê Hoàng Cường", UNIT_A, True),
    3: ("Phạm Thu Dung", UNIT_B, True),
    4: ("Hoàng Văn Em", UNIT_B, False),
    5: ("Đặng Quốc Phong", UNIT_A, False),  # coordinator of A, takes no part
    6: ("Vũ Thị Giang", UNIT_B, False),  # coordinator of B
    7: ("Bùi Minh Hải", UNIT_A, False),  # an ordinary contestant of A
    8: ("Ngô Thị Hương", UNIT_A, True),  # takes part but does not consent to the coordinator view
}
# Every purpose of the contest under test ticked; where it has a coordinator-view purpose, person 8
# declines it and is not named on the unit page (a contest with one consent text names everyone, as before).
ALL_PURPOSES = {p.id: True for p in make_content().contest.consent_purposes}
HIDDEN = {8} if "coordinator" in ALL_PURPOSES else set()


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--aws"], env={"COLUMNS": "200"})  # a table of six columns
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def people(api, sender):
    tokens = {}
    for i, (name, unit, _) in PERSON.items():
        consents = ALL_PURPOSES | ({"coordinator": False} if i in HIDDEN else {})
        assert api.register(PHONES[i], name=name, unit=unit, consents=consents).status == 201
        code = code_for(sender.sent, e164(PHONES[i]))
        assert api.post("/api/verify", {"phone": PHONES[i], "code": code}).status == 200
        tokens[i] = api.login(PHONES[i]).body["token"]
    for i, (_, _, takes_part) in PERSON.items():
        if takes_part:
            quiz = api.post("/api/quiz", token=tokens[i]).body
            reply = api.post("/api/submit", {"token": quiz["token"], "answers": {}, "prediction": 5}, token=tokens[i])
            assert reply.status == 200, reply.body
    invoke("coordinators", "add", "--unit", UNIT_A, "--phone", PHONES[5], "--note", "Văn phòng Sở")
    invoke("coordinators", "add", "--unit", UNIT_B, "--phone", PHONES[6])
    return tokens


def names_in(reply) -> set[str]:
    return {m["full_name"] for m in reply.body.get("members", [])}


def raw_call(api, method: str, path: str, token: str, *, query: str = "", body=None, headers=None):
    """A request built by hand (query string, body, extra headers): parameter tampering."""
    ev = event(method, path, body, {"x-contest-session": token, **(headers or {})})
    if query:
        ev["rawQueryString"] = query
        ev["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    result = api.functions["account"].lambda_handler(ev, LambdaContext())
    return result["statusCode"], json.loads(result["body"] or "{}")


def test_the_coordinator_sees_who_of_the_unit_registered_and_took_part_without_scores(api, people):
    # When the coordinator of A opens the unit page
    reply = api.get("/api/coordinator", token=people[5])
    # Then it lists exactly A's contestants, with yes/no participation for week 1 and A's counts
    assert reply.status == 200, reply.body
    body = reply.body
    in_a = {i for i, p in PERSON.items() if p[1] == UNIT_A}
    took = {i for i in in_a if PERSON[i][2]}
    assert body["unit_id"] == UNIT_A and body["unit_name"] == next(
        u.name for u in make_content().units if u.id == UNIT_A
    )
    assert names_in(reply) == {PERSON[i][0] for i in in_a - HIDDEN}
    # (who declined the coordinator view is not named, but counts in every figure)
    assert body["registered"] == len(in_a) and body["not_shown"] == len(in_a & HIDDEN)
    assert body["week"] == 1
    assert body["weeks"][0] | {} == {
        **body["weeks"][0],
        "number": 1,
        "took_part": len(took),
        "not_yet": len(in_a) - len(took),
        "open": True,
    }
    by_name = {m["full_name"]: m for m in body["members"]}
    for i in in_a - HIDDEN:
        assert by_name[PERSON[i][0]]["took_part"] == ([1] if PERSON[i][2] else [])
        assert by_name[PERSON[i][0]]["phone_masked"] == "•" * 7 + PHONES[i][-3:]
    # And nothing about scores, ranks, full phone numbers or the province
    text = json.dumps(body, ensure_ascii=False)
    for word in ("score", "rank", "duration", "prediction", "participants", "+84"):
        assert word not in text
    assert set(body) == {
        "unit_id",
        "unit_name",
        "headcount",
        "registered",
        "not_shown",
        "week",
        "weeks",
        "members",
        "generated_at",
    }


def test_me_tells_a_coordinator_apart_from_a_contestant(api, people):
    assert api.get("/api/me", token=people[5]).body["is_coordinator"] is True
    assert api.get("/api/me", token=people[7]).body["is_coordinator"] is False


def test_a_contestant_who_is_not_a_coordinator_gets_nothing(api, people):
    for i in (0, 3, 7):
        reply = api.get("/api/coordinator", token=people[i])
        assert (reply.status, reply.body["code"]) == (403, "FORBIDDEN")
        assert "members" not in reply.body and "registered" not in reply.body
    assert api.get("/api/coordinator").status == 401
    assert api.get("/api/coordinator", token="not-a-token").status == 401


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "headers"),
    [
        ("GET", "/api/coordinator", f"unit_id={UNIT_B}", None, None),
        ("GET", "/api/coordinator", f"unit={UNIT_B}&unit_id={UNIT_B}&week=1", None, None),
        ("GET", "/api/coordinator", "", {"unit_id": UNIT_B}, {"content-type": "application/json"}),
        ("GET", "/api/coordinator", "", None, {"x-unit-id": UNIT_B, "x-unit": UNIT_B}),
        ("GET", f"/api/coordinator/{UNIT_B}", "", None, None),
        ("GET", f"/api/coordinator/{UNIT_B}/members", "", None, None),
        ("POST", "/api/coordinator", "", {"unit_id": UNIT_B}, {"content-type": "application/json"}),
        ("GET", f"/api/units/{UNIT_B}", "", None, None),
        ("GET", "/api/me", f"unit_id={UNIT_B}", None, None),
    ],
)
def test_the_coordinator_of_a_cannot_read_unit_b_by_tampering(api, people, method, path, query, body, headers):
    # When the coordinator of A names unit B anywhere in a request
    status, reply = raw_call(api, method, path, people[5], query=query, body=body, headers=headers)
    # Then either A's own page comes back or nothing at all: never a contestant of B
    text = json.dumps(reply, ensure_ascii=False)
    for name, unit, _ in PERSON.values():
        if unit == UNIT_B:
            assert name not in text
    assert UNIT_B not in text
    if status == 200 and path == "/api/coordinator":
        assert reply["unit_id"] == UNIT_A
    else:
        assert status in (200, 404, 405) and "members" not in reply


def test_unit_b_is_seen_by_its_own_coordinator_only(api, people):
    b = api.get("/api/coordinator", token=people[6])
    a = api.get("/api/coordinator", token=people[5])
    assert names_in(b) == {p[0] for p in PERSON.values() if p[1] == UNIT_B}
    assert not names_in(a) & names_in(b)


def test_a_removed_coordinator_loses_the_page_and_a_moved_one_sees_only_the_new_unit(api, people, repo):
    # When the organisers move the coordinator of A to B, then remove them
    invoke("coordinators", "add", "--unit", UNIT_B, "--phone", PHONES[5])
    moved = api.get("/api/coordinator", token=people[5])
    assert moved.body["unit_id"] == UNIT_B and "Nguyễn Thị Ánh" not in names_in(moved)
    listed = invoke("coordinators", "list")
    assert "Đặng Quốc Phong" in listed and "Vũ Thị Giang" in listed
    assert [c.unit_id for c in Store().coordinators.appointments() if c.phone == e164(PHONES[5])] == [UNIT_B]
    invoke("coordinators", "remove", "--phone", PHONES[5])
    # Then the page is refused at once (the appointment is read with the profile on every request)
    assert api.get("/api/coordinator", token=people[5]).status == 403
    assert api.get("/api/me", token=people[5]).body["is_coordinator"] is False
    assert "Đặng Quốc Phong" not in invoke("coordinators", "list")


def test_appointing_an_unknown_unit_or_an_unregistered_phone_fails(api, people):
    runner = CliRunner()
    unknown_unit = runner.invoke(cli, ["coordinators", "add", "--unit", "khong-co", "--phone", PHONES[7], "--aws"])
    assert unknown_unit.exit_code == 1 and "khong-co" in unknown_unit.output
    no_account = runner.invoke(cli, ["coordinators", "add", "--unit", UNIT_A, "--phone", PHONES[99], "--aws"])
    assert no_account.exit_code == 1 and "chưa đăng ký" in no_account.output
    assert api.get("/api/coordinator", token=people[7]).status == 403


def test_an_excluded_member_is_not_listed(api, people, repo, clock):
    from contest.rules.clock import to_ms

    repo.phones.add_exclusion(e164(PHONES[1]), "Tổ Thư ký", to_ms(clock.now()))
    reply = api.get("/api/coordinator", token=people[5])
    assert "Trần Văn Bảo" not in names_in(reply)
    assert reply.body["registered"] == sum(1 for p in PERSON.values() if p[1] == UNIT_A) - 1


@pytest.mark.shipped_content
def test_the_consent_shown_at_registration_says_the_coordinator_sees_participation(api, content):
    consent = api.get("/api/contest").body["consent_text"]
    assert consent == content.contest.consent_text
    assert "người phụ trách đơn vị của tôi" in consent and "đã tham gia" in consent and "không xem điểm" in consent
