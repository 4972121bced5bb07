"""What a visit costs in requests (benchmarks/cost_estimate.py prices them): counted in the browser, not timed."""

from __future__ import annotations

import re
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


def test_each_page_of_a_visit_asks_for_one_script_of_ours_one_stylesheet_and_no_favicon(stack, code_for, browser):
    """benchmarks/cost_estimate.py counts the site's files a visit asks for (PAGES_VISITED); each page's own code is
    one bundle (contest.sitebuild.bundle_pages), not the entry, core, format and the page's modules one by one; the
    theme's stylesheet and ours are one file, and the favicon is in the page (contest.sitebuild.lighten)."""
    base = stack.base_url
    # Given a logged-in contestant with an empty cache
    context = fresh_logged_in_context(browser, base, code_for, "Phan Văn Đức")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    ours = re.compile(r"/assets/js/[a-z-]+\.[0-9a-f]{10}\.min\.js")
    # When the visit opens the pages a participant opens, a full page load each
    for path, ready in (
        ("/", ".ct-home__now"),
        ("/dang-ky/", "#reg-unit optgroup"),
        ("/thi/", ".ct-quiz__when"),
        ("/dang-nhap/", "[data-app]"),
        ("/tai-khoan/", ".ct-me__body:not([hidden])"),
        ("/ket-qua/", "#results-week option"),
    ):
        asked.clear()
        page.goto(base + path, wait_until="networkidle")
        expect(page.locator(ready).first).to_be_attached()
        # Then the page asked for exactly one script of ours, and no module of the site one by one
        scripts = [p for p in asked if p.startswith("/assets/js/")]
        assert len(scripts) == 1 and ours.fullmatch(scripts[0]), (path, scripts)
        assert len([p for p in asked if p.endswith(".css")]) == 1, (path, asked)
        assert not [p for p in asked if "favicon" in p], (path, asked)
    context.close()
