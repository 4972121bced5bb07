"""A fourth prize tier (consolation prizes, "Giải Khuyến khích") is just another entry of prizes.weekly: the
ranking gives it the places after the third prizes, a tie at its boundary waits for the committee, and the
published results, the rules page and the certificates list it in the contest's order."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from contest.close.certificates import final_certificates, week_certificates, week_numbers
from contest.rules.model import CertificateStyle, StandingRecord
from contest.rules.publication import canonical_json, week_public
from contest.rules.ranking import PENDING, RankingRules, aggregate_units, rank_week
from tests.support import make_bank, make_content

PRIZES = {
    "prizes.weekly": [
        {"rank": "first", "label": "Giải Nhất", "count": 1, "amount": 3000000},
        {"rank": "second", "label": "Giải Nhì", "count": 1, "amount": 1500000},
        {"rank": "third", "label": "Giải Ba", "count": 1, "amount": 1000000},
        {"rank": "consolation", "label": "Giải Khuyến khích", "count": 5, "amount": 300000},
    ],
    "quiz.duration_resolution": "seconds",
}
CONTENT = make_content(contest_changes=PRIZES)
CONTEST = CONTENT.contest
UNITS = CONTENT.units


def standing(i: int, score: int, seconds: int) -> StandingRecord:
    unit = UNITS[i % len(UNITS)]
    return StandingRecord(
        f"acc-{i:03d}", score, seconds * 1000, 40, unit.id, f"Người {i}", f"09{i:02d}****{i:03d}", f"att-{i}", 1, 0
    )


def test_the_consolation_prizes_go_to_the_five_places_after_the_third_prize():
    # Given twelve contestants in a clear order
    rows = [standing(i, 20 - i, 100) for i in range(12)]
    # When the week is ranked with prizes 1/1/1 + 5 consolation prizes
    ranking = rank_week(rows, RankingRules.from_contest(CONTEST))
    # Then places 1-3 get the first three prizes, places 4-8 the consolation prizes, nobody else a prize
    assert [ranking.prize_at.get(p) for p in range(12)] == [
        "first",
        "second",
        "third",
        *["consolation"] * 5,
        *[None] * 4,
    ]


def test_a_tie_across_the_last_consolation_place_waits_for_the_committee():
    # Given places 8 and 9 equal on every key (score, time, prediction)
    rows = [standing(i, 20 - i, 100) for i in range(12)]
    rows[8] = replace(rows[8], score=rows[7].score)
    # When the week is ranked
    ranking = rank_week(rows, RankingRules.from_contest(CONTEST))
    # Then the four clear consolation prizes are given and the fifth waits for the committee's decision
    assert [ranking.prize_at.get(p) for p in range(7)] == ["first", "second", "third", *["consolation"] * 4]
    assert ranking.prize_at.get(7) == ranking.prize_at.get(8) == PENDING


def test_published_results_and_certificates_carry_the_consolation_prizes_in_the_contests_order():
    rows = [standing(i, 20 - i, 100) for i in range(12)]
    ranking = rank_week(rows, RankingRules.from_contest(CONTEST))
    week = CONTEST.weeks[0]
    public = week_public(CONTEST, week, ranking, aggregate_units(ranking, UNITS), make_bank(), "ab" * 32, UNITS)
    published = json.loads(canonical_json(public))
    assert [(p["prize"], p["label"], len(p["awarded"])) for p in published["prizes"]] == [
        ("first", "Giải Nhất", 1),
        ("second", "Giải Nhì", 1),
        ("third", "Giải Ba", 1),
        ("consolation", "Giải Khuyến khích", 5),
    ]
    style = CertificateStyle(agency=("UBND TỈNH A", "SỞ B"), place="A", signer_title="GIÁM ĐỐC", signer_name="B")
    certs = week_certificates(published, style=style, theme=CONTEST.theme, year=CONTEST.year)
    assert [c.prize_label for c in certs] == ["Giải Nhất", "Giải Nhì", "Giải Ba", *["Giải Khuyến khích"] * 5]
    assert [c.recipient for c in certs] == [f"Người {i}" for i in range(8)]


SPECIAL_FIRST = {
    "prizes.weekly": [
        {"rank": "special", "label": "Giải Đặc biệt", "count": 1, "amount": 5000000},
        {"rank": "first", "label": "Giải Nhất", "count": 1, "amount": 3000000},
        {"rank": "encouragement", "label": "Giải Khuyến khích", "count": 2, "amount": 300000},
    ],
    "prizes.final_units": [
        {"rank": "special", "label": "Giải Đặc biệt", "count": 1, "amount": 5000000},
        {"rank": "first", "label": "Giải Nhất", "count": 1, "amount": 3000000},
    ],
    "quiz.duration_resolution": "seconds",
}


def test_certificates_number_the_prizes_in_the_contests_own_order_whatever_their_rank_names():
    # Given a contest whose prize list starts with a special prize and names no first/second/third order
    contest = make_content(contest_changes=SPECIAL_FIRST).contest
    rows = [standing(i, 20 - i, 100) for i in range(8)]
    ranking = rank_week(rows, RankingRules.from_contest(contest))
    week = contest.weeks[0]
    public = week_public(contest, week, ranking, aggregate_units(ranking, UNITS), make_bank(), "ab" * 32, UNITS)
    published = json.loads(canonical_json(public))
    style = CertificateStyle(agency=("UBND TỈNH A", "SỞ B"), place="A", signer_title="GIÁM ĐỐC", signer_name="B")
    # When the certificates and the winners' list numbers are made
    certs = week_certificates(published, style=style, theme=contest.theme, year=contest.year)
    numbers = week_numbers(ranking, style, contest.year, week.number)
    # Then the special prize is certificate 1, in the contest's order, and the winners' list agrees
    assert [(c.seq, c.prize_label) for c in certs] == [
        (1, "Giải Đặc biệt"),
        (2, "Giải Nhất"),
        (3, "Giải Khuyến khích"),
        (4, "Giải Khuyến khích"),
    ]
    assert [c.recipient for c in certs] == [f"Người {i}" for i in range(4)]
    assert [numbers[p] for p in range(4)] == [c.number for c in certs]


def test_final_certificates_follow_the_contests_unit_prize_order():
    # Given final results whose unit prizes are a special prize, then a first prize (listed in that order)
    final = {
        "contest": "Cuộc thi",
        "prizes": [{"prize": "special", "label": "Giải Đặc biệt"}, {"prize": "first", "label": "Giải Nhất"}],
        "units": [
            {"unit_id": "u-b", "name": "Đơn vị B", "rank": 2, "prize": "first", "points": 0.5},
            {"unit_id": "u-a", "name": "Đơn vị A", "rank": 1, "prize": "special", "points": 0.9},
        ],
    }
    style = CertificateStyle(agency=("UBND TỈNH A", "SỞ B"), place="A", signer_title="GIÁM ĐỐC", signer_name="B")
    # When the final certificates are made
    certs = final_certificates(final, style=style, theme="Chủ đề", year=2025, issued_on=date(2025, 4, 1))
    # Then the special prize comes first: the contest's order, not a built-in first/second/third
    assert [(c.seq, c.prize_label, c.recipient) for c in certs] == [
        (1, "Giải Đặc biệt", "Đơn vị A"),
        (2, "Giải Nhất", "Đơn vị B"),
    ]
