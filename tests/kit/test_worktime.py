"""Business time (kit.worktime): hand-counted due times across evenings, weekends and holidays, and properties that
must hold for any moment (the due time is never earlier, never falls outside working hours, adds up)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klientura.kit.worktime import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar.parse("mon-fri 09:00-18:00; sat 10:00-15:00", "Europe/Moscow", holidays=[date(2027, 1, 1)])


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize(
    ("at", "minutes", "due"),
    [
        (msk(2026, 12, 4, 10, 0), 15, msk(2026, 12, 4, 10, 15)),  # a Friday morning
        (msk(2026, 12, 4, 17, 55), 15, msk(2026, 12, 5, 10, 10)),  # Friday evening: Saturday's hours
        (msk(2026, 12, 5, 14, 50), 30, msk(2026, 12, 7, 9, 20)),  # Saturday afternoon: Monday
        (msk(2026, 12, 6, 12, 0), 60, msk(2026, 12, 7, 10, 0)),  # Sunday is off
        (msk(2026, 12, 31, 17, 0), 120, msk(2027, 1, 2, 11, 0)),  # a holiday skipped: Saturday the 2nd
        (msk(2026, 12, 4, 7, 0), 0, msk(2026, 12, 4, 9, 0)),  # before opening: the opening
        (msk(2026, 12, 4, 9, 0), 9 * 60 + 5 * 60 + 1, msk(2026, 12, 7, 9, 1)),  # a whole Friday and Saturday
    ],
)
def test_due_times_counted_by_hand(at: datetime, minutes: int, due: datetime) -> None:
    assert CAL.add(at, minutes) == due


def test_open_and_refusals() -> None:
    assert CAL.is_open(msk(2026, 12, 4, 12, 0)) and not CAL.is_open(msk(2026, 12, 6, 12, 0))
    assert not CAL.is_open(msk(2027, 1, 1, 12, 0))
    for wrong in ("", "mon-fri", "fri-mon 09:00-18:00", "mon 18:00-09:00", "mon 9-18", "funday 09:00-10:00"):
        with pytest.raises(ValueError):
            WorkCalendar.parse(wrong, "Europe/Moscow")


@settings(max_examples=300, deadline=None)
@given(
    at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
    a=st.integers(0, 3000),
    b=st.integers(0, 3000),
)
def test_due_time_properties(at: datetime, a: int, b: int) -> None:
    due = CAL.add(at, a)
    assert due >= at
    assert CAL.is_open(due) or CAL.is_open(due - timedelta(microseconds=1))  # inside the hours or at a closing
    if b == 0:  # nothing more to add: from a closing, "now" is the next opening
        assert CAL.add(due, 0) == CAL.next_open(due)
        return
    assert CAL.add(CAL.add(at, a), b) == CAL.add(at, a + b) or CAL.add(at, a + b) == CAL.add(
        CAL.next_open(CAL.add(at, a)), b
    )
