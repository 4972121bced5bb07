"""The "Lấy lại số điện thoại" page (reclaiming a number) in Chromium at 360×800: its unit picker loads and
filters like the registration form's, the page raises no script error, and the whole reclaim journey works."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support import unit

from .conftest import unit_search
from .test_site_quiz import PASSWORD, new_phone, register


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
    page.get_by_label("Tìm đơn vị").fill(unit_search(unit("so-tttt"))[0])
    expect(page.locator("#rcl-unit-count")).to_contain_text("Tìm thấy")
    assert 0 < units.count() < total
    # And the theme's search dialog still gets its accessible name
    assert page.locator('.md-search[role="dialog"]').get_attribute("aria-label") == "Tìm kiếm"
    shot(page, "reclaim-units")
    assert errors == []


def test_the_owner_reclaims_a_number_someone_else_registered(stack, code_for, browser, shot):
    """The whole journey of site/docs/lay-lai-so.md: a squatter registers the owner's number (and cannot prove
    it); the owner asks for a code on the reclaim page, types it on the next step in the same browser, logs in
    to their own account; the squatter's account is closed."""
    base, phone = stack.base_url, new_phone()
    # Given someone else registered the owner's number (in their own browser) and never proved it
    squatter = browser.new_context()
    page = squatter.new_page()
    register(page, base, "Người Dùng Số Người Khác", phone)
    squatter.close()
    # When the owner, in another browser, fills the reclaim form with their own details
    owner = browser.new_context()
    page = owner.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/lay-lai-so/")
    page.get_by_label("Họ và tên").fill("Chủ Số Thật")
    page.get_by_label("Số điện thoại di động").fill(phone)
    page.get_by_label("Tìm đơn vị").fill(unit_search(unit("so-tttt"))[0])
    page.get_by_label("Chọn đơn vị trong danh sách").select_option(unit("so-tttt"))
    page.get_by_label("Mật khẩu", exact=True).fill("Mat-khau-chu-so-1")
    page.get_by_label("Nhập lại mật khẩu").fill("Mat-khau-chu-so-1")
    for box in page.get_by_role("checkbox", name=re.compile(r"\(bắt buộc\)$")).all():  # the required purposes
        box.check()
    shot(page, "reclaim-01-form")
    page.get_by_role("button", name="Gửi mã tới số này").click()
    # Then the next step asks for the code the phone received, and the code completes the takeover
    page.wait_for_url("**/xac-thuc/")
    expect(page.get_by_label("Số điện thoại")).to_have_value(phone)
    page.get_by_label("Mã xác thực").fill(code_for(phone))
    shot(page, "reclaim-02-code")
    page.get_by_role("button", name="Xác thực").click()
    page.wait_for_url("**/dang-nhap/?verified=1")
    # And the owner logs in with their own password to their own account (name and unit of the reclaim form)
    page.get_by_label("Mật khẩu").fill("Mat-khau-chu-so-1")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/")
    expect(page.locator('[data-field="full_name"]')).to_have_text("Chủ Số Thật")
    shot(page, "reclaim-03-tai-khoan")
    assert errors == []
    owner.close()
    # And the squatter's password no longer opens anything on that number
    other = browser.new_context()
    page = other.new_page()
    page.goto(base + "/dang-nhap/")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#login-password-error")).to_contain_text("không đúng")
    other.close()
