"""benchmarks/cost_estimate.py reads the published week the way contest.publication writes it."""

from __future__ import annotations

from pathlib import Path

from benchmarks.cost_estimate import boundary_tie_members

from contest.model import StandingRecord
from tests.unit.test_publication import PRIZES, publish


def record(i: int, score: int) -> StandingRecord:
    return StandingRecord(f"a{i:02d}", score, 40_000, 7, "u1", f"Tên {i}", "091****678", f"x{i}", 1, 0)


def test_members_of_a_tie_group_beyond_the_prize_slots_it_straddles_are_counted(tmp_path: Path):
    # Given 6 prizes (1 + 2 + 3), one clear winner, then 8 people tied on everything, then 3 lower scores
    records = [record(0, 15)] + [record(i, 14) for i in range(1, 9)] + [record(i, 10 - i) for i in range(9, 12)]
    _, _, _, public = publish(records)
    results = tmp_path / "week-1.json"
    results.write_bytes(public)
    # When the estimate reads the published week
    ties = boundary_tie_members(results)
    # Then the 8 tied contend for the 5 slots left: 3 more people than prizes get an award code
    assert sum(p.count for p in PRIZES) == 6
    assert ties == 3


def test_no_tie_at_a_boundary_counts_nobody(tmp_path: Path):
    records = [record(i, 15 - i) for i in range(10)]
    _, _, _, public = publish(records)
    results = tmp_path / "week-1.json"
    results.write_bytes(public)
    assert boundary_tie_members(results) == 0
