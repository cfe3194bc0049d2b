"""Per-channel sending pace: a gateway's limit kept by waiting, not by being refused."""

from __future__ import annotations

import pytest

from klientura.channels import Throttle


class Clock:
    def __init__(self) -> None:
        self.now, self.slept = 100.0, 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_a_burst_goes_then_the_pace_holds() -> None:
    clock = Clock()
    t = Throttle(2, clock=clock, sleep=clock.sleep)
    waits = [t.wait() for _ in range(6)]
    assert waits[:2] == [0.0, 0.0]  # a second's worth at once
    assert waits[2:] == pytest.approx([0.5, 0.5, 0.5, 0.5])
    clock.now += 10  # idle: the bucket refills, but only to one second's worth
    assert [t.wait() for _ in range(3)] == pytest.approx([0.0, 0.0, 0.5])


def test_slow_rates_and_nonsense() -> None:
    clock = Clock()
    t = Throttle(0.5, clock=clock, sleep=clock.sleep)  # one message every two seconds
    assert [t.wait() for _ in range(3)] == pytest.approx([0.0, 2.0, 2.0])
    with pytest.raises(ValueError):
        Throttle(0)
