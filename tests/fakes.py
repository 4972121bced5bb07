"""In-memory fakes of the collaborators the handlers take (a clock, an SMS channel): the tests' and the benchmarks'
own, so the package ships none (`contest.local.stack.load_function(path, name, clock=..., sender=...)`)."""

from __future__ import annotations

from datetime import datetime, timedelta


class FixedClock:
    """Time moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at = self.at + timedelta(seconds=seconds)


class MemorySender:
    """Keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.keys: list[str | None] = []

    def send(self, phone: str, text: str, *, key: str | None = None) -> None:
        self.sent.append((phone, text))
        self.keys.append(key)
