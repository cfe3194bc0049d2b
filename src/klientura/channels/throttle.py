"""A sending pace per channel: at most ``rate`` messages a second, smoothed (a token bucket of one second's worth),
so a gateway's limit (an SMS provider's 10 a second, say) is kept instead of answered with refusals."""

from __future__ import annotations

import time
from collections.abc import Callable


class Throttle:
    def __init__(
        self, rate: float, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if rate <= 0:
            raise ValueError("a rate is a positive number of messages a second")
        self.rate, self.clock, self.sleep = rate, clock, sleep
        self.capacity = max(1.0, rate)
        self.tokens, self.at = self.capacity, clock()

    def wait(self) -> float:
        """Block until one more message may go; the seconds waited."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        pause = (1 - self.tokens) / self.rate
        self.sleep(pause)
        self.at, self.tokens = self.at + pause, 0.0
        return pause
