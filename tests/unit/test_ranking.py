"""The weekly ranking rule, as properties (hypothesis) and as the plan's worked cases."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.rules.model import Prize, StandingRecord, Unit
from contest.rules.ranking import (
    FLAG_SHARED_DEVICE,
    FLAG_TOO_FAST,
    PENDING,
    Disqualification,
    GroupOrder,
    RankingRules,
    aggregate_units,
    allocate_prizes,
    prize_slots,
    rank_final_units,
    rank_week,
)

PRIZES = (
    Prize("first", "Giải Nhất", 1, 2_000_000),
    Prize("second", "Giải Nhì", 2, 1_000_000),
    Prize("third", "Giải Ba", 3, 500_000),
)


def rules(resolution: str = "seconds", count: str = "contestants", prizes=PRIZES) -> RankingRules:
    return RankingRules(resolution, count, tuple(prizes), human_floor_ms=30_000)


def record(
    i: int,
    score: int,
    duration_ms: int,
    prediction: int,
    unit: str = "u1",
    attempts: int = 1,
    name: str | None = None,
) -> StandingRecord:
    return StandingRecord(
        f"acc-{i:05d}",
        score,
        duration_ms,
        prediction,
        unit,
        name or f"Người {i}",
        f"09{i % 10}****{i % 1000:03d}",
        f"att-{i}",
        attempts,
        1_000 + i,
    )


# Small value ranges make ties frequent, which is where the rule is interesting.
standings = st.lists(
    st.tuples(
        st.integers(0, 3),  # score
        st.integers(28_000, 33_000),  # duration ms: a few distinct seconds, some under the floor
        st.integers(0, 12),  # prediction
        st.sampled_from(["u1", "u2", "u3"]),
        st.integers(1, 3),  # attempts
    ),
    min_size=0,
    max_size=40,
).map(lambda rows: [record(i, s, d, p, u, a) for i, (s, d, p, u, a) in enumerate(rows)])


def key(r: StandingRecord, actual: int, res: int = 1000) -> tuple[int, int, int]:
    return (-r.score, r.duration_ms // res, abs(r.prediction - actual))


def listing(ranking) -> list[tuple[str, int, str | None, str | None]]:
    out = []
    for p in range(len(ranking)):
        g = ranking.group_of(p)
        out.append(
            (
                ranking.columns.account_id[int(ranking.order[p])],
                int(ranking.rank[p]),
                g.label if g else None,
                ranking.prize_at.get(p),
            )
        )
    return out


@given(standings)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_order_is_a_total_preorder_consistent_with_the_rule(rows):
    # When a week is ranked
    ranking = rank_week(rows, rules())
    by_id = {r.account_id: r for r in rows}
    actual = len(rows)
    keys = [key(by_id[a], actual) for a, *_ in listing(ranking)]
    ranks = [r for _, r, _, _ in listing(ranking)]
    # Then keys never decrease along the list, and rank changes exactly where the key changes
    assert keys == sorted(keys)
    for p in range(1, len(keys)):
        assert (ranks[p] == ranks[p - 1]) == (keys[p] == keys[p - 1])
        if keys[p] != keys[p - 1]:
            assert ranks[p] == p + 1  # competition ranking: 1, 2, 2, 4
    assert ranks[:1] in ([], [1])


@given(standings, st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_shuffling_the_input_never_changes_the_output(rows, rnd):
    # Given the same standings in another storage order
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    # Then ranks, groups, listing, prizes and flags are the same
    a, b = rank_week(rows, rules()), rank_week(shuffled, rules())
    assert listing(a) == listing(b)
    flags = lambda r: [(f.kind, r.columns.account_id[f.index], f.detail) for f in r.flags]  # noqa: E731
    assert flags(a) == flags(b)
    assert [(s.position, s.prize.rank, s.pending_group) for s in a.prizes] == [
        (s.position, s.prize.rank, s.pending_group) for s in b.prizes
    ]


@given(standings)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_entries_equal_on_all_three_keys_always_form_one_group_with_one_rank(rows):
    ranking = rank_week(rows, rules())
    actual = len(rows)
    seen: dict[tuple, set] = {}
    for account_id, rank, label, _ in listing(ranking):
        r = next(x for x in rows if x.account_id == account_id)
        seen.setdefault(key(r, actual), set()).add((rank, label))
    for k, marks in seen.items():
        assert len(marks) == 1, k  # one rank, one group label per equal key
        members = sum(1 for r in rows if key(r, actual) == k)
        ((_, label),) = marks
        assert (label is not None) == (members > 1)


@given(standings, st.lists(st.integers(0, 4), min_size=3, max_size=3))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_prize_allocation_never_gives_more_prizes_than_configured(rows, counts):
    prizes = tuple(Prize(r, r, c, 1) for r, c in zip(("first", "second", "third"), counts, strict=True))
    ranking = rank_week(rows, rules(prizes=prizes))
    awarded = [v for v in ranking.prize_at.values() if v != PENDING]
    for p in prizes:
        assert awarded.count(p.rank) <= p.count
    # slots: exactly one per configured prize while there are enough entries, winners + pending = slots
    assert len(ranking.prizes) == min(len(prize_slots(prizes)), len(rows))
    # an undecided group gets one tier for all, or everyone pending
    for g in ranking.groups:
        tiers = {ranking.prize_at.get(p) for p in range(g.start, g.start + g.size)}
        assert len(tiers) == 1


def test_a_tie_straddling_a_prize_boundary_leaves_those_prizes_pending():
    # Given a winner and three contestants equal on all keys at positions 2-4 (second, second, third)
    rows = [record(0, 15, 90_000, 100)] + [record(i, 15, 100_400 + i * 100, 50) for i in (1, 2, 3)]
    rows += [record(4, 15, 110_000, 4), record(5, 14, 60_000, 4)]
    ranking = rank_week(rows, rules())
    # Then they share rank 2, and the two second prizes and one third prize wait for the committee
    assert [int(r) for r in ranking.rank] == [1, 2, 2, 2, 5, 6]
    assert [ranking.prize_at.get(p) for p in range(6)] == [
        "first",
        PENDING,
        PENDING,
        PENDING,
        "third",
        "third",
    ]
    pending = [(s.prize.rank, s.pending_group) for s in ranking.prizes if s.winner is None]
    assert pending == [("second", "N1"), ("second", "N1"), ("third", "N1")]


def test_a_tie_inside_one_tier_shares_that_prize_and_ties_past_the_prizes_get_none():
    rows = [record(0, 15, 90_000, 100), record(1, 15, 95_000, 9), record(2, 15, 95_000, 9)]
    rows += [record(i, 10, 95_000, 9) for i in range(3, 10)]
    ranking = rank_week(rows, rules())
    assert [ranking.prize_at.get(p) for p in range(3)] == ["first", "second", "second"]
    # seven equal entries at positions 3-9: three third prizes against seven people -> pending
    assert all(ranking.prize_at.get(p) == PENDING for p in range(3, 10))
    # with six entries past one clear third, the straddle is the same; with a group wholly past the
    # prize slots, nobody gets anything
    rows2 = [record(i, 15, 1000 * i + 40_000, 9) for i in range(6)] + [record(i, 9, 50_000, 9) for i in range(6, 9)]
    ranking2 = rank_week(rows2, rules())
    assert all(ranking2.prize_at.get(p) is None for p in range(6, 9))


def test_the_prediction_breaks_a_tie_of_score_and_time():
    # Given equal score and time; actual count is 3
    rows = [record(0, 12, 100_000, 10), record(1, 12, 100_900, 3), record(2, 12, 100_000, 1)]
    ranking = rank_week(rows, rules())
    # Then the closest prediction ranks first (|3-3|=0, |1-3|=2, |10-3|=7): seconds resolution
    assert [a for a, *_ in listing(ranking)] == ["acc-00001", "acc-00002", "acc-00000"]
    # and with millisecond resolution the 900 ms matter
    ranking_ms = rank_week(rows, rules(resolution="milliseconds"))
    assert [a for a, *_ in listing(ranking_ms)] == ["acc-00002", "acc-00000", "acc-00001"]


def test_counting_attempts_instead_of_contestants_is_a_switch_and_changes_the_errors():
    rows = [record(0, 12, 100_000, 3, attempts=1), record(1, 12, 100_000, 5, attempts=4)]
    by_people = rank_week(rows, rules(count="contestants"))
    by_attempts = rank_week(rows, rules(count="attempts"))
    assert (by_people.actual_count, by_attempts.actual_count) == (2, 5)
    assert [a for a, *_ in listing(by_attempts)] == ["acc-00001", "acc-00000"]
    assert len(by_people.groups) == 0 and [a for a, *_ in listing(by_people)] == ["acc-00000", "acc-00001"]


def test_a_committee_order_resolves_its_group_and_only_a_matching_group():
    rows = [record(i, 15, 100_000, 7) for i in range(3)] + [record(3, 10, 100_000, 7)]
    order = GroupOrder(("acc-00002", "acc-00000", "acc-00001"), "Bốc thăm", "BTC", 5, "N1")
    stale = GroupOrder(("acc-00002", "acc-00003"), "Nhầm", "BTC", 6, "N9")
    ranking = rank_week(rows, rules(), decisions=[order, stale])
    assert listing(ranking)[:3] == [
        ("acc-00002", 1, "N1", "first"),
        ("acc-00000", 2, "N1", "second"),
        ("acc-00001", 3, "N1", "second"),
    ]
    assert ranking.groups[0].decided and ranking.stale_decisions == [stale]


def test_excluded_and_disqualified_accounts_never_appear_and_are_not_counted():
    rows = [record(i, 15 - i, 100_000, 3) for i in range(5)]
    dq = Disqualification("acc-00001", "Hai tài khoản", "BTC", 1)
    ranking = rank_week(rows, rules(), excluded={"acc-00000"}, disqualifications=[dq])
    ids = [a for a, *_ in listing(ranking)]
    assert ids == ["acc-00002", "acc-00003", "acc-00004"] and ranking.actual_count == 3
    assert [(r.row[0], r.why) for r in ranking.removed] == [
        ("acc-00000", "excluded"),
        ("acc-00001", "disqualified"),
    ]
    # a committee order naming a disqualified member still resolves the rest of the group
    rows = [record(i, 15, 100_000, 3) for i in range(3)]
    order = GroupOrder(("acc-00001", "acc-00002", "acc-00000"), "Bốc thăm", "BTC", 1)
    ranking = rank_week(
        rows, rules(), disqualifications=[Disqualification("acc-00002", "x", "y", 2)], decisions=[order]
    )
    assert [a for a, *_ in listing(ranking)] == ["acc-00001", "acc-00000"] and ranking.groups[0].decided


def test_review_flags_are_listed_never_removed():
    rows = [record(0, 15, 12_000, 3), record(1, 15, 45_000, 3)] + [record(i, 5, 300_000, 3) for i in range(2, 8)]
    devices = {f"acc-{i:05d}": "same" for i in range(2, 7)} | {"acc-00007": "other"}
    ranking = rank_week(rows, rules(), devices=devices)
    flagged = {(f.kind, ranking.columns.account_id[f.index]) for f in ranking.flags}
    assert (FLAG_TOO_FAST, "acc-00000") in flagged and (FLAG_TOO_FAST, "acc-00001") not in flagged
    assert {a for k, a in flagged if k == FLAG_SHARED_DEVICE} == {f"acc-{i:05d}" for i in range(2, 7)}
    assert len(ranking) == 8 and listing(ranking)[0][0] == "acc-00000"
    assert not rank_week(rows, rules()).devices_recorded


def test_a_too_fast_flag_reads_in_vietnamese_numbers():
    # 3,077 seconds (three seconds), never "3.077 giây" (three thousand seconds in Vietnamese)
    ranking = rank_week([record(0, 15, 3_077, 3), record(1, 15, 1_203_500, 3)], rules())
    details = {ranking.columns.account_id[f.index]: f.detail for f in ranking.flags}
    assert details == {"acc-00000": "3,077 giây < ngưỡng 30 giây"}


def test_units_table_counts_participants_attempts_and_rates():
    rows = [record(0, 10, 1, 1, "u1", attempts=2), record(1, 14, 1, 1, "u1"), record(2, 3, 1, 1, "zz")]
    units = [Unit("u1", "Đơn vị 1", "g", 4), Unit("u2", "Đơn vị 2", "g")]
    table = aggregate_units(rank_week(rows, rules()), units)
    assert [(u.unit_id, u.participants, u.attempts, u.mean_score, u.participation_rate) for u in table] == [
        ("u1", 2, 3, 12.0, 0.5),
        ("u2", 0, 0, None, None),
        ("zz", 1, 1, 3.0, None),
    ]


def test_allocation_over_decided_and_single_entries_fills_every_slot_in_order():
    slots, prize_at = allocate_prizes(PRIZES, 10, [])
    assert [s.prize.rank for s in slots] == ["first", "second", "second", "third", "third", "third"]
    assert prize_at == {0: "first", 1: "second", 2: "second", 3: "third", 4: "third", 5: "third"}


def test_final_unit_formula_ranks_by_weighted_normalised_terms():
    from contest.rules.ranking import UnitRow

    week = [
        UnitRow("a", "A", "g", 10, 10, 10, 100),  # rate 1.0, mean 10
        UnitRow("b", "B", "g", None, 20, 20, 300),  # no headcount, mean 15, most participations
        UnitRow("c", "C", "g", 100, 5, 5, 75),  # rate 0.05, mean 15
    ]
    weights = {"participation": 0.4, "participation_rate": 0.3, "mean_score": 0.3}
    rows = rank_final_units([week], weights, 15, (Prize("first", "Nhất", 1, 1), Prize("second", "Nhì", 1, 1)))
    points = {r.unit_id: r.points for r in rows}
    assert points["a"] == pytest.approx(0.4 * 10 / 20 + 0.3 * 1.0 + 0.3 * 10 / 15)
    assert points["b"] == pytest.approx((0.4 * 1.0 + 0.3 * 1.0) / 0.7)
    assert points["c"] == pytest.approx(0.4 * 5 / 20 + 0.3 * 0.05 + 0.3 * 1.0)
    assert [(r.unit_id, r.rank, r.prize) for r in rows] == [
        ("b", 1, "first"),
        ("a", 2, "second"),
        ("c", 3, None),
    ]
    with pytest.raises(ValueError):
        rank_final_units([week], {"popularity": 1.0}, 15, ())


def test_a_million_is_not_needed_to_see_groups_form_in_bulk():
    # Many equal keys among many entries (the benchmark's shape, small): groups are exact runs
    rnd = random.Random(7)
    rows = [
        record(i, 15 if rnd.random() < 0.6 else rnd.randrange(15), rnd.randrange(25, 40) * 1000, 2000)
        for i in range(2000)
    ]
    ranking = rank_week(rows, rules())
    sizes = sum(g.size for g in ranking.groups)
    assert sizes == sum(1 for p in range(len(ranking)) if ranking.group_of(p) is not None)
