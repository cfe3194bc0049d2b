"""When a message may go: not in the recipient's quiet hours (in their own time zone, else the shop's), and not
beyond the frequency cap across all campaigns (e.g. at most 2 messages a week)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from klientura.campaigns.models import OutboxMessage
from klientura.db import Session, in_chunks


def zone_of(timezone: str | None, shop: str) -> ZoneInfo:
    """The customer's zone when it is a known one, else the shop's."""
    if timezone:
        try:
            return ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(shop)


def send_at(now: datetime, zone: ZoneInfo, quiet_from: time = time(21), quiet_until: time = time(9)) -> datetime:
    """``now`` if it is outside the quiet hours in ``zone``, else the moment they end there (UTC)."""
    local = now.astimezone(zone)
    t = local.timetz().replace(tzinfo=None)
    overnight = quiet_from > quiet_until
    quiet = (t >= quiet_from or t < quiet_until) if overnight else (quiet_from <= t < quiet_until)
    if not quiet:
        return now
    day = local.date() + timedelta(days=1) if overnight and t >= quiet_from else local.date()
    return datetime.combine(day, quiet_until, tzinfo=zone).astimezone(now.tzinfo)


def over_cap(session: Session, customer_ids: Iterable[int], now: datetime, limit: int, days: int = 7) -> set[int]:
    """The customers who already have ``limit`` marketing messages in the last ``days`` (sent, or on their way)."""
    since, ids = now - timedelta(days=days), list(customer_ids)
    query = (
        select(OutboxMessage.customer_id)
        .where(OutboxMessage.created_at > since, OutboxMessage.status != "failed", OutboxMessage.source != "test")
        .group_by(OutboxMessage.customer_id)
        .having(func.count() >= limit)
    )
    if len(ids) > 50_000:  # a big audience: one pass over the window's messages beats thousands of lookups
        wanted = set(ids)
        return {cid for (cid,) in session.execute(query) if cid in wanted}
    found: set[int] = set()
    for chunk in in_chunks(session, ids):
        found.update(
            cid for (cid,) in session.execute(query.where(chunk.of(OutboxMessage.customer_id))) if cid is not None
        )
    return found
