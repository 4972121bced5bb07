"""Data subjects' rights in Chromium at 360×800: a box per consent purpose at registration, then on «Trang của tôi» the
contestant downloads their data (JSON + a readable view), withdraws an optional consent and asks for erasure."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.support import unit

from .conftest import GROUP_COUNT, consent_purposes, purpose_title
from .test_site_quiz import PASSWORD, new_phone, verify_and_login

NAME = "Lê Thị Quyền Riêng"


def test_consent_per_purpose_my_data_withdrawal_and_erasure(stack, code_for, page: Page, shot, tmp_path):
    base = stack.base_url
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    phone = new_phone()

    # Given the registration form: one box per purpose of the contest, only taking part is required
    purposes = consent_purposes()
    optional = [p["id"] for p in purposes if not p.get("required")]
    chosen = "statistics" if "statistics" in optional else optional[-1]  # the one optional purpose ticked
    page.goto(base + "/dang-ky/")
    boxes = page.locator("input[data-purpose]")
    expect(boxes).to_have_count(len(purposes))
    assert page.locator("input[data-purpose][required]").count() == 1
    page.get_by_label("Họ và tên").fill(NAME)
    page.get_by_label("Số điện thoại di động").fill(phone)
    expect(page.locator("#reg-unit optgroup")).to_have_count(GROUP_COUNT)
    page.get_by_label("Chọn đơn vị trong danh sách").select_option(unit("so-tttt"))
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    # When the person ticks only one optional purpose: the required box is missing and nothing is sent
    page.get_by_role("checkbox", name=purpose_title(chosen)).check()
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    expect(page.locator("#reg-consent-participation-error")).to_contain_text(purpose_title("participation"))
    shot(page, "p14-01-dang-ky-tung-muc")
    # Then with the required box ticked too (the other optional purposes left unticked) it registers
    page.get_by_role("checkbox", name=purpose_title("participation")).check()
    with page.expect_request("**/api/register") as sent:
        page.get_by_role("button", name="Đăng ký", exact=True).click()
    expected = {p["id"]: p["id"] in ("participation", chosen) for p in purposes}
    assert sent.value.post_data_json["consents"] == expected
    page.wait_for_url("**/xac-thuc/")
    verify_and_login(page, code_for, phone)

    # When the contestant downloads their data on «Trang của tôi»
    consents = page.locator(".ct-consents")
    expect(consents.locator(f'[data-purpose="{chosen}"]')).to_contain_text("Đồng ý từ")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải dữ liệu của tôi").click()
    saved = tmp_path / "du-lieu.json"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("du-lieu-cua-toi-")
    data = json.loads(saved.read_text(encoding="utf-8"))
    # Then the file holds the profile, the full phone and each consent, and the page shows it readably
    assert data["profile"]["full_name"] == NAME and data["profile"]["phone"].endswith(phone[1:])
    given = {c["purpose"]: c["given"] for c in data["consents"]}
    assert given == expected
    view = page.locator(".ct-my-data")
    expect(view).to_be_visible()
    expect(view).to_contain_text(NAME)
    expect(view).to_contain_text("Yêu cầu về dữ liệu cá nhân")
    shot(page, "p14-02-du-lieu-cua-toi")

    # When they withdraw that optional consent
    row = consents.locator(f'[data-purpose="{chosen}"]')
    with page.expect_response("**/api/me/consents") as answered:
        row.get_by_role("button", name="Rút lại đồng ý").click()
    assert answered.value.status == 200
    # Then the row says so, the message gives the request's code, and the required purpose has no button
    expect(consents.locator(f'[data-purpose="{chosen}"]')).to_contain_text("Đã rút lại lúc")
    expect(page.locator('[data-field="consent-status"]')).to_contain_text("Mã yêu cầu: W-")
    expect(consents.locator('[data-purpose="participation"] button')).to_have_count(0)
    shot(page, "p14-03-rut-lai-dong-y")

    # When they ask for erasure with a wrong password, then the right one
    form = page.locator('form[data-form="erasure"]')
    form.get_by_label("Mật khẩu hiện tại").fill("khong-dung-mat-khau")
    form.get_by_role("button", name="Gửi yêu cầu xóa dữ liệu").click()
    expect(page.locator("#erase-password-error")).to_contain_text("Mật khẩu không đúng")
    form.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    form.get_by_role("button", name="Gửi yêu cầu xóa dữ liệu").click()
    expect(form.locator(".ct-status")).to_contain_text("Đã nhận yêu cầu xóa dữ liệu (mã E-")
    shot(page, "p14-04-yeu-cau-xoa")
    assert errors == []


def test_the_privacy_page_is_generated_from_the_contest(stack, page: Page):
    page.goto(stack.base_url + "/quyen-rieng-tu/")
    article = page.locator("article")
    expect(article).to_contain_text("Chuyển dữ liệu cá nhân ra nước ngoài")
    expect(article).to_contain_text("Singapore")
    expect(article.get_by_role("link", name="Trang của tôi").first).to_have_attribute(
        "href", re.compile(r"/tai-khoan/$")
    )
