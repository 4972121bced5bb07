"""Clocks. Rules never read the time themselves: services get `now` from one of these."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """Starts at `start` and runs forward in real time (the local stack's CONTEST_CLOCK)."""

    def __init__(self, start: datetime) -> None:
        self._offset = start.timestamp() - time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._offset, UTC)


def to_ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def iso(at: datetime) -> str:
    """ISO 8601 with milliseconds, always UTC 'Z'."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
