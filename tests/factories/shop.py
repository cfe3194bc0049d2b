"""The shop the tests run in, and unique numbers for identities and receipt numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from klientura.kit.clock import fixed_clock
from klientura.kit.shop import Shop

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# a Russian chain on Moscow time, its clock stopped at NOW
SHOP = Shop("RU", "Europe/Moscow", "RUB", fixed_clock(NOW))

_numbers = count(1)


def sequence() -> int:
    """The next number, unique in the test run."""
    return next(_numbers)
