"""The site under the production Content-Security-Policy (infra/template.yaml, applied to every response here as
CloudFront would): the ES modules load (script-src 'self': the entry is a module script, the page modules come by
import()), each page's module runs, and the browser reports no violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


def production_csp() -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    found = re.search(r"\n(\s+)ContentSecurityPolicy: >-\n((?:\1\s+\S.*\n)+)", text)
    assert found, "the CSP is no longer where this test reads it (infra/template.yaml, SecurityHeadersPolicy)"
    return " ".join(found.group(2).split())


@pytest.fixture
def csp_page(stack, page: Page) -> Page:
    csp = production_csp()
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]

    def with_csp(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": csp})

    page.route(re.compile("^" + re.escape(stack.base_url) + "/(?!api/)"), with_csp)
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    return page


@pytest.mark.parametrize(
    ("path", "ran"),
    [
        ("/", ".ct-home__now:not([hidden])"),  # pages/home.js
        ("/dang-ky/", "#reg-unit optgroup"),  # pages/register.js (its unit list from /api/units)
        ("/thi/", ".ct-quiz .ct-status a[href*='dang-nhap']"),  # pages/quiz.js: not signed in, says so
        ("/ket-qua/", "#results-week option"),  # pages/results.js
    ],
)
def test_the_modules_run_under_the_production_csp(stack, csp_page: Page, path: str, ran: str):
    errors: list[str] = []
    csp_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    csp_page.on("pageerror", lambda e: errors.append(str(e)))
    # When the page is opened with the CSP CloudFront sends
    csp_page.goto(stack.base_url + path)
    # Then the page's own module ran
    expect(csp_page.locator(ran).first).to_be_attached()
    csp_page.wait_for_load_state("networkidle")
    # and nothing was blocked or failed
    assert csp_page.evaluate("window.__cspViolations") == []
    assert errors == []
