"""What the organisers' terminal says after a close: Vietnamese words and numbers, no "(người)"."""

from __future__ import annotations

from contest.cli.close import report


def result(**changes):
    base = {
        "status": "published",
        "week": 1,
        "participants": 1250,
        "counted": "contestants",
        "ranked": 1248,
        "tie_groups": 0,
        "pending_prizes": 0,
        "flags": 0,
        "removed": 0,
        "stale_decisions": 0,
        "standings_sha256": "ab" * 32,
        "final": False,
        "award_codes_sent": 0,
        "award_codes_failed": 0,
        "awards_unconfirmed": 0,
    }
    return base | changes


def test_the_close_says_how_many_people_took_part_in_plain_vietnamese(capsys):
    report(result())
    out = " ".join(capsys.readouterr().out.split())
    assert "1.250 người tham gia" in out and "1.248 người được xếp hạng" in out
    assert "(người)" not in out


def test_in_attempts_mode_it_counts_attempts(capsys):
    report(result(counted="attempts", participants=8))
    out = " ".join(capsys.readouterr().out.split())
    assert "8 lượt tham gia" in out and "(lượt)" not in out


def test_short_handles_are_unique_prefixes_and_resolve_back():
    import pytest
    import typer

    from contest.cli.committee import handles, resolve

    ids = ["3f2a9c01d4e5", "3f2a9c77aa00", "b81c00e9f0aa"]
    short = handles(ids)
    assert short == {"3f2a9c01d4e5": "3f2a9c0", "3f2a9c77aa00": "3f2a9c7", "b81c00e9f0aa": "b81c00"}
    assert resolve(["b81c00", "3f2a9c7", "3f2a9c01d4e5"], ids) == ["b81c00e9f0aa", "3f2a9c77aa00", "3f2a9c01d4e5"]
    with pytest.raises(typer.Exit):
        resolve(["3f2a9c"], ids)  # two members start so: refused, never a guess


def test_listing_times_are_in_vietnam_time_whatever_the_machine(monkeypatch):
    import time

    from contest.rules.numerals import format_time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert format_time(1697979660000) == "20:01 22/10/2023"  # 13:01 UTC
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
