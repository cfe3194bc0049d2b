"""The nightly round of the programme: tiers moved as the spend window rolls, birthday bonuses, remind customers of points about to expire (an event campaigns trigger on,
once per lot), expire what is past its date, and prove the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from klientura.audit import Actor
from klientura.db import Session
from klientura.events import EventIn, record_known_event
from klientura.loyalty import holdings, ledger
from klientura.loyalty.accounts import birthday_bonuses, refresh_tiers
from klientura.loyalty.models import Allocation, LedgerEntry, LoyaltyAccount
from klientura.loyalty.programme import Programme
from klientura.loyalty.proof import Break, check


@dataclass
class NightReport:
    reminded: int = 0
    upgrades: int = 0
    downgrades: int = 0
    birthdays: int = 0
    expired_lots: int = 0
    expired_points: int = 0
    breaks: list[Break] = field(default_factory=list)


def _lots_left(session: Session, due: object) -> list[tuple[int, int, int, datetime, int]]:
    """(lot id, account id, customer id, expiry, points left) of the lots matching ``due`` with points left."""
    taken = select(Allocation.lot_id, func.sum(Allocation.points).label("n")).group_by(Allocation.lot_id).subquery()
    e = LedgerEntry
    rows = session.execute(
        select(e.id, e.account_id, LoyaltyAccount.customer_id, e.expires_at, e.points - func.coalesce(taken.c.n, 0))
        .join(LoyaltyAccount, LoyaltyAccount.id == e.account_id)
        .outerjoin(taken, taken.c.lot_id == e.id)
        .where(e.kind.in_(holdings.LOT_KINDS), e.points > 0, due)  # type: ignore[arg-type]
    ).all()
    return [(i, a, c, x, int(n)) for i, a, c, x, n in rows if n > 0 and x is not None]


def nightly(session: Session, actor: Actor, at: datetime, programme: Programme) -> NightReport:
    report = NightReport()
    reminder_days = programme.reminder_days
    report.upgrades, report.downgrades = refresh_tiers(session, actor, programme, at)
    report.birthdays = birthday_bonuses(session, actor, programme, at)
    soon = _lots_left(
        session, LedgerEntry.expires_at.between(at + timedelta(microseconds=1), at + timedelta(days=reminder_days))
    )
    for lot_id, _account, customer_id, expires, left in soon:
        _event, created = record_known_event(
            session,
            actor,
            EventIn(
                type="points_expiring",
                customer_id=customer_id,
                occurred_at=at,
                source="loyalty",
                external_id=f"expiring-{lot_id}",
                payload={"lot_id": lot_id, "points": left, "expires_at": expires.isoformat()},
            ),
        )
        report.reminded += int(created)
    past = _lots_left(session, LedgerEntry.expires_at <= at)
    for account_id in sorted({account for _lot, account, _c, _x, _n in past}):
        for entry in ledger.expire(session, account_id, at=at, author=actor.name):
            report.expired_lots += 1
            report.expired_points -= entry.points
    report.breaks = check(session).breaks
    return report
