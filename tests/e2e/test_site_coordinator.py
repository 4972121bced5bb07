"""The coordinator's private page on a phone: reached from "my page" only when the account is a coordinator,
shows the own unit (names as text, yes/no per week, no score), and tells anyone else it is not for them."""

from __future__ import annotations

import hashlib
import json
import random
import urllib.request

from playwright.sync_api import Page, expect

from tests.support import unit

from .conftest import unit_name

PASSWORD = "Mat-khau-2023"
UNIT, OTHER = unit("h-duc-tho"), unit("h-can-loc")
XSS_NAME = "<img src=x onerror=alert(1)>"  # refused at registration now: stored directly, as older data


def phone() -> str:
    return "091" + "".join(random.choice("0123456789") for _ in range(7))


def post(base: str, path: str, body: dict, token: str | None = None, extra: dict | None = None) -> dict:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "x-amz-content-sha256": hashlib.sha256(data).hexdigest()}
    headers |= ({"X-Contest-Session": token} if token else {}) | (extra or {})
    request = urllib.request.Request(base + path, data, headers)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def account(base: str, code_for, name: str, unit: str) -> tuple[str, str]:
    from tests.support import solve_proof

    number = phone()
    with urllib.request.urlopen(base + "/api/challenge") as response:  # registration sends an SMS: proof of work
        proof = solve_proof(json.loads(response.read()))
    post(
        base,
        "/api/register",
        {
            "full_name": name,
            "phone": number,
            "unit_id": unit,
            "password": PASSWORD,
            # the coordinator sees by name only those who consent to it
            "consents": {"participation": True, "coordinator": True},
        },
        extra={"X-Altcha": proof},
    )
    post(base, "/api/verify", {"phone": number, "code": code_for(number)})
    return number, post(base, "/api/login", {"phone": number, "password": PASSWORD})["token"]


def sign_in(page: Page, base: str, token: str) -> None:
    page.goto(base + "/")
    page.evaluate("t => localStorage.setItem('ct.session', JSON.stringify({token: t}))", token)


def test_a_coordinator_sees_the_own_unit_and_a_contestant_does_not(stack, code_for, page: Page, shot):
    from contest.rules.phones import normalize
    from contest.store import Store

    base = stack.base_url
    # Given a coordinator of one district, two of its people (one took part) and someone of another district
    boss_phone, boss = account(base, code_for, "Trần Thị Phụ Trách", UNIT)
    member_phone, member = account(base, code_for, "Người Tên Cũ", UNIT)
    account(base, code_for, "Lê Văn Chưa Thi", UNIT)
    _, stranger = account(base, code_for, "Người Huyện Khác", OTHER)
    quiz = urllib.request.Request(
        base + "/api/quiz",
        b"{}",
        {
            "Content-Type": "application/json",
            "X-Contest-Session": member,
            "x-amz-content-sha256": hashlib.sha256(b"{}").hexdigest(),
        },
    )
    with urllib.request.urlopen(quiz) as response:
        token = json.loads(response.read())["token"]
    post(base, "/api/submit", {"token": token, "answers": {}, "prediction": 10}, token=member)
    repo = Store()
    from contest.store.keys import PROFILE, account_pk
    from contest.store.tables import AccountItem

    old = repo.phones.claim(normalize(member_phone)).account_id  # a name stored before the registration rule
    AccountItem(pk=account_pk(old), sk=PROFILE).update(actions=[AccountItem.full_name.set(XSS_NAME)])
    appointed = repo.accounts.account(repo.phones.claim(normalize(boss_phone)).account_id)
    repo.coordinators.appoint_coordinator(appointed, UNIT, 0, None)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # When the coordinator opens "my page": a link to the unit page is there
    sign_in(page, base, boss)
    page.goto(base + "/tai-khoan/")
    link = page.get_by_role("link", name="Đơn vị của tôi (người phụ trách đơn vị)")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url("**/don-vi/")
    # Then the unit's people are listed as text, with yes/no for week 1 and no score anywhere
    members = page.locator(".ct-unit-members")
    expect(members).to_contain_text("Lê Văn Chưa Thi")
    expect(members).to_contain_text(XSS_NAME)
    expect(page.locator('[data-field="unit_name"]')).to_have_text(unit_name(UNIT))
    expect(page.locator('[data-field="current"]')).to_contain_text("1 đã tham gia")
    assert "Người Huyện Khác" not in page.locator("article").inner_text()
    shown = " ".join(page.locator(sel).inner_text() for sel in (".ct-profile", ".ct-unit-weeks", ".ct-unit-members"))
    assert "điểm" not in shown.lower() and "hạng" not in shown.lower()
    assert page.locator(".ct-unit-members img").count() == 0 and not dialogs
    # And the filter shows who has not taken part yet
    page.get_by_label("Hiện").select_option("not-yet")
    expect(members).not_to_contain_text(XSS_NAME)
    expect(members).to_contain_text("Lê Văn Chưa Thi")
    shot(page, "20-don-vi")

    # When an ordinary contestant opens the same pages
    sign_in(page, base, stranger)
    page.goto(base + "/tai-khoan/")
    expect(page.locator('[data-field="full_name"]')).to_have_text("Người Huyện Khác")
    expect(page.get_by_role("link", name="Đơn vị của tôi (người phụ trách đơn vị)")).to_have_count(0)
    page.goto(base + "/don-vi/")
    # Then they are told the page is not theirs, and nothing of the unit is shown
    expect(page.locator(".ct-status")).to_contain_text("người phụ trách đơn vị")
    expect(page.locator(".ct-unit__body")).to_be_hidden()
    assert "Trần Thị Phụ Trách" not in page.content()
