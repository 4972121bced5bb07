"""The "Lấy lại số điện thoại" page (reclaiming a number) in Chromium at 360×800: its unit picker loads and
filters like the registration form's, and the page raises no script error."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_the_reclaim_page_lists_and_filters_the_units_without_a_script_error(stack, page: Page, shot):
    # Given a visitor on the reclaim page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(stack.base_url + "/lay-lai-so/")
    # Then the unit list is loaded (not left at "Đang tải danh sách đơn vị…")
    units = page.locator('form[data-app="reclaim"] select[name="unit_id"] option:not([disabled])')
    expect(units.first).to_be_attached()
    total = units.count()
    assert total > 5
    # And typing in the unit search narrows it, as on the registration form
    page.get_by_label("Tìm đơn vị").fill("so thong tin")
    expect(page.locator("#rcl-unit-count")).to_contain_text("Tìm thấy")
    assert 0 < units.count() < total
    # And the theme's search dialog still gets its accessible name
    assert page.locator('.md-search[role="dialog"]').get_attribute("aria-label") == "Tìm kiếm"
    shot(page, "reclaim-units")
    assert errors == []
