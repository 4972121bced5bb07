"""The results page on a phone: before publication it says when results come (and never a count);
after, it renders the published JSON, with user-written text as text and a search over names and units."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.support import group, unit

from .conftest import GROUP_COUNT, WEEK_COUNT, first_prize_amount, week_instant

XSS_NAME = "<img src=x onerror=alert(1)>"


def entry(
    rank: int,
    name: str,
    unit: str,
    score: int,
    duration: int,
    prize: str | None = None,
    label: str | None = None,
    tie: str | None = None,
) -> dict:
    """A ranked person as contest.rules.publication.week_public writes it (duration at the ranking resolution)."""
    return {
        "rank": rank,
        "name": name,
        "phone": f"•••••••{rank:03d}",
        "unit": unit,
        "score": score,
        "duration": duration,
        "prediction": 1200 + rank,
        "prize": prize,
        "prize_label": label,
        "tie_group": tie,
    }


def week_one() -> dict:
    winners = [
        entry(1, "Nguyễn Văn An", "Sở Thông tin và Truyền thông", 15, 245, "first", "Giải Nhất"),
        entry(2, XSS_NAME, "UBND huyện Cẩm Xuyên", 15, 301, "second", "Giải Nhì"),
        entry(3, "Trần Thị Bích", "UBND huyện Đức Thọ", 14, 199, "second", "Giải Nhì"),
    ]
    tied = [
        entry(4, "Lê Văn Cường", "Sở Tư pháp", 14, 220, None, None, "T1"),
        entry(4, "Phạm Thị Dung", "Người dân huyện Cẩm Xuyên", 14, 220, None, None, "T1"),
    ]
    return {
        "schema": 1,
        "contest": "Cuộc thi trực tuyến tìm hiểu về Chuyển đổi số",
        "week": 1,
        "opens_at": "2023-10-16T00:00:00+07:00",
        "closes_at": "2023-10-22T19:00:00+07:00",
        "results_at": "2023-10-22T20:00:00+07:00",
        "participants": {
            "count": 12345,
            "counted": "contestants",
            "description": "Số người dự thi khác nhau có ít nhất một bài thi đã nộp trong tuần",
        },
        "duration_resolution": "seconds",
        "order_rule": "Điểm cao hơn xếp trước; bằng điểm thì thời gian làm bài ngắn hơn xếp trước.",
        "answer_key": [
            {
                "id": "qd505-001",
                "text": "Ngày nào là Ngày Chuyển đổi số quốc gia?",
                "options": {
                    "A": "Ngày 10 tháng 10",
                    "B": "Ngày 1 tháng 10",
                    "C": "Ngày 10 tháng 1",
                    "D": "Ngày 22 tháng 4",
                },
                "correct": "A",
                "weeks": [1],
            }
        ],
        "answer_key_withheld": [
            {
                "id": "qd505-002",
                "text": "Chương trình Chuyển đổi số quốc gia được phê duyệt năm nào?",
                "key_published_with_week": 3,
                "note": "Đáp án được công bố cùng kết quả Tuần 3",
            }
        ],
        "answer_key_rule": (
            "Đáp án của một câu hỏi chỉ được công bố khi mọi tuần thi có thể rút câu hỏi đó đều đã kết thúc."
        ),
        "prizes": [
            {
                "prize": "first",
                "label": "Giải Nhất",
                "amount": 2000000,
                "count": 1,
                "awarded": winners[:1],
                "pending": [],
            },
            {
                "prize": "second",
                "label": "Giải Nhì",
                "amount": 1000000,
                "count": 2,
                "awarded": winners[1:3],
                "pending": [],
            },
            {
                "prize": "third",
                "label": "Giải Ba",
                "amount": 500000,
                "count": 3,
                "awarded": [],
                "pending": [
                    {
                        "group": "T1",
                        "count": 2,
                        "status_label": "Chờ Ban Tổ chức quyết định",
                        "candidates": tied,
                    }
                ],
            },
        ],
        "ranking": {"total": 12345, "shown": 5, "entries": winners + tied},
        "tie_groups": [
            {
                "label": "T1",
                "rank": 4,
                "size": 2,
                "status": "committee_decides",
                "status_label": "Ban Tổ chức quyết định",
                "decision": None,
            }
        ],
        "committee_decisions": [],
        "units": [
            {
                "unit_id": unit("h-cam-xuyen"),
                "name": "UBND huyện Cẩm Xuyên",
                "group": group("huyen"),
                "headcount": 400,
                "participants": 321,
                "attempts": 330,
                "mean_score": 11.4567,
                "participation_rate": 0.8025,
            },
            {
                "unit_id": unit("so-tttt"),
                "name": "Sở Thông tin và Truyền thông",
                "group": group("so-nganh"),
                "headcount": None,
                "participants": 80,
                "attempts": 80,
                "mean_score": 12.5,
                "participation_rate": None,
            },
        ],
        "standings_sha256": "ab" * 32,
    }


@pytest.fixture
def results_dir(stack):
    """results/ as a freshly started stack has it before the first close (an empty index)."""
    folder = stack.public_dir / "results"
    shutil.rmtree(folder, ignore_errors=True)
    stack.publish_empty_index()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
    stack.publish_receipt_key()
    stack.publish_empty_index()


def test_before_publication_the_page_says_when_results_come_and_shows_no_count(stack, results_dir, page: Page, shot):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    failed: list[str] = []  # a 404 of results/index.json is logged in the browser console as an error
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)

    page.goto(stack.base_url + "/ket-qua/")

    status = page.locator(".ct-results .ct-status")
    expect(status).to_have_text(f"Kết quả tuần 1 sẽ được công bố lúc {week_instant(1, 'results_at')}.")
    expect(page.locator("#results-week option")).to_have_count(WEEK_COUNT)
    page.locator("#results-week").select_option("3")
    expect(status).to_have_text(f"Kết quả tuần 3 sẽ được công bố lúc {week_instant(3, 'results_at')}.")
    expect(page.locator('[data-field="participants"]')).to_have_count(0)
    # nothing that could reveal how many people take part this week was even asked for
    assert not [u for u in requests if "/api/" in u]
    # and nothing failed on the way: before the first close there is a valid, empty index
    assert failed == []
    shot(page, "13-ket-qua-chua-cong-bo")


def test_published_week_renders_winners_ranking_search_answer_key_and_units(stack, results_dir, page: Page, shot):
    # Given week 1 is published
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "week-1.json").write_text(json.dumps(week_one(), ensure_ascii=False), encoding="utf-8")
    (results_dir / "index.json").write_text(
        json.dumps(
            {
                "schema": 1,
                "weeks": [
                    {
                        "week": 1,
                        "url": "week-1.json",
                        "results_at": "2023-10-22T20:00:00+07:00",
                        "participants": 12345,
                    }
                ],
                "final": None,
            }
        ),
        encoding="utf-8",
    )
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))

    # When the results page opens
    page.goto(stack.base_url + "/ket-qua/")

    # Then the week's real participant count, the winners with prizes and the ranked list are shown
    expect(page.locator('[data-field="participants"]')).to_have_text("12.345")
    prizes = page.locator(".ct-prize")
    expect(prizes.nth(0)).to_contain_text("Giải Nhất — 2.000.000 đồng")
    expect(prizes.nth(0)).to_contain_text("Nguyễn Văn An — Sở Thông tin và Truyền thông")
    expect(prizes.nth(1)).to_contain_text(XSS_NAME + " — UBND huyện Cẩm Xuyên")
    expect(prizes.nth(2)).to_contain_text("Chờ Ban Tổ chức quyết định")
    expect(prizes.nth(2)).to_contain_text("Phạm Thị Dung")
    rows = page.locator(".ct-section", has_text="Bảng xếp hạng").locator(".ct-rank__row")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("4 phút 05 giây")
    expect(rows.nth(1).locator(".ct-rank__name")).to_have_text(XSS_NAME)  # as text
    assert page.locator("img[src=x]").count() == 0
    expect(page.locator(".ct-section", has_text="Bảng xếp hạng")).to_contain_text("trên tổng số 12.345 người")

    # and the answer key and the units table
    expect(page.locator(".ct-answer-key")).to_contain_text("Đáp án đúng: Ngày 10 tháng 10")
    # a question a later week can still draw is listed without its key, with the week that publishes it
    withheld = page.locator(".ct-answer-withheld li")
    expect(withheld).to_have_count(1)
    expect(withheld.first).to_contain_text("Chương trình Chuyển đổi số quốc gia được phê duyệt năm nào?")
    expect(withheld.first).to_contain_text("Đáp án được công bố cùng kết quả Tuần 3")
    expect(page.locator(".ct-section", has_text="Đáp án")).to_contain_text("mọi tuần thi có thể rút câu hỏi")
    units = page.locator(".ct-section", has_text="Tham gia theo đơn vị").locator("tbody tr")
    expect(units.nth(0)).to_contain_text("11,46")
    expect(units.nth(0)).to_contain_text("80,3%")
    shot(page, "14-ket-qua-tuan-1")

    # When someone searches without diacritics, by unit then by name
    search = page.get_by_label("Tìm theo họ tên hoặc đơn vị")
    search.fill("cam xuyen")
    expect(rows).to_have_count(2)
    search.fill("bich")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Trần Thị Bích")
    search.fill("không có ai")
    expect(rows).to_have_count(0)
    shot(page, "15-ket-qua-tim-kiem")

    # and a week not yet published still says when
    page.locator("#results-week").select_option("2")
    expect(page.locator(".ct-results .ct-status")).to_have_text(
        f"Kết quả tuần 2 sẽ được công bố lúc {week_instant(2, 'results_at')}."
    )
    assert alerts == []


def test_every_page_is_readable_at_360px_and_loads_nothing_from_elsewhere(stack, page: Page, shot):
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(stack.base_url) else None)
    pages = {
        "00-trang-chu": "/",
        "16-the-le": "/the-le/",
        "17-tai-lieu": "/tai-lieu/",
        "18-tai-lieu-qd-505": "/tai-lieu/qd-505-qd-ttg-2022/",
        "19-quyen-rieng-tu": "/quyen-rieng-tu/",
        "20-quen-mat-khau": "/quen-mat-khau/",
        "21-thi-chua-dang-nhap": "/thi/",
    }
    for name, path in pages.items():
        page.goto(stack.base_url + path, wait_until="networkidle")
        # no horizontal scrolling on a 360 px phone (tables scroll inside their own box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        shot(page, name)
    expect(page.locator(".ct-quiz .ct-status")).to_contain_text("Bạn cần đăng nhập")
    # instant navigation (no full page load) still binds the page's JavaScript
    page.goto(stack.base_url + "/")
    page.locator("article").get_by_role("link", name="Đăng ký tài khoản").click()
    page.wait_for_url("**/dang-ky/")
    expect(page.locator("#reg-unit optgroup")).to_have_count(GROUP_COUNT)
    page.goto(stack.base_url + "/the-le/")
    expect(page.locator("article")).to_contain_text(week_instant(1, "results_at"))
    expect(page.locator("article")).to_contain_text(first_prize_amount())
    page.goto(stack.base_url + "/tai-lieu/")
    page.locator("article").get_by_role("link", name="Quyết định về Ngày Chuyển đổi số quốc gia").click()
    expect(page.locator("article")).to_contain_text("505/QĐ-TTg")
    expect(page.locator("article .admonition")).to_contain_text("ngày 22/04/2022")
    assert re.search(r"/tai-lieu/qd-505-qd-ttg-2022/$", page.url)
    assert foreign == []


def test_a_week_republished_after_an_erasure_shows_the_label_and_says_so(stack, results_dir, page: Page):
    # Given week 1 republished after a contestant had their data erased (close/erasure)
    from contest.rules.erasure import ERASED_LABEL, ERASED_NOTE

    week = week_one()
    week["ranking"]["entries"][2]["name"] = ERASED_LABEL
    week["ranking"]["entries"][2]["phone"] = ""
    week["erased_entries"] = {"count": 1, "note": ERASED_NOTE}
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "week-1.json").write_text(json.dumps(week, ensure_ascii=False), encoding="utf-8")
    index = {"schema": 1, "weeks": [{"week": 1, "url": "week-1.json", "results_at": "2023-10-22T20:00:00+07:00"}]}
    (results_dir / "index.json").write_text(json.dumps({**index, "final": None}), encoding="utf-8")
    # When the results page opens
    page.goto(stack.base_url + "/ket-qua/")
    # Then the entry shows the neutral label, and the page says the results were republished and what did not change
    rows = page.locator(".ct-section", has_text="Bảng xếp hạng").locator(".ct-rank__row")
    expect(rows.nth(2).locator(".ct-rank__name")).to_have_text(ERASED_LABEL)
    expect(page.locator("[data-erased-note]")).to_have_text(ERASED_NOTE)


def test_the_latest_week_is_shown_from_the_index_alone_and_another_week_is_fetched_when_picked(
    stack, results_dir, page: Page
):
    """One request for the first view (benchmarks/cost_estimate.py PAGE_FETCHES): the index the close writes carries
    the latest week; an earlier week's file is asked for only when the visitor picks it."""
    from contest.rules.publication import canonical_json, index_entry, results_index

    # Given weeks 1 and 2 published as the close publishes them (week-N.json, then the index)
    week2 = week_one() | {"week": 2, "participants": {**week_one()["participants"], "count": 23456}}
    results_dir.mkdir(parents=True, exist_ok=True)
    index = None
    for week in (week_one(), week2):
        (results_dir / f"week-{week['week']}.json").write_bytes(canonical_json(week))
        index = results_index(index, index_entry(week), False, week)
    (results_dir / "index.json").write_bytes(canonical_json(index))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.split("/results/", 1)[1]) if "/results/" in r.url else None)
    # When the results page opens
    page.goto(stack.base_url + "/ket-qua/")
    # Then week 2 is shown from the one file asked for, the index
    expect(page.locator('[data-field="participants"]')).to_have_text("23.456")
    expect(page.locator("#results-week")).to_have_value("2")
    page.wait_for_load_state("networkidle")
    assert asked == ["index.json"]
    # And week 1's file is asked for when the visitor picks it
    page.locator("#results-week").select_option("1")
    expect(page.locator('[data-field="participants"]')).to_have_text("12.345")
    assert asked == ["index.json", "week-1.json"]
    # and week 2 again needs no request
    page.locator("#results-week").select_option("2")
    expect(page.locator('[data-field="participants"]')).to_have_text("23.456")
    assert asked == ["index.json", "week-1.json"]
