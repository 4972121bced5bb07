"""clock: the local stack's offset clock, the tests' fixed clock, and the ms / ISO conversions."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from contest.rules.clock import OffsetClock, SystemClock, from_ms, iso, to_ms
from tests.fakes import FixedClock
from tests.support import VN, WEEK1_MID

ISO_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_offset_clock_starts_at_the_given_instant_and_runs_forward() -> None:
    # Given an offset clock started in the middle of week 1 (2023)
    clock = OffsetClock(WEEK1_MID)
    # When it is read, then read again a little later
    first = clock.now()
    time.sleep(0.05)
    second = clock.now()
    # Then it starts at that instant (not now) and runs forward in real time
    assert timedelta(0) <= first - WEEK1_MID < timedelta(seconds=1)
    assert timedelta(milliseconds=40) <= second - first < timedelta(seconds=1)
    assert first.tzinfo is not None


def test_system_clock_is_aware_utc_now() -> None:
    # Given / When the system clock is read
    now = SystemClock().now()
    # Then it is timezone-aware and close to the real time
    assert now.utcoffset() == timedelta(0)
    assert abs(now.timestamp() - time.time()) < 1


def test_fixed_clock_moves_only_when_advanced() -> None:
    # Given a fixed clock
    clock = FixedClock(WEEK1_MID)
    # When it is read twice
    # Then it does not move
    assert clock.now() == clock.now() == WEEK1_MID
    # When it is advanced by 90 s and then 1 ms
    clock.advance(90)
    assert clock.now() == WEEK1_MID + timedelta(seconds=90)
    clock.advance(0.001)
    # Then it has moved by exactly that much
    assert clock.now() == WEEK1_MID + timedelta(seconds=90, milliseconds=1)


def test_to_ms_of_a_known_instant() -> None:
    # Given Sunday 22/10/2023 19:00 in Hà Nội (12:00 UTC)
    # When converted to epoch milliseconds
    # Then it is the known value, whatever the offset it was written with
    assert to_ms(datetime(2023, 10, 22, 19, 0, tzinfo=VN)) == 1_697_976_000_000
    assert to_ms(datetime(2023, 10, 22, 12, 0, tzinfo=UTC)) == 1_697_976_000_000


@given(ms=st.integers(min_value=0, max_value=4_102_444_800_000))  # 1970 .. 2100
def test_from_ms_to_ms_round_trip(ms: int) -> None:
    # Given any epoch millisecond, When converted to an instant and back, Then it is unchanged
    at = from_ms(ms)
    assert at.utcoffset() == timedelta(0)
    assert to_ms(at) == ms


@given(
    at=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    )
)
def test_to_ms_from_ms_round_trip(at: datetime) -> None:
    # Given an instant with millisecond precision, When converted to ms and back, Then it is the same instant
    assert from_ms(to_ms(at)) == at


@given(ms=st.integers(min_value=0, max_value=4_102_444_800_000))
def test_iso_is_utc_z_with_milliseconds(ms: int) -> None:
    # Given any instant, When formatted, Then it is ISO 8601 UTC with exactly three fraction digits and "Z"
    text = iso(from_ms(ms))
    assert ISO_MS_Z.match(text), text
    assert datetime.fromisoformat(text.replace("Z", "+00:00")) == from_ms(ms)


def test_iso_converts_other_offsets_to_utc() -> None:
    # Given an instant written at +07:00 with microseconds
    at = datetime(2023, 10, 22, 19, 0, 0, 123_456, tzinfo=VN)
    # When formatted, Then it is shown in UTC with milliseconds (truncated) and Z
    assert iso(at) == "2023-10-22T12:00:00.123Z"
    assert iso(datetime(2023, 10, 22, 12, 0, tzinfo=UTC)) == "2023-10-22T12:00:00.000Z"


def test_only_the_local_stack_can_move_a_clock_at_run_time():
    """The rehearsal clock (`contest dev clock`) lives in contest.local; nothing a deployed function imports
    builds or mentions it, and the deployed clocks have no way to be moved."""
    from pathlib import Path

    from contest.rules.clock import OffsetClock, SystemClock

    root = Path(__file__).resolve().parents[2]
    deployed = [*root.glob("functions/*/app.py"), *(root / "src" / "contest").rglob("*.py")]
    for path in deployed:
        if "local" in path.parts or "cli" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert "RehearsalClock" not in text and "clock-request" not in text, path
    assert not hasattr(SystemClock(), "set") and not hasattr(OffsetClock(SystemClock().now()), "set")
