"""contest.api.pacing: a code-sending route ends at the floor on every path (fake clock and sleep: no timing)."""

from __future__ import annotations

import pytest

from contest.api.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer(t: FakeTime, floor_ms: int = 2500, overruns: list[int] | None = None) -> Pacer:
    overrun = None if overruns is None else (lambda: overruns.append(1))
    return Pacer(floor_ms, monotonic=t.monotonic, sleep=t.sleep, overrun=overrun)


@pytest.mark.parametrize("work_s", [0.0, 0.3, 2.4])
def test_a_request_shorter_than_the_floor_ends_exactly_at_the_floor(work_s):
    t = FakeTime()
    with pacer(t)():
        t.now += work_s
    assert t.now == pytest.approx(102.5)


def test_an_error_inside_is_paced_too():
    t = FakeTime()
    with pytest.raises(RuntimeError), pacer(t)():
        t.now += 0.1
        raise RuntimeError("a domain error on the way out")
    assert t.now == pytest.approx(102.5)


def test_a_request_over_the_floor_is_not_delayed_and_is_counted():
    t, overruns = FakeTime(), []
    with pacer(t, overruns=overruns)():
        t.now += 3.0
    assert t.slept == [] and overruns == [1]


def test_floor_zero_is_off():
    t, overruns = FakeTime(), []
    with pacer(t, floor_ms=0, overruns=overruns)():
        t.now += 0.2
    assert t.slept == [] and overruns == []
