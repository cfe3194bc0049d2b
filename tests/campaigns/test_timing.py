"""Quiet hours in the recipient's own time zone, and the frequency cap across campaigns."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from klientura import campaigns
from klientura.campaigns.timing import over_cap, send_at, zone_of
from tests import factories

MSK, VLAD = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Vladivostok")


@pytest.mark.parametrize(
    ("utc", "zone", "expected"),
    [
        (datetime(2026, 11, 29, 9, 0, tzinfo=UTC), MSK, datetime(2026, 11, 29, 9, 0, tzinfo=UTC)),  # 12:00 Moscow: now
        (
            datetime(2026, 11, 29, 19, 30, tzinfo=UTC),
            MSK,
            datetime(2026, 11, 30, 6, 0, tzinfo=UTC),
        ),  # 22:30: 09:00 next day
        (datetime(2026, 11, 29, 3, 0, tzinfo=UTC), MSK, datetime(2026, 11, 29, 6, 0, tzinfo=UTC)),  # 06:00: 09:00 today
        (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), VLAD, datetime(2026, 11, 29, 23, 0, tzinfo=UTC)),  # 22:00 there
    ],
)
def test_quiet_hours_end_in_the_recipients_own_morning(utc: datetime, zone: ZoneInfo, expected: datetime) -> None:
    assert send_at(utc, zone) == expected


def test_a_daytime_quiet_window_and_unknown_zones() -> None:
    lunch = send_at(datetime(2026, 11, 29, 10, 30, tzinfo=UTC), MSK, time(13), time(14))  # 13:30 Moscow
    assert lunch == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert zone_of("Mars/Olympus", "Europe/Moscow") == MSK and zone_of(None, "Europe/Moscow") == MSK
    assert zone_of("Asia/Vladivostok", "Europe/Moscow") == VLAD


def test_the_cap_counts_every_campaigns_messages_of_the_last_week(session: Session) -> None:
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    busy, fresh, old, bounced = (factories.customer(session) for _ in range(4))

    def message(cid: int, key: str, at: datetime, source: str = "campaign:1") -> campaigns.Draft:
        return campaigns.Draft(key=key, channel="email", to=f"{key}@example.com", source=source, customer_id=cid)

    campaigns.enqueue(session, [message(busy, "b1", now), message(busy, "b2", now)], now - timedelta(days=2))
    campaigns.enqueue(session, [message(fresh, "f1", now)], now - timedelta(days=1))
    campaigns.enqueue(session, [message(old, "o1", now), message(old, "o2", now)], now - timedelta(days=8))
    failed = campaigns.enqueue(session, [message(bounced, "x1", now), message(bounced, "x2", now)], now)
    for m in failed[:1]:
        m.status = "failed"
    campaigns.enqueue(session, [message(fresh, "t1", now, source="test")], now)  # a test send does not count
    session.flush()
    assert over_cap(session, [busy, fresh, old, bounced], now, limit=2) == {busy}
    assert over_cap(session, [busy, fresh, old, bounced], now, limit=1) == {busy, fresh, bounced}
