"""The award confirmation on "Trang của tôi" (at_award mode) in Chromium at 360×800: a contestant registers
without any SMS (the registration opens the session: no login), takes part, wins week 1's prize at the close,
receives one code in the local outbox and confirms it on their page.

The shared e2e stack proves phones at registration, so this test runs its own `contest dev` (a separate
process: its own emulator) on a copy of the e2e content switched to at_award, and moves that stack's clock
past the results time with `contest dev clock`, as an organiser rehearsing would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import Page, expect

from contest.local.stack import free_port
from tests.support import WEEK1_RESULTS

from .conftest import CLOCK_WEEK1, REPO, last_code
from .test_site_phone_first import fill_registration, submit_through_the_api
from .test_site_quiz import PASSWORD, new_phone

WEEK1_OPEN = CLOCK_WEEK1
AFTER_WEEK1_RESULTS = (WEEK1_RESULTS + timedelta(minutes=1)).isoformat()


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"{what} within {seconds:g} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def code_sent(outbox: Path, phone: str) -> str | None:
    try:
        return last_code(outbox, phone)
    except (AssertionError, FileNotFoundError):
        return None


@pytest.fixture
def award_stack(e2e_root, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(e2e_root / "content", root / "content")
    shutil.copytree(e2e_root / "site", root / "site")
    (root / "functions").symlink_to(REPO / "functions")
    path = root / "content" / "contest.yaml"
    contest = yaml.safe_load(path.read_text(encoding="utf-8"))
    contest["registration"]["verification"] = "at_award"
    path.write_text(yaml.safe_dump(contest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_") and k != "AWS_ENDPOINT_URL"}
    port = free_port()
    cli = [sys.executable, "-m", "contest.cli", "dev"]
    proc = subprocess.Popen(
        [*cli, "--port", str(port), "--clock", WEEK1_OPEN, "--reset"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: proc.poll() is None and answers(base + "/tai-khoan/"), 180, "contest dev did not serve")

        def move_clock(at: str) -> None:
            moved = subprocess.run([*cli, "clock", at], cwd=root, env=env, capture_output=True, text=True, check=False)
            assert moved.returncode == 0, moved.stdout + moved.stderr

        yield base, root / ".dev" / "outbox.jsonl", move_clock
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_a_prize_winner_confirms_the_award_code_on_my_page(award_stack, e2e_root, page: Page, shot):
    base, outbox, move_clock = award_stack
    contest = yaml.safe_load((e2e_root / "content" / "contest.yaml").read_text(encoding="utf-8"))
    purposes = {p["id"] for p in contest["registration"].get("consent_purposes", [])}
    phone = new_phone()
    # Given a contestant who registers in at_award mode: no code, and no login either: the registration opened
    # the session, kept as the login page keeps it, and "Trang của tôi" (where a login goes) opens at once
    calls: list[str] = []
    page.on("request", lambda r: calls.append(f"{r.method} {urlsplit(r.url).path}"))
    fill_registration(page, base, phone)
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    page.wait_for_url("**/tai-khoan/")
    expect(page.locator("[data-field='full_name']")).to_have_text("Nguyễn Văn Điện Thoại")
    assert code_sent(outbox, phone) is None
    assert "POST /api/register" in calls and "POST /api/login" not in calls
    assert not any(c.endswith("/dang-nhap/") for c in calls)
    stored = page.evaluate("() => JSON.parse(localStorage.getItem('ct.session'))")
    assert set(stored) == {"token", "expires_at"}
    # And registering the same (now taken) number again opens no session: the login page, as before
    again = page.context.new_page()
    fill_registration(again, base, phone)
    again.get_by_role("button", name="Đăng ký", exact=True).click()
    again.wait_for_url("**/dang-nhap/?registered=1")
    assert again.evaluate("() => JSON.parse(localStorage.getItem('ct.session'))") == stored
    again.close()
    # And takes part in week 1 (the only participant: the first prize)
    submit_through_the_api(page)
    # When week 1 closes (the stack's own schedule, at the results time)
    move_clock(AFTER_WEEK1_RESULTS)
    code = wait_for(lambda: code_sent(outbox, phone), 90, "no award code reached the winner's phone")
    # Then, logged in again on Sunday evening (the session of Wednesday has expired), "Trang của tôi" asks the
    # winner for that code, and the code confirms the phone for the prize
    page.goto(base + "/dang-nhap/")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/")
    field = page.get_by_label("Mã xác nhận giải")
    expect(field).to_be_visible(timeout=15_000)
    expect(page.locator(".ct-awards h3")).to_contain_text("Tuần 1")
    field.fill(code)
    shot(page, "award-01-code")
    page.locator(".ct-awards").get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".ct-awards .ct-status")).to_contain_text("Đã xác nhận số điện thoại")
    # And after a reload the page says it is confirmed (no form any more)
    page.reload()
    expect(page.locator(".ct-awards")).to_contain_text("Đã xác nhận số điện thoại lúc")
    # the winner ticked only the required purposes: where the contest asks about contact for prizes, the page
    # tells them to come forward instead of waiting for a call
    if "prize_contact" in purposes:
        expect(page.locator(".ct-awards")).to_contain_text("liên hệ Ban Tổ chức để nhận giải")
    else:
        expect(page.locator(".ct-awards")).to_contain_text("Ban Tổ chức sẽ liên hệ để trao giải")
    expect(page.get_by_label("Mã xác nhận giải")).to_have_count(0)
    shot(page, "award-02-confirmed")
