"""Accessibility measured with axe-core (npm, pinned in tests/e2e/axe): every page of the built site and each
state of the quiz have no serious or critical violation at 360×800; the whole quiz can be done with the keyboard
alone, and the focused element is always visibly marked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import QUESTIONS, axe_serious
from .test_site_quiz import new_phone, register, verify_and_login
from .test_site_results import week_one


def site_pages(built_site: Path) -> list[str]:
    pages = []
    for html in sorted(built_site.rglob("index.html")):
        rel = html.parent.relative_to(built_site).as_posix()
        if rel.startswith(("assets", "search", "results")):
            continue
        pages.append("/" if rel == "." else f"/{rel}/")
    return pages


def test_every_page_of_the_site_has_no_serious_accessibility_violation(stack, built_site, page: Page, axe_source):
    report = {}
    for path in site_pages(built_site):
        page.goto(stack.base_url + path, wait_until="networkidle")
        report[path] = axe_serious(page, axe_source)
    # and the registration form with its errors shown
    page.goto(stack.base_url + "/dang-ky/")
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    expect(page.locator(".ct-field-error").first).to_be_visible()
    report["/dang-ky/ (errors)"] = axe_serious(page, axe_source)
    (Path("build/e2e") / "axe-pages.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    assert len(report) >= 15
    assert {p: v for p, v in report.items() if v} == {}


FOCUS_JS = """() => {
  const n = document.activeElement;
  if (!n || n === document.body) return 'nothing focused';
  const s = getComputedStyle(n);
  const own = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const label = n.id ? document.querySelector('label[for="' + n.id + '"]') : null;
  const ls = label ? getComputedStyle(label) : null;
  const viaLabel = ls && ls.outlineStyle !== 'none' && parseFloat(ls.outlineWidth) >= 2;
  return own || viaLabel || s.boxShadow !== 'none' ? 'visible' : 'invisible: ' + n.outerHTML.slice(0, 120);
}"""


def tab_to(page: Page, predicate_js: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches (it may already); its focus mark must be visible at every stop."""
    matches = f"(() => {{ const n = document.activeElement; return !!n && ({predicate_js}); }})()"
    if page.evaluate(matches):
        return
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_JS) == "visible"
        if page.evaluate(matches):
            return
    raise AssertionError(f"never reached by Tab: {predicate_js}")


def test_the_whole_quiz_with_the_keyboard_alone_and_each_state_accessible(
    stack, code_for, page: Page, axe_source, shot
):
    base = stack.base_url
    phone = new_phone()
    register(page, base, "Lý Thị Bàn Phím", phone)
    verify_and_login(page, code_for, phone)
    states = {}
    page.goto(base + "/thi/")
    expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_be_enabled()
    states["start"] = axe_serious(page, axe_source)

    # Start with the keyboard
    tab_to(page, "n.getAttribute('data-action') === 'start'")
    page.keyboard.press("Enter")
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời 0/{QUESTIONS}")
    states["question"] = axe_serious(page, axe_source)
    # Every question: Tab to the options, Space picks the first, Tab to "Câu sau ›", Enter
    for i in range(QUESTIONS):
        expect(page.locator(".ct-question legend")).to_contain_text(f"Câu {i + 1}/{QUESTIONS}.")
        tab_to(page, "n.type === 'radio'")
        page.keyboard.press("Space")
        tab_to(page, "n.getAttribute('data-action') === 'next'")
        page.keyboard.press("Enter")
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời {QUESTIONS}/{QUESTIONS}")
    # the prediction
    tab_to(page, "n.id === 'ct-prediction'")
    page.keyboard.type("321")
    states["prediction"] = axe_serious(page, axe_source)
    tab_to(page, "n.getAttribute('data-action') === 'review'")
    page.keyboard.press("Enter")
    expect(page.locator(".ct-quiz__confirm")).to_be_visible()
    states["confirm"] = axe_serious(page, axe_source)
    assert page.evaluate("document.activeElement.getAttribute('data-action')") == "confirm"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Biên nhận bài thi")).to_be_visible(timeout=20_000)
    states["receipt"] = axe_serious(page, axe_source)
    shot(page, "h13-11-ban-phim-bien-nhan")
    page.goto(base + "/tai-khoan/")
    expect(page.locator(".ct-attempt")).to_have_count(1)
    states["my-page"] = axe_serious(page, axe_source)
    assert {s: v for s, v in states.items() if v} == {}


def test_the_published_results_have_no_serious_accessibility_violation(stack, page: Page, axe_source):
    folder = stack.public_dir / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "week-1.json").write_text(json.dumps(week_one(), ensure_ascii=False), encoding="utf-8")
    (folder / "index.json").write_text(json.dumps({"schema": 1, "weeks": [{"week": 1, "url": "week-1.json"}]}))
    try:
        page.goto(stack.base_url + "/ket-qua/")
        expect(page.locator(".ct-rank__row").first).to_be_visible()
        assert axe_serious(page, axe_source) == []
        page.get_by_label("Tìm theo họ tên hoặc đơn vị").fill("zzz")
        expect(page.locator(".ct-rank__row")).to_have_count(0)
        assert axe_serious(page, axe_source) == []
    finally:
        (folder / "week-1.json").unlink()
        (folder / "index.json").unlink()
        stack.publish_empty_index()  # back to the state before the first close
    assert re.search("ket-qua", page.url)
