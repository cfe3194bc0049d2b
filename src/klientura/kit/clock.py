"""A clock that services receive as an argument, so tests can fix the time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    def clock() -> datetime:
        return at

    return clock


def epoch_seconds() -> float:
    """Seconds since the epoch, as libraries that keep their own time count them (the rate limiter's windows)."""
    return time.time()
