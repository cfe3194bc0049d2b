"""What a message may tell a customer about their points, for one customer or a million at once: the points usable
now, how many expire soonest and on which day (on the shop's calendar), the tier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from klientura.db import Session
from klientura.loyalty.holdings import LOT_KINDS, Lot, usable_points
from klientura.loyalty.models import Allocation, LedgerEntry, LoyaltyAccount

Scope = Callable[[Any], Any]  # a condition on a customer id column: ``lambda c: c == 7``, ``lambda c: c.in_(q)``


@dataclass(frozen=True)
class Standing:
    points: int = 0  # usable now
    expiring: int = 0  # points expiring on the soonest day that has any left
    expire_on: date | None = None
    tier: str | None = None


def standings(session: Session, scope: Scope, at: datetime, zone: ZoneInfo) -> dict[int, Standing]:
    """Per customer with a loyalty account in ``scope``; the lots are read in one query with what remains of each."""
    tiers = dict(
        session.execute(
            select(LoyaltyAccount.customer_id, LoyaltyAccount.tier).where(scope(LoyaltyAccount.customer_id))
        ).all()
    )
    taken = select(func.coalesce(func.sum(Allocation.points), 0)).where(Allocation.lot_id == LedgerEntry.id)
    rows = session.execute(
        select(
            LoyaltyAccount.customer_id,
            LedgerEntry.id,
            LedgerEntry.points,
            LedgerEntry.points - taken.scalar_subquery(),
            LedgerEntry.at,
            LedgerEntry.available_at,
            LedgerEntry.expires_at,
        )
        .join(LoyaltyAccount, LoyaltyAccount.id == LedgerEntry.account_id)
        .where(
            scope(LoyaltyAccount.customer_id),
            LedgerEntry.kind.in_(LOT_KINDS),
            LedgerEntry.points > 0,
            or_(LedgerEntry.expires_at.is_(None), LedgerEntry.expires_at > at),
        )
    )
    lots: dict[int, list[Lot]] = {}
    for cid, lot_id, points, left, lot_at, available_at, expires_at in rows:
        if left > 0:
            lots.setdefault(cid, []).append(Lot(lot_id, points, int(left), lot_at, available_at, expires_at))
    out: dict[int, Standing] = {}
    for cid, tier in tiers.items():
        live = lots.get(cid, [])
        days = [lot.expires_at.astimezone(zone).date() for lot in live if lot.expires_at is not None]
        soonest = min(days) if days else None
        expiring = sum(
            lot.remaining
            for lot, day in zip([x for x in live if x.expires_at is not None], days, strict=True)
            if day == soonest
        )
        out[cid] = Standing(usable_points(live, at), expiring, soonest, tier)
    return out
