"""What a visit costs in requests (benchmarks/cost_estimate.py prices them): counted in the browser, not timed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .test_site_quiz import fresh_logged_in_context


def test_a_visit_never_asks_the_contest_while_the_site_was_built_with_the_loaded_content(stack, code_for, browser):
    """Every page carries the contest's facts and the content version it was built with (<script id="ct-contest">,
    contest.organisers.sitebuild.page_contest); the API names the loaded version in every answer (X-Contest-Content):
    while they
    match, no page asks GET /api/contest (one API call fewer per participant-week: benchmarks/cost_estimate.py)."""
    base = stack.base_url
    # Given a logged-in contestant (set up in another context)
    context = fresh_logged_in_context(browser, base, code_for, "Trần Thị Hoa")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    # When the visit opens the home page, the quiz page, "Trang của tôi" and the results (a full page load each)
    page.goto(base + "/", wait_until="networkidle")
    expect(page.locator(".ct-home__now")).to_contain_text("Tuần 1 đang mở")
    page.goto(base + "/thi/", wait_until="networkidle")
    expect(page.locator(".ct-quiz__when")).to_contain_text("Tuần 1 đang mở")
    expect(page.locator('[data-action="start"]')).to_be_enabled()
    page.goto(base + "/tai-khoan/", wait_until="networkidle")
    expect(page.locator(".ct-me__body:not([hidden])")).to_be_attached()
    page.goto(base + "/ket-qua/", wait_until="networkidle")
    expect(page.locator("#results-week option").first).to_be_attached()
    # (the API's answers reached the page with the loaded content's version: the one the page was built with)
    built = page.evaluate("JSON.parse(document.getElementById('ct-contest').textContent).version")
    assert built and page.evaluate("JSON.parse(localStorage.getItem('ct.serverContent'))") == built
    context.close()
    # Then no page asked for the contest: the pages' facts were current (and the API answered other requests)
    assert "/api/contest" not in asked, asked
    assert "/api/me" in asked, asked


def test_pages_built_with_other_content_than_the_loaded_one_ask_the_contest_once_per_visit(stack, code_for, browser):
    """The organisers loaded content without rebuilding the site: an API answer names another version than the
    pages carry, so the pages' facts are stale and contest() falls back to GET /api/contest (kept for the visit)."""
    base = stack.base_url
    context = fresh_logged_in_context(browser, base, code_for, "Lê Văn Tám")

    def other_content(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "x-contest-content": "0123456789abcdef"})

    context.route("**/api/**", other_content)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    # When "Trang của tôi" hears from the API that the loaded content is another one, then home and quiz are opened
    page.goto(base + "/tai-khoan/", wait_until="networkidle")
    expect(page.locator(".ct-me__body:not([hidden])")).to_be_attached()
    page.goto(base + "/", wait_until="networkidle")
    expect(page.locator(".ct-home__now")).to_contain_text("Tuần 1 đang mở")
    page.goto(base + "/thi/", wait_until="networkidle")
    expect(page.locator(".ct-quiz__when")).to_contain_text("Tuần 1 đang mở")
    context.close()
    # Then the contest was asked for, once in the visit
    assert asked.count("/api/contest") == 1, asked


def test_each_page_of_a_visit_asks_for_one_script_of_ours_one_stylesheet_and_no_favicon(stack, code_for, browser):
    """benchmarks/cost_estimate.py counts the site's files a visit asks for (PAGES_VISITED); each page's own code is
    one bundle (contest.organisers.sitebuild.bundle_pages), not the entry, core, format and the page's modules one by
    one; the
    theme's stylesheet and ours are one file, and the favicon is in the page (contest.organisers.sitebuild.lighten)."""
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
