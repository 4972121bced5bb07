"""What a visit costs in requests (benchmarks/cost_estimate.py prices them): counted in the browser, not timed."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .test_site_quiz import new_phone, register, verify_and_login


def test_a_visit_asks_the_contest_and_the_server_clock_once(stack, code_for, browser):
    base = stack.base_url
    # Given a logged-in contestant (set up in another context)
    setup = browser.new_context(viewport={"width": 360, "height": 800})
    page = setup.new_page()
    phone = new_phone()
    register(page, base, "Trần Thị Hoa", phone)
    verify_and_login(page, code_for, phone)
    session = page.evaluate("localStorage.getItem('ct.session')")
    setup.close()

    context = browser.new_context(viewport={"width": 360, "height": 800}, service_workers="block")
    context.add_init_script(f"localStorage.setItem('ct.session', {json.dumps(session)})")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    # When the visit opens the home page, then the quiz page (a full page load each)
    page.goto(base + "/", wait_until="networkidle")
    expect(page.locator(".ct-home__now")).to_contain_text("Tuần 1 đang mở")
    page.goto(base + "/thi/", wait_until="networkidle")
    expect(page.locator(".ct-quiz__when")).to_contain_text("Tuần 1 đang mở")
    context.close()
    # Then the contest and the server's clock were asked for once in the visit, not once per page
    assert asked.count("/api/contest") == 1, asked
