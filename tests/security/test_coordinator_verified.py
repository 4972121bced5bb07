"""A squatted, never-verified account cannot become a unit coordinator.

Someone who registers another person's phone number never receives its code, so the account stays
unverified. Appointing it must be refused; an appointed account that stops being verified (a number
reclaimed by its owner, an account closed) loses the unit page at its next request; the organisers'
list shows each coordinator's status. The real handlers and the real CLI on moto, as in
tests/integration/test_coordinators.py.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from contest.cli import app as cli
from contest.store import Store
from contest.store.keys import PROFILE, account_pk
from contest.store.tables import AccountItem
from tests.integration.conftest import *  # noqa: F403 (its moto fixtures: aws, env, repo, api, sender, clock)
from tests.support import PHONES, code_for, e164, unit

UNIT = unit("so-tttt")
OWNER, SQUATTER, MEMBER = 10, 11, 12


def run(*args: str):
    return CliRunner().invoke(cli, [*args, "--aws"], env={"COLUMNS": "200"})


@pytest.fixture
def town(api, sender):
    """A verified owner, a squatter who registered a number whose code never reached them, a member."""
    tokens = {}
    for i, name in ((OWNER, "Đặng Quốc Phong"), (SQUATTER, "Kẻ Chiếm Số"), (MEMBER, "Nguyễn Thị Ánh")):
        assert api.register(PHONES[i], name=name, unit=UNIT).status == 201
        if i != SQUATTER:
            code = code_for(sender.sent, e164(PHONES[i]))
            assert api.post("/api/verify", {"phone": PHONES[i], "code": code}).status == 200
            tokens[i] = api.login(PHONES[i]).body["token"]
    return tokens


def unverify(phone: str) -> None:
    """What a reclaim of the number (or closing the account) does to the profile: not verified any more."""
    account_id = Store().phones.claim(e164(phone)).account_id
    AccountItem(pk=account_pk(account_id), sk=PROFILE).update(actions=[AccountItem.verified.set(False)])


def test_an_unverified_account_cannot_be_appointed(town):
    # When the organisers appoint the squatter's (never verified) account
    result = run("coordinators", "add", "--unit", UNIT, "--phone", PHONES[SQUATTER])
    # Then the command refuses, in Vietnamese, and nothing is written
    assert result.exit_code == 1
    assert "chưa xác thực số điện thoại" in result.output and "không thể chỉ định" in result.output
    assert Store().coordinators.appointments() == []
    account = Store().accounts.account(Store().phones.claim(e164(PHONES[SQUATTER])).account_id)
    assert account.coordinator_unit is None


def test_the_appointment_write_itself_requires_the_verified_flag(town):
    # Given an account read while verified, un-verified before the appointment is written
    from contest.store.coordinators import CoordinatorNotVerified

    repo = Store()
    account = repo.accounts.account(repo.phones.claim(e164(PHONES[OWNER])).account_id)
    unverify(PHONES[OWNER])
    # When the appointment is written
    # Then the conditional write refuses it (no check-then-write race)
    with pytest.raises(CoordinatorNotVerified):
        repo.coordinators.appoint_coordinator(account, UNIT, 0, None)
    assert repo.coordinators.appointments() == []


def test_a_coordinator_who_is_no_longer_verified_loses_the_unit_page(api, town):
    # Given a verified owner appointed, who sees the page
    assert run("coordinators", "add", "--unit", UNIT, "--phone", PHONES[OWNER]).exit_code == 0
    assert api.get("/api/coordinator", token=town[OWNER]).status == 200
    # When the account is no longer verified (number reclaimed, account closed)
    unverify(PHONES[OWNER])
    # Then the next request is refused with a clear 403, and no member is listed
    reply = api.get("/api/coordinator", token=town[OWNER])
    assert (reply.status, reply.body["code"]) == (403, "NOT_VERIFIED")
    assert "xác thực số điện thoại" in reply.body["message"]
    assert "members" not in reply.body and "registered" not in reply.body


def test_the_list_shows_each_coordinators_verification_status(town):
    # Given two coordinators, one of whom later stops being verified
    assert run("coordinators", "add", "--unit", UNIT, "--phone", PHONES[OWNER]).exit_code == 0
    assert run("coordinators", "add", "--unit", unit("so-khcn"), "--phone", PHONES[MEMBER]).exit_code == 0
    unverify(PHONES[MEMBER])
    # When the organisers list them
    result = run("coordinators", "list")
    # Then each row says whether the account is verified now, and the command warns about the other
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    owner = next(line for line in lines if "Đặng Quốc Phong" in line)
    member = next(line for line in lines if "Nguyễn Thị Ánh" in line)
    assert "Đã xác thực" in owner and "Chưa xác thực" in member
    assert "1 người phụ trách chưa xác thực" in result.output
    statuses = {c.full_name: c.verified for c in Store().coordinators.appointments()}
    assert statuses == {"Đặng Quốc Phong": True, "Nguyễn Thị Ánh": False}


def test_names_print_as_text_not_console_markup(api, sender, town):
    # Given a coordinator whose stored name holds console markup (older data)
    repo = Store()
    account_id = repo.phones.claim(e164(PHONES[OWNER])).account_id
    AccountItem(pk=account_pk(account_id), sk=PROFILE).update(
        actions=[AccountItem.full_name.set("[link=http://x]Bấm vào[/link] [red]An")]
    )
    assert run("coordinators", "add", "--unit", UNIT, "--phone", PHONES[OWNER]).exit_code == 0
    # When the organisers list the coordinators
    result = run("coordinators", "list")
    # Then the name is printed as typed
    assert "[link=http://x]Bấm vào[/link]" in result.output
