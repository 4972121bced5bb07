"""A contestant's whole journey on a 360 px phone: register, verify, log in, take the quiz, survive a reload
and a network outage while submitting, and get exactly one stored submission and its receipt."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route, expect

from contest.rules.receipts import attempt_code
from tests.support import unit

from .conftest import (
    GROUP_COUNT,
    QUESTIONS,
    REQUIRED_CONSENT,
    RESEND_SECONDS,
    SHOWS_SCORE,
    TIME_LIMIT,
    WEEK1_DAY,
    contrast_failures,
    unit_name,
    unit_search,
)

XSS_NAME = "<img src=x onerror=alert(1)>"  # refused at registration
NAME = "H'Hen Niê"  # an Ê Đê name: the apostrophe must survive as text
PASSWORD = "Mat-khau-2023"


def new_phone() -> str:
    return "091" + "".join(random.choice("0123456789") for _ in range(7))  # Vinaphone, valid mobile


def register(page: Page, base: str, name: str, phone: str, shot=None, wait: bool = True) -> None:
    page.goto(base + "/dang-ky/")
    page.get_by_label("Họ và tên").fill(name)
    page.get_by_label("Số điện thoại di động").fill(phone)
    expect(page.locator("#reg-unit optgroup")).to_have_count(GROUP_COUNT)
    # the unit list is searchable without diacritics and stays grouped by type ("cam xuyen": the district and
    # its citizens, in two groups, on the shipped contest)
    query, options, groups = unit_search(unit("h-cam-xuyen"))
    page.get_by_label("Tìm đơn vị").fill(query)
    expect(page.locator("#reg-unit option")).to_have_count(options)
    expect(page.locator("#reg-unit optgroup")).to_have_count(groups)
    page.get_by_label("Chọn đơn vị trong danh sách").select_option(unit("h-cam-xuyen"))
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("checkbox", name=REQUIRED_CONSENT).check()
    if shot:
        shot(page, "01-dang-ky")
        assert (
            contrast_failures(
                page,
                [
                    "article h1",
                    ".md-typeset label",
                    ".md-typeset small",
                    ".ct-consent p",
                    ".ct-consent a",
                    "#reg-unit option",
                ],
            )
            == []
        )
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    if wait:
        page.wait_for_url("**/xac-thuc/")


def verify_and_login(page: Page, code_for, phone: str, shot=None) -> None:
    expect(page.get_by_label("Số điện thoại")).to_have_value(phone)
    # the resend button counts down (the server's gap between two codes)
    expect(page.locator('[data-action="resend"]')).to_be_disabled()
    expect(page.locator('[data-action="resend"]')).to_contain_text("giây")
    page.get_by_label("Mã xác thực").fill(code_for(phone))
    if shot:
        shot(page, "02-xac-thuc")
    page.get_by_role("button", name="Xác thực").click()
    page.wait_for_url("**/dang-nhap/?verified=1")
    expect(page.locator("form .ct-status")).to_contain_text("đã được xác thực")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    if shot:
        shot(page, "03-dang-nhap")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/")


def fresh_logged_in_context(browser, base: str, code_for, full_name: str) -> BrowserContext:
    """A new browser context (empty cache, no service worker) holding the session of a contestant registered,
    verified and logged in through the UI in another context."""
    setup = browser.new_context(viewport={"width": 360, "height": 800})
    page = setup.new_page()
    phone = new_phone()
    register(page, base, full_name, phone)
    verify_and_login(page, code_for, phone)
    session = page.evaluate("localStorage.getItem('ct.session')")
    setup.close()
    context = browser.new_context(viewport={"width": 360, "height": 800}, service_workers="block")
    context.add_init_script(f"localStorage.setItem('ct.session', {json.dumps(session)})")
    return context


EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()  # what the function URLs need for a POST without a body
ME_STATUS = "async (t) => (await fetch('/api/me', {headers: {'X-Contest-Session': t}})).status"


def answer(page: Page, option: str) -> None:
    page.locator(".ct-option label").filter(has_text=re.compile("^" + option + r"\. ")).click()


def test_contestant_journey_on_a_phone(stack, code_for, page: Page, shot, artefacts):
    base = stack.base_url
    phone = new_phone()
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: foreign.append(r.url) if not r.url.startswith(base) and not r.url.startswith("data:") else None,
    )

    # Given a person who first types a name that looks like HTML: refused, with the reason on the form
    register(page, base, XSS_NAME, phone, wait=False)
    expect(page.locator("form .ct-field-error")).to_contain_text("Họ và tên chỉ gồm chữ cái")
    expect(page.get_by_label("Họ và tên")).to_have_attribute("aria-invalid", "true")
    assert page.locator("img[src=x]").count() == 0
    # Then registers with their real name, verifies the phone and logs in
    register(page, base, NAME, phone, shot)
    verify_and_login(page, code_for, phone, shot)

    # Then my page shows the name as text (no image element, no script ran) and the phone masked
    expect(page.locator('[data-field="full_name"]')).to_have_text(NAME)
    expect(page.locator('[data-field="phone_masked"]')).to_have_text(re.compile(r"^•{7}\d{3}$"))
    expect(page.locator('[data-field="unit_name"]')).to_have_text(unit_name(unit("h-cam-xuyen")))
    assert page.locator("img[src=x]").count() == 0
    expect(page.locator(".ct-attempts")).to_contain_text("Bạn chưa có lượt thi nào.")
    shot(page, "04-tai-khoan")

    # When they start the quiz
    page.goto(base + "/thi/")
    expect(page.locator(".ct-quiz__when")).to_contain_text("Tuần 1 đang mở")
    shot(page, "05-thi-bat-dau")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator(".ct-quiz__week")).to_have_text("Tuần 1")
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời 0/{QUESTIONS}")
    expect(page.locator(".ct-quiz__timer")).to_have_text(
        re.compile(rf"Còn lại ({TIME_LIMIT - 1}:[0-5]\d|{TIME_LIMIT}:00)")
    )
    state = page.evaluate("JSON.parse(localStorage.getItem('ct.quiz'))")
    attempt_id = state["attempt"]["attempt_id"]

    # and answer about half the questions, one at a time
    chosen = {}
    for i in range(8):
        option = "ABCD"[i % 4]
        answer(page, option)
        chosen[i] = option
        expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời {i + 1}/{QUESTIONS}")
        page.get_by_role("button", name="Câu sau ›").click()
    shot(page, "06-thi-dang-lam")
    assert (
        contrast_failures(
            page,
            [
                ".ct-quiz__timer",
                ".ct-quiz__progress",
                ".ct-question legend",
                ".ct-option label",
                ".ct-dot",
                ".ct-dot--done",
                ".md-button--primary",
            ],
        )
        == []
    )

    # and reload the page (a crash, a closed tab)
    page.reload()

    # Then the same attempt resumes where they were, with the same answers
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời 8/{QUESTIONS}")
    expect(page.locator(".ct-question legend")).to_contain_text(f"Câu 9/{QUESTIONS}.")
    assert page.evaluate("JSON.parse(localStorage.getItem('ct.quiz')).attempt.attempt_id") == attempt_id
    expect(page.locator(".ct-dot--done")).to_have_count(8)
    page.locator('.ct-dot[data-step="0"]').click()
    expect(page.locator(".ct-question legend")).to_contain_text(f"Câu 1/{QUESTIONS}.")
    expect(page.locator(f'.ct-option input[value="{chosen[0]}"]')).to_be_checked()
    page.locator('.ct-dot[data-step="5"]').click()
    expect(page.locator(f'.ct-option input[value="{chosen[5]}"]')).to_be_checked()
    shot(page, "07-thi-sau-tai-lai")

    # When they finish the rest, keyboard included, and answer the prediction question
    page.locator('.ct-dot[data-step="8"]').click()
    for i in range(8, QUESTIONS - 1):
        expect(page.locator(".ct-question legend")).to_contain_text(f"Câu {i + 1}/{QUESTIONS}.")
        answer(page, "A")
        page.get_by_role("button", name="Câu sau ›").click()
    expect(page.locator(".ct-question legend")).to_contain_text(f"Câu {QUESTIONS}/{QUESTIONS}.")
    page.locator(".ct-option input").first.focus()  # the last one by keyboard: arrow keys move the choice
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.locator('.ct-option input[value="B"]')).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="‹ Câu trước")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Câu sau ›")).to_be_focused()
    page.keyboard.press("Enter")
    prediction = page.locator("#ct-prediction")
    expect(page.get_by_role("textbox", name=re.compile("Câu dự đoán"))).to_be_visible()
    prediction.press_sequentially("12a34")
    expect(prediction).to_have_value("1234")
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời {QUESTIONS}/{QUESTIONS}")

    # and ask to submit: a confirmation comes first
    page.locator('[data-action="review"]').click()
    expect(page.locator(".ct-quiz__confirm")).to_contain_text(f"Bạn đã trả lời {QUESTIONS}/{QUESTIONS} câu")
    shot(page, "08-thi-xac-nhan")

    # When the API is unreachable at the moment they confirm
    attempts_blocked: list[str] = []

    def unreachable(route: Route) -> None:
        attempts_blocked.append(route.request.post_data or "")
        route.abort("internetdisconnected")

    page.route("**/api/submit", unreachable)
    page.locator('[data-action="confirm"]').click()

    # Then the page says plainly what is happening and keeps retrying with backoff
    status = page.locator(".ct-quiz > .ct-status")
    expect(status).to_contain_text("Mất kết nối với máy chủ", timeout=10_000)
    expect(status).to_contain_text("tự động gửi lại sau")
    expect(prediction).to_be_disabled()  # answers are locked once confirmed: every retry sends the same body
    expect(page.locator('[data-action="review"]')).to_be_disabled()
    page.wait_for_function(
        "document.querySelector('.ct-quiz > .ct-status').textContent.includes('đã thử 2 lần')", timeout=15_000
    )
    shot(page, "09-thi-mat-ket-noi")

    # When the connection comes back
    sent: list[str] = []
    page.unroute("**/api/submit")
    page.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/api/submit") else None)

    # Then the receipt is shown
    expect(page.get_by_role("heading", name="Biên nhận bài thi")).to_be_visible(timeout=40_000)
    receipt = page.locator(".ct-receipt")
    expect(receipt).to_contain_text(attempt_id)  # the full id, for support
    expect(receipt).to_contain_text(attempt_code(attempt_id))  # and the short code people read
    expect(receipt).to_contain_text(re.compile(r"\d\d:\d\d:\d\d ngày " + WEEK1_DAY))
    expect(receipt).to_contain_text("giây")
    if SHOWS_SCORE:  # quiz.show_score_on_submit
        expect(receipt.locator("dt", has_text="Điểm")).to_be_visible()
        expect(receipt.locator("dd").last).to_have_text(re.compile(rf"^\d{{1,2}}/{QUESTIONS}$"))
    else:
        expect(receipt.locator("dt", has_text="Điểm")).to_have_count(0)
    shot(page, "10-thi-bien-nhan")

    # and every try carried the very same token and answers
    bodies = attempts_blocked + sent
    assert len(attempts_blocked) >= 2 and len(sent) >= 1
    assert len({json.dumps(json.loads(b), sort_keys=True) for b in bodies}) == 1
    body = json.loads(bodies[0])
    assert body["prediction"] == 1234 and len(body["answers"]) == QUESTIONS

    # and exactly one submission is stored for the week
    me = page.evaluate("""async () => {
        const s = JSON.parse(localStorage.getItem('ct.session'));
        const r = await fetch('/api/me', {headers: {'X-Contest-Session': s.token}});
        return r.json();
    }""")
    submitted = [a for a in me["attempts"] if a["week"] == 1 and a["submitted_at"]]
    assert [a["attempt_id"] for a in submitted] == [attempt_id]
    assert len([a for a in me["attempts"] if a["week"] == 1]) == 1

    # and a reload shows the receipt again rather than a new attempt
    page.reload()
    expect(page.get_by_role("heading", name="Biên nhận bài thi")).to_be_visible()

    # and my page lists the attempt with its receipt
    page.goto(base + "/tai-khoan/")
    expect(page.locator(".ct-attempts .ct-attempt")).to_have_count(1)
    expect(page.locator(".ct-attempts")).to_contain_text(attempt_code(attempt_id))
    expect(page.locator('.ct-attempts [data-field="attempt-id"]')).to_have_text(attempt_id)
    shot(page, "11-tai-khoan-sau-thi")

    # and logging out ends the session, on the server too: the token that was kept on the device is dead
    kept = page.evaluate("JSON.parse(localStorage.getItem('ct.session')).token")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/dang-nhap/")
    assert page.evaluate("localStorage.getItem('ct.quiz')") is None  # nothing of theirs is left on the device
    assert page.evaluate("localStorage.getItem('ct.session')") is None
    assert page.evaluate(ME_STATUS, kept) == 401
    page.goto(base + "/tai-khoan/")
    expect(page.locator(".ct-me > .ct-status")).to_contain_text("Bạn cần đăng nhập")

    assert alerts == []  # the HTML-looking name never ran as code
    assert foreign == []  # no request ever left the origin


def test_password_reset_then_login_with_the_new_password(stack, code_for, page: Page, shot):
    base = stack.base_url
    phone = new_phone()
    register(page, base, "Nguyễn Thị Hồng Nhung", phone)
    verify_and_login(page, code_for, phone)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/dang-nhap/")  # logout tells the server first, then navigates

    # Given a person who forgot the password asks for a code
    page.goto(base + "/quen-mat-khau/")
    page.get_by_label("Số điện thoại đã đăng ký").fill(phone)
    page.get_by_role("button", name="Gửi mã đặt lại mật khẩu").click()
    expect(page.get_by_label("Mã xác thực")).to_be_visible()
    expect(page.locator('[data-app="reset-confirm"] [data-action="resend"]')).to_be_disabled()

    # When they type the code and a new password
    page.get_by_label("Mã xác thực").fill(code_for(phone))
    page.get_by_label("Mật khẩu mới", exact=True).fill("Mat-khau-moi-99")
    page.get_by_label("Nhập lại mật khẩu mới").fill("Mat-khau-moi-99")
    shot(page, "12-quen-mat-khau")
    page.get_by_role("button", name="Đặt lại mật khẩu", exact=True).click()

    # Then they log in with the new password only
    page.wait_for_url("**/dang-nhap/?reset=1")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#login-password-error")).to_contain_text("không đúng")
    page.get_by_label("Mật khẩu").fill("Mat-khau-moi-99")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/")
    expect(page.locator('[data-field="full_name"]')).to_have_text("Nguyễn Thị Hồng Nhung")


def test_register_errors_come_from_the_api_in_vietnamese(stack, page: Page):
    base = stack.base_url
    phone = new_phone()
    register(page, base, "Trần Văn An", phone)

    # When the same phone registers again
    page.goto(base + "/dang-ky/")
    page.get_by_label("Họ và tên").fill("Trần Văn An")
    page.get_by_label("Số điện thoại di động").fill(phone)
    expect(page.locator("#reg-unit optgroup")).to_have_count(GROUP_COUNT)
    page.get_by_label("Chọn đơn vị trong danh sách").select_option(unit("so-tttt"))
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("checkbox", name=REQUIRED_CONSENT).check()
    with page.expect_response("**/api/register") as response:
        page.get_by_role("button", name="Đăng ký", exact=True).click()

    # Then it is answered like any registration (the answer never says a number is taken): the
    # page goes on to the code step; only the phone's holder gets a code, which would let them reclaim it
    assert response.value.status == 201
    page.wait_for_url("**/xac-thuc/")

    # and a missing consent is caught before anything is sent
    page.goto(base + "/dang-ky/")
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    expect(page.locator("#reg-consent-participation-error")).to_contain_text("Bạn cần đồng ý")


def test_quiz_page_first_load_weight(stack, code_for, browser, artefacts):
    """Measured, not timed: bytes of the quiz page's first load (fresh cache), logged in, quiz started."""
    base = stack.base_url
    # Given a verified, logged-in contestant (set up in another context)
    context = fresh_logged_in_context(browser, base, code_for, "Lê Văn Bình")
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda r: responses.append(r))

    # When the quiz page loads for the first time and the attempt starts
    page.goto(base + "/thi/", wait_until="networkidle")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời 0/{QUESTIONS}")
    page.wait_for_load_state("networkidle")

    rows = []
    for request in responses:
        response = request.response()
        body = response.body() if response else b""
        path = urlsplit(request.url).path
        rows.append(
            {
                "url": path if request.url.startswith(base) else request.url,
                "third_party": not request.url.startswith(base),
                "bytes": len(body),
                "gzip": len(gzip.compress(body, 6)),
                # the site's own code (assets/js/**, one bundle per page), minified and fingerprinted; contest.css
                # is appended to the theme's stylesheet (one file, assets/stylesheets/main.*), not counted here
                "own": bool(re.match(r"/assets/(js/[a-z/-]+|css/contest)\.[0-9a-f]{10}\.min\.(js|css)$", path)),
            }
        )
    context.close()
    total = {"bytes": sum(r["bytes"] for r in rows), "gzip": sum(r["gzip"] for r in rows)}
    own = {
        "bytes": sum(r["bytes"] for r in rows if r["own"]),
        "gzip": sum(r["gzip"] for r in rows if r["own"]),
    }
    report = {
        "requests": len(rows),
        "total": total,
        "own_js_css": own,
        "third_party_requests": [r["url"] for r in rows if r["third_party"]],
        "responses": rows,
    }
    (artefacts / "quiz-page-weight.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(
        f"\nquiz first load: {len(rows)} requests, {total['bytes']} B ({total['gzip']} B gzip); "
        f"own JS+CSS {own['bytes']} B ({own['gzip']} B gzip)"
    )

    # Then nothing came from another host, and the budget holds
    assert report["third_party_requests"] == []
    assert any(r["own"] for r in rows)  # minified and fingerprinted
    # the search (worker, language files, index) is fetched only when the search is opened
    assert [
        r["url"]
        for r in rows
        if r["url"].startswith(("/search/", "/assets/javascripts/workers/", "/assets/javascripts/lunr/"))
    ] == []
    assert own["gzip"] <= 30 * 1024
    # the quiz page loads one script of ours, its bundle (app's shell, core, format, quiz-state, pages/quiz), and
    # no other page's code
    fingerprint = re.compile(r"\.[0-9a-f]{10}\.min\.js$")
    own_js = sorted(fingerprint.sub(".js", r["url"]) for r in rows if r["own"] and r["url"].endswith(".js"))
    assert own_js == ["/assets/js/quiz.js"]
    # the quiz's first-load budget: 80 KB compressed (86,272 B with app.js as one file; site/README.md, "First load")
    assert total["gzip"] <= 80 * 1024


def test_resend_code_counts_down_and_shows_the_api_answer(stack, code_for, page: Page):
    base = stack.base_url
    phone = new_phone()
    page.clock.install()  # the page's timers can be moved forward; the server keeps its own clock
    register(page, base, "Hoàng Minh Châu", phone)
    resend = page.locator('[data-action="resend"]')
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(re.compile(rf"Gửi lại mã \(sau ({RESEND_SECONDS - 1}|{RESEND_SECONDS}) giây\)"))

    # When the countdown is over on the page and the person asks for a new code
    page.clock.fast_forward((RESEND_SECONDS + 1) * 1000)
    expect(resend).to_be_enabled()
    with page.expect_response("**/api/verify/resend") as response:
        resend.click()

    # Then the page shows the API's own message and counts down again from the server's figure
    answer = response.value.json()
    expect(page.locator("form .ct-status")).to_have_text(answer["message"])
    expect(resend).to_be_disabled()
    expect(resend).to_contain_text("giây")
    # and the code that works is the newest one the server sent
    page.get_by_label("Mã xác thực").fill(code_for(phone))
    page.get_by_role("button", name="Xác thực").click()
    page.wait_for_url("**/dang-nhap/?verified=1")


def test_a_shared_computer_never_shows_one_persons_attempt_to_another(stack, code_for, page: Page):
    base = stack.base_url
    # Given person A is in the middle of a quiz and walks away without logging out
    phone_a = new_phone()
    register(page, base, "Người Thứ Nhất", phone_a)
    verify_and_login(page, code_for, phone_a)
    page.goto(base + "/thi/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    answer(page, "C")
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời 1/{QUESTIONS}")
    attempt_a = page.evaluate("JSON.parse(localStorage.getItem('ct.quiz')).attempt.attempt_id")

    # When person B logs in on the same browser and opens the quiz
    phone_b = new_phone()
    register(page, base, "Người Thứ Hai", phone_b)
    verify_and_login(page, code_for, phone_b)
    page.goto(base + "/thi/")

    # Then B sees the start screen, not A's questions, and starting gives B a fresh attempt of B's own
    expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_be_visible()
    expect(page.locator(".ct-question")).to_have_count(0)
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator(".ct-quiz__progress")).to_have_text(f"Đã trả lời 0/{QUESTIONS}")
    assert page.evaluate("JSON.parse(localStorage.getItem('ct.quiz')).attempt.attempt_id") != attempt_a

    # and when A logs back in, the server hands A the same open attempt (A's earlier answers on this device
    # were replaced by B's attempt, so A continues from what the server knows)
    page.goto(base + "/dang-nhap/")
    page.get_by_label("Số điện thoại").fill(phone_a)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/")
    page.goto(base + "/thi/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator(".ct-quiz__week")).to_have_text("Tuần 1")
    assert page.evaluate("JSON.parse(localStorage.getItem('ct.quiz')).attempt.attempt_id") == attempt_a


def test_quiz_errors_show_the_api_message_and_a_busy_server_is_retried(stack, code_for, page: Page):
    base = stack.base_url
    phone = new_phone()
    register(page, base, "Đặng Thu Hà", phone)
    verify_and_login(page, code_for, phone)

    # Given the API refuses to start a quiz (a week that is not open)
    refusal = {
        "code": "WEEK_NOT_OPEN",
        "message": "Tuần thi chưa mở. Tuần 2 bắt đầu lúc 00:00 ngày 23/10/2023.",
    }
    page.route(
        "**/api/quiz",
        lambda route: route.fulfill(
            status=409, content_type="application/json", body=json.dumps(refusal, ensure_ascii=False)
        ),
    )
    page.goto(base + "/thi/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    # Then its Vietnamese message is shown as it is, and the person can try again later
    expect(page.locator(".ct-quiz > .ct-status")).to_have_text(refusal["message"])
    expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_be_enabled()
    page.unroute("**/api/quiz")

    # Given the quiz starts and every question is answered
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    for _ in range(QUESTIONS):
        answer(page, "D")
        page.get_by_role("button", name="Câu sau ›").click()
    page.locator("#ct-prediction").fill("99")
    page.locator("#ct-prediction").dispatch_event("input")

    # When the server answers 503 to the first submission
    calls: list[int] = []

    def busy_once(route: Route) -> None:
        calls.append(1)
        if len(calls) == 1:
            route.fulfill(status=503, content_type="text/html", body="<h1>Service Unavailable</h1>")
        else:
            route.continue_()

    page.route("**/api/submit", busy_once)
    page.locator('[data-action="review"]').click()
    page.locator('[data-action="confirm"]').click()

    # Then it says so plainly, retries by itself, and the receipt arrives
    expect(page.locator(".ct-quiz > .ct-status")).to_contain_text("Máy chủ chưa nhận được bài")
    expect(page.get_by_role("heading", name="Biên nhận bài thi")).to_be_visible(timeout=20_000)
    assert len(calls) == 2


def _confirm_while_offline(page: Page) -> None:
    """Answer one question and the prediction, confirm, with the API unreachable: a pending submission."""
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    answer(page, "B")
    page.locator(f'.ct-dot[data-step="{QUESTIONS}"]').click()  # the prediction, after the last question
    page.locator("#ct-prediction").fill("42")
    page.locator("#ct-prediction").dispatch_event("input")
    page.route("**/api/submit", lambda route: route.abort("internetdisconnected"))
    page.locator('[data-action="review"]').click()
    page.locator('[data-action="confirm"]').click()
    expect(page.locator(".ct-quiz > .ct-status")).to_contain_text("Mất kết nối với máy chủ", timeout=10_000)
    assert page.evaluate("JSON.parse(localStorage.getItem('ct.quiz')).pending") is not None


def test_a_pending_submission_waits_for_its_owner_and_logout_clears_every_token(stack, code_for, page: Page):
    base = stack.base_url
    # Given a contestant whose submission is waiting for the network
    phone = new_phone()
    register(page, base, "Phan Văn Đợi", phone)
    verify_and_login(page, code_for, phone)
    page.goto(base + "/thi/")
    _confirm_while_offline(page)
    # When the session ends elsewhere ("Đăng xuất" on another device) and the network comes back
    kept = page.evaluate("JSON.parse(localStorage.getItem('ct.session')).token")
    ended = page.evaluate(
        "async (t) => (await fetch('/api/logout', {method: 'POST', headers: {'X-Contest-Session': t,"
        f" 'x-amz-content-sha256': '{EMPTY_BODY_SHA256}'}}}})).status",
        kept,
    )
    assert ended == 200
    page.unroute("**/api/submit")
    page.locator('[data-action="retry-now"]').click()
    # Then the page says so, keeps the answers, and offers to log in
    status = page.locator(".ct-quiz > .ct-status")
    expect(status).to_contain_text("Bài làm vẫn được lưu trên thiết bị này")
    assert page.evaluate("JSON.parse(localStorage.getItem('ct.quiz')).pending") is not None
    # and after logging in again the very same answers are sent and the receipt shown
    status.get_by_role("link", name="Đăng nhập để nộp bài").click()
    page.wait_for_url("**/dang-nhap/**")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thi/")
    expect(page.get_by_role("heading", name="Biên nhận bài thi")).to_be_visible(timeout=20_000)

    # Given another contestant on the same browser with a submission still waiting
    other = new_phone()
    register(page, base, "Hồ Thị Rời", other)
    verify_and_login(page, code_for, other)
    page.goto(base + "/thi/")
    _confirm_while_offline(page)
    kept = page.evaluate("JSON.parse(localStorage.getItem('ct.session')).token")
    page.goto(base + "/tai-khoan/")
    # When they press "Đăng xuất": they are warned first; saying no keeps everything
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Đăng xuất").click()
    assert page.evaluate("JSON.parse(localStorage.getItem('ct.quiz')).pending") is not None
    assert page.evaluate(ME_STATUS, kept) == 200
    # and saying yes ends the session on the server and clears every token kept here
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/dang-nhap/")
    assert page.evaluate("localStorage.getItem('ct.quiz')") is None
    assert page.evaluate("localStorage.getItem('ct.session')") is None
    assert page.evaluate(ME_STATUS, kept) == 401
