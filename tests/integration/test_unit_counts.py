"""Unit participation counts (coordinator page, progress report) count only accounts that exist for the
contest: in at_registration mode an unverified account is not (yet) a contestant, and one whose TTL passed is
gone even while DynamoDB has not deleted it (TTL deletion is lazy; moto never deletes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from contest.cli import app as cli
from contest.organisers.progress import read_progress
from contest.store import Store
from tests.support import PHONES, code_for, e164, make_content
from tests.support import unit as unit_role

UNIT = unit_role("so-tttt")


def verify(api, sender, phone: str) -> None:
    code = code_for(sender.sent, e164(phone))
    assert api.post("/api/verify", {"phone": phone, "code": code}).status == 200


@pytest.fixture
def unit_a(api, sender, clock, content):
    """One verified contestant, one whose unverified account expired, one still within its day, a coordinator.
    Everyone ticks every purpose, the coordinator's view included, so names show wherever an account counts."""
    every = {p.id: True for p in content.contest.consent_purposes}
    assert api.register(PHONES[2], name="Người Hết Hạn", unit=UNIT, consents=every).status == 201  # unverified
    clock.advance(25 * 3600)  # its day passed: TTL due, item still there
    assert api.register(PHONES[0], name="Người Đã Xác Thực", unit=UNIT, consents=every).status == 201
    verify(api, sender, PHONES[0])
    assert api.register(PHONES[1], name="Người Chưa Xác Thực", unit=UNIT, consents=every).status == 201  # in its day
    assert api.register(PHONES[5], name="Người Phụ Trách", unit=UNIT, consents=every).status == 201
    verify(api, sender, PHONES[5])
    result = CliRunner().invoke(cli, ["coordinators", "add", "--unit", UNIT, "--phone", PHONES[5], "--aws"])
    assert result.exit_code == 0, result.output
    return api.login(PHONES[5]).body["token"]


def test_the_coordinator_page_counts_verified_accounts_only_in_at_registration_mode(api, unit_a):
    reply = api.get("/api/coordinator", token=unit_a)
    assert reply.status == 200, reply.body
    assert reply.body["registered"] == 2
    assert {m["full_name"] for m in reply.body["members"]} == {"Người Đã Xác Thực", "Người Phụ Trách"}
    assert reply.body["not_shown"] == 0
    assert all(w["not_yet"] == 2 for w in reply.body["weeks"])


def test_the_progress_report_counts_verified_accounts_only_in_at_registration_mode(unit_a, content, clock):
    week = content.contest.weeks[0]
    report = read_progress(Store(), "Cuộc thi", week, content.units, clock.now(), verified_only=True)
    assert {r.unit_id: r.registered for r in report.rows}[UNIT] == 2


@pytest.mark.parametrize("content", [make_content(contest_changes={"registration.verification": "at_award"})])
def test_in_at_award_mode_every_registered_account_counts(api, content, clock):
    # Given two registrations that never prove their phone (at_award: nobody does until a prize)
    for phone in PHONES[:2]:
        assert api.register(phone, unit=UNIT).status == 201
    clock.advance(timedelta(days=2).total_seconds())
    # Then both count (no account expires in at_award mode)
    verified_only = content.contest.phone_verification
    report = read_progress(
        Store(), "Cuộc thi", content.contest.weeks[0], content.units, clock.now(),
        verified_only=verified_only,
    )  # fmt: skip
    assert {r.unit_id: r.registered for r in report.rows}[UNIT] == 2
