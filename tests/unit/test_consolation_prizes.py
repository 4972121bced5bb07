"""A fourth prize tier (consolation prizes, "Giải Khuyến khích") is just another entry of prizes.weekly: the
ranking gives it the places after the third prizes, a tie at its boundary waits for the committee, and the
published results, the rules page and the certificates list it in the contest's order."""

from __future__ import annotations

import json
from dataclasses import replace

from contest.certificates import week_certificates
from contest.model import CertificateStyle, StandingRecord
from contest.publication import canonical_json, week_public
from contest.ranking import PENDING, RankingRules, aggregate_units, rank_week
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
