"""Published bytes: deterministic, canonical, NFC, and nothing personal beyond the masked phone."""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.rules.model import (
    Bank,
    Contest,
    Limits,
    Prize,
    Question,
    QuizRules,
    Source,
    StandingRecord,
    Unit,
    Week,
)
from contest.rules.phones import mask
from contest.rules.publication import (
    canonical_json,
    canonical_standings,
    empty_results_index,
    final_public,
    index_entry,
    results_index,
    week_public,
    week_review,
    write_canonical_standings,
)
from contest.rules.ranking import RankingRules, aggregate_units, rank_final_units, rank_week

VN = timezone(timedelta(hours=7))
WEEK = Week(
    1,
    datetime(2023, 10, 16, tzinfo=VN),
    datetime(2023, 10, 22, 19, tzinfo=VN),
    datetime(2023, 10, 22, 20, tzinfo=VN),
    "Bao nhiêu người?",
)
PRIZES = (
    Prize("first", "Giải Nhất", 1, 2_000_000),
    Prize("second", "Giải Nhì", 2, 1_000_000),
    Prize("third", "Giải Ba", 3, 500_000),
)
CONTEST = Contest(
    name="Cuộc thi",
    theme="Dữ liệu số",
    year=2023,
    organiser="Sở",
    plan="KH",
    timezone="Asia/Ho_Chi_Minh",
    weeks=(WEEK,),
    quiz=QuizRules(15, 10_000_000, 1, 1800, 30, "seconds", True, 30),
    participants_count="contestants",
    verification="at_registration",
    consent_version="1",
    consent_text="",
    limits=Limits(300, 5, 60, 5, 200, 5, 43200),
    weekly_prizes=PRIZES,
    final_unit_prizes=(
        Prize("first", "Giải Nhất", 1, 3),
        Prize("second", "Giải Nhì", 1, 2),
        Prize("third", "Giải Ba", 1, 1),
    ),
    currency="đồng",
    published_top=10,
    excluded_roles="",
    final_formula={"participation": 0.4, "participation_rate": 0.3, "mean_score": 0.3},
)
UNITS = (Unit("u1", "Sở Thông tin và Truyền thông", "g", 50), Unit("u2", "UBND huyện Đức Thọ", "g"))
BANK = Bank(
    tuple(
        Question(
            f"q{i}",
            f"Câu {i}?",
            {"A": "a", "B": "b", "C": "c", "D": "d"},
            "ABCD"[i % 4],
            "easy",
            (1 + i % 2,),
            Source("doc", None, None),
        )
        for i in range(8)
    )
)

phones = st.integers(min_value=0, max_value=99_999_999).map(lambda n: f"+849{n:08d}")


def publish(records):
    ranking = rank_week(records, RankingRules.from_contest(CONTEST))
    units = aggregate_units(ranking, UNITS)
    data, sha = canonical_standings(ranking)
    return ranking, data, sha, canonical_json(week_public(CONTEST, WEEK, ranking, units, BANK, sha, UNITS))


def people(phone_list):
    return [
        StandingRecord(
            f"01HF-{i:06d}",
            (i * 7) % 16,
            30_000 + (i * 977) % 90_000,
            i % 50,
            "u1" if i % 3 else "u2",
            f"Nguyễn Thị {i}",
            mask(p),
            f"attempt-{i:06d}",
            1,
            0,
        )
        for i, p in enumerate(phone_list)
    ]


@given(st.lists(phones, min_size=1, max_size=30, unique=True))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_masked_phones_never_leak_digits_beyond_the_mask(phone_list):
    records = people(phone_list)
    _, _, _, public = publish(records)
    text = public.decode()
    doc = json.loads(text)
    for entry in doc["ranking"]["entries"]:
        shown = entry["phone"]
        assert len(shown) == 10 and shown[:7] == "•" * 7
        assert sum(c.isdigit() for c in shown) == 3
    for r, phone in zip(records, phone_list, strict=True):
        national = "0" + phone[3:]
        assert national not in text and phone not in text and phone[3:] not in text
        assert r.account_id not in text and r.attempt_id not in text
    by_name = {r.full_name: phone for r, phone in zip(records, phone_list, strict=True)}
    for entry in doc["ranking"]["entries"]:
        assert entry["phone"] == "•••••••" + by_name[entry["name"]][-3:]


@given(phones)
@settings(deadline=None)
def test_the_mask_shows_the_last_three_digits_only(phone):
    shown = mask(phone)
    national = "0" + phone[3:]
    assert shown == "•••••••" + national[-3:]
    assert mask(shown) == shown  # masking a published mask again changes nothing


def test_two_runs_over_the_same_data_are_byte_identical_and_the_hash_matches_the_file():
    records = people([f"+8491234{i:04d}" for i in range(40)])
    _, data1, sha1, public1 = publish(records)
    _, data2, sha2, public2 = publish(list(reversed(records)))
    assert (data1, sha1, public1) == (data2, sha2, public2)
    assert hashlib.sha256(data1).hexdigest() == sha1 == json.loads(public1)["standings_sha256"]
    lines = data1.decode().splitlines()
    assert lines[0] == "rank\ttie_group\taccount_id\tunit_id\tscore\tduration_ms\tprediction"
    assert len(lines) == 41
    # streaming into a file gives the same bytes as the in-memory form
    ranking = rank_week(records, RankingRules.from_contest(CONTEST))
    out = io.BytesIO()
    assert write_canonical_standings(ranking, out) == sha1 and out.getvalue() == data1


def test_public_json_is_canonical_nfc_and_complete():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    records = [StandingRecord("a1", 15, 40_000, 5, "u1", decomposed, "091****678", "x", 1, 0)]
    _, _, _, public = publish(records)
    text = public.decode()
    assert unicodedata.is_normalized("NFC", text) and "Nguyễn Thị Hoà" in text
    assert public == canonical_json(json.loads(text))  # sorted keys, fixed separators, one trailing newline
    doc = json.loads(text)
    assert doc["schema"] == 1 and doc["week"] == 1 and doc["closes_at"] == "2023-10-22T19:00:00+07:00"
    assert [q["id"] for q in doc["answer_key"]] == ["q0", "q2", "q4", "q6"]  # the week-1 pool
    assert doc["answer_key_withheld"] == []  # no later week shares a question here
    assert doc["answer_key"][1]["correct"] == "C"
    assert doc["ranking"]["entries"][0] == {
        "rank": 1,
        "name": "Nguyễn Thị Hoà",
        "phone": "•••••••678",  # stored under the old, wider mask: published with the last three digits only
        "unit": "Sở Thông tin và Truyền thông",
        "score": 15,
        "duration": 40,
        "prediction": 5,
        "prize": "first",
        "prize_label": "Giải Nhất",
        "tie_group": None,
    }
    assert doc["units"][0]["participation_rate"] == 0.02 and doc["units"][1]["participation_rate"] is None
    assert doc["participants"]["counted"] == "contestants"


def test_the_ranked_list_is_cut_at_the_configured_length_and_pending_groups_are_described():
    records = [StandingRecord(f"a{i:02d}", 15, 40_000, 1, "u1", f"Tên {i}", "091****678", "x", 1, 0) for i in range(12)]
    _, _, _, public = publish(records)
    doc = json.loads(public)
    assert len(doc["ranking"]["entries"]) == 10 and doc["ranking"]["total"] == 12
    assert [g["label"] for g in doc["tie_groups"]] == ["N1"] and doc["tie_groups"][0]["size"] == 12
    assert {p["prize"]: len(p["pending"][0]["candidates"]) for p in doc["prizes"]} == {
        "first": 12,
        "second": 12,
        "third": 12,
    }


def test_private_review_lists_ids_and_the_index_keeps_one_entry_per_week():
    records = people([f"+8491234{i:04d}" for i in range(6)]) + people(["+84912349999"])[:0]
    ranking = rank_week(records, RankingRules.from_contest(CONTEST), excluded={"01HF-000001"})
    review = week_review(CONTEST, ranking, UNITS)
    assert review["removed"][0]["account_id"] == "01HF-000001"
    _, _, _, public = publish(records)
    entry = index_entry(json.loads(public))
    index = results_index(results_index(None, entry, False), entry | {"participants": 99}, False)
    assert index["weeks"] == [entry | {"participants": 99}] and index["final"] is None


def test_the_index_carries_the_latest_week_and_an_earlier_republication_leaves_it():
    """The results page's first view is one request (index.json), not the index and then week-N.json."""
    records = people([f"+8491234{i:04d}" for i in range(6)])
    _, _, _, raw = publish(records)
    week1 = json.loads(raw)
    week2 = week1 | {"week": 2, "participants": {**week1["participants"], "count": 5}}
    # Given week 1 published, then week 2
    index = results_index(None, index_entry(week1), False, week1)
    assert index["latest"] == week1
    index = results_index(index, index_entry(week2), False, week2)
    assert index["latest"] == week2 and [w["week"] for w in index["weeks"]] == [1, 2]
    # When week 1 is published again (a committee decision, an erasure): the latest week stays week 2
    relabelled = week1 | {"erased_entries": {"count": 1}}
    assert results_index(index, index_entry(relabelled), False, relabelled)["latest"] == week2
    # and week 2 published again replaces it
    assert results_index(index, index_entry(week2), False, week2 | {"x": 1})["latest"] == week2 | {"x": 1}
    # before any close there is no latest week
    assert empty_results_index()["latest"] is None


def test_final_json_carries_the_formula_and_the_unit_prizes():
    ranking = rank_week(people([f"+8491234{i:04d}" for i in range(9)]), RankingRules.from_contest(CONTEST))
    rows = rank_final_units([aggregate_units(ranking, UNITS)], CONTEST.final_formula, 15, CONTEST.final_unit_prizes)
    doc = json.loads(canonical_json(final_public(CONTEST, rows, [1], CONTEST.final_formula)))
    assert doc["formula"]["weights"] == CONTEST.final_formula and "w_lượt" in doc["formula"]["text"]
    assert [u["prize"] for u in doc["units"]] == ["first", "second"]


def test_a_question_a_later_week_can_draw_is_published_without_key_until_that_week():
    # Given pools that overlap: q1 in weeks 1 and 3, q2 in weeks 1 and 2, q3 in week 1 only
    def question(qid: str, weeks: tuple[int, ...]) -> Question:
        return Question(
            qid, f"Câu {qid}?", {"A": "a", "B": "b", "C": "c", "D": "d"}, "B", "easy", weeks, Source("d", None, None)
        )

    bank = Bank((question("q1", (1, 3)), question("q2", (1, 2)), question("q3", (1,)), question("q4", (3,))))
    records = [StandingRecord("a1", 15, 40_000, 5, "u1", "Tên", "•••••••678", "x", 1, 0)]
    ranking = rank_week(records, RankingRules.from_contest(CONTEST))
    units = aggregate_units(ranking, UNITS)
    week = {n: Week(n, WEEK.opens_at, WEEK.closes_at, WEEK.results_at, "?") for n in (1, 2, 3)}

    def published(n: int) -> dict:
        return json.loads(canonical_json(week_public(CONTEST, week[n], ranking, units, bank, "0" * 64, UNITS)))

    # When weeks 1, 2 and 3 are published
    one, two, three = published(1), published(2), published(3)
    # Then week 1 carries only q3's key and lists q1 and q2 without any option or key
    assert [q["id"] for q in one["answer_key"]] == ["q3"]
    assert one["answer_key_withheld"] == [
        {
            "id": "q2",
            "text": "Câu q2?",
            "key_published_with_week": 2,
            "note": "Đáp án được công bố cùng kết quả Tuần 2",
        },
        {
            "id": "q1",
            "text": "Câu q1?",
            "key_published_with_week": 3,
            "note": "Đáp án được công bố cùng kết quả Tuần 3",
        },
    ]
    # And week 2 publishes q2's key, week 3 those of q1 and q4: each key exactly once
    assert [q["id"] for q in two["answer_key"]] == ["q2"] and two["answer_key"][0]["correct"] == "B"
    assert [q["id"] for q in three["answer_key"]] == ["q1", "q4"] and three["answer_key_withheld"] == []
    assert "mọi tuần thi có thể rút câu hỏi đó đều đã kết thúc" in one["answer_key_rule"]
