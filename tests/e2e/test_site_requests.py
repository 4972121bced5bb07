"""What a visit costs in requests (benchmarks/cost_estimate.py prices them): counted in the browser, not timed."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from .test_site_quiz import fresh_logged_in_context


def test_a_visit_asks_the_contest_and_the_server_clock_once(stack, code_for, browser):
    base = stack.base_url
    # Given a logged-in contestant (set up in another context)
    context = fresh_logged_in_context(browser, base, code_for, "Trần Thị Hoa")
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
