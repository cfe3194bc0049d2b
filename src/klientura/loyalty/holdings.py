"""What an account holds in the points ledger: the lots — what each earn or adjustment has left —, its debts, its
spend takes from the lots and arriving points pay the debts. The arithmetic; :mod:`.ledger` writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from klientura.db import Session
from klientura.kit.errors import NotFound
from klientura.loyalty.errors import NO_ACCOUNT
from klientura.loyalty.models import Allocation, LedgerEntry, LoyaltyAccount

LOT_KINDS = ("earn", "adjust")


@dataclass
class Lot:
    id: int
    points: int
    remaining: int
    at: datetime
    available_at: datetime | None
    expires_at: datetime | None

    def usable(self, at: datetime) -> bool:
        return (self.available_at is None or self.available_at <= at) and (
            self.expires_at is None or self.expires_at > at
        )


@dataclass
class Balance:
    total: int  # the sum of the entries
    available: int  # spendable now
    pending: int  # earned, not yet usable (inside the return window)
    debt: int  # owed: points spent from an earn that was reversed


def lock(session: Session, account_id: int) -> LoyaltyAccount:
    """The account, locked against concurrent operations for the rest of the transaction (once per transaction:
    a confirm that spends and earns locks it once), its version moved on."""
    held = session.info.setdefault("loyalty_locks", {})
    tx = session.get_transaction()
    if tx is not None and held.get(account_id) is tx:
        return session.get_one(LoyaltyAccount, account_id)
    query = select(LoyaltyAccount).where(LoyaltyAccount.id == account_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    account = session.scalars(query).first()
    if account is None:
        raise NotFound(NO_ACCOUNT, id=account_id)
    held[account_id] = tx
    account.version += 1
    return account


def lock_customer(session: Session, customer_id: int) -> LoyaltyAccount | None:
    """The customer's account (if any), locked as :func:`lock` does, in one query."""
    query = select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    account = session.scalars(query).first()
    if account is not None:
        session.info.setdefault("loyalty_locks", {})[account.id] = session.get_transaction()
        account.version += 1
    return account


def _lots_query() -> Any:
    account: Any = bindparam("account")
    taken = (
        select(Allocation.lot_id, func.sum(Allocation.points).label("taken"))
        .join(LedgerEntry, LedgerEntry.id == Allocation.lot_id)
        .where(LedgerEntry.account_id == account)
        .group_by(Allocation.lot_id)
        .subquery()
    )
    return (
        select(
            LedgerEntry.id,
            LedgerEntry.points,
            func.coalesce(taken.c.taken, 0),
            LedgerEntry.at,
            LedgerEntry.available_at,
            LedgerEntry.expires_at,
        )
        .outerjoin(taken, taken.c.lot_id == LedgerEntry.id)
        .where(LedgerEntry.account_id == account, LedgerEntry.kind.in_(LOT_KINDS), LedgerEntry.points > 0)
    )


def _debts_query() -> Any:
    account: Any = bindparam("account")
    reversals = select(LedgerEntry.id).where(
        LedgerEntry.account_id == account, LedgerEntry.kind == "reverse", LedgerEntry.points < 0
    )
    paid = (
        select(Allocation.entry_id, func.sum(Allocation.points).label("paid"))
        .where(Allocation.entry_id.in_(reversals))
        .group_by(Allocation.entry_id)
        .subquery()
    )
    return (
        select(LedgerEntry.id, -LedgerEntry.points - func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.entry_id == LedgerEntry.id)
        .where(LedgerEntry.account_id == account, LedgerEntry.kind == "reverse", LedgerEntry.points < 0)
        .order_by(LedgerEntry.id)
    )


# built once: on the till's hot path, building these statements cost more than running them
_LOTS, _DEBTS = _lots_query(), _debts_query()


def lots(session: Session, account_id: int) -> list[Lot]:
    """The account's lots with what remains of each, soonest-expiring first (then oldest)."""
    rows = session.execute(_LOTS, {"account": account_id})
    return soonest_first([Lot(i, p, p - int(t), at, av, ex) for i, p, t, at, av, ex in rows])


def usable_points(found: list[Lot], at: datetime) -> int:
    """What the lots hold that can be spent ``at`` (activated, not expired)."""
    return sum(lot.remaining for lot in found if lot.usable(at))


def soonest_first(found: list[Lot]) -> list[Lot]:
    """Lots in the order a spend takes them: soonest-expiring first (then oldest)."""
    return sorted(found, key=lambda lot: (lot.expires_at is None, lot.expires_at or lot.at, lot.id))


def available_query(account_id: Any, at: Any) -> Any:
    """The points usable ``at`` of an account (an id, or an expression giving one), as a scalar subquery."""
    e = LedgerEntry
    taken = select(func.coalesce(func.sum(Allocation.points), 0)).where(Allocation.lot_id == e.id).scalar_subquery()
    return (
        select(func.coalesce(func.sum(e.points - taken), 0))
        .where(
            e.account_id == account_id,
            e.kind.in_(LOT_KINDS),
            e.points > 0,
            or_(e.available_at.is_(None), e.available_at <= at),
            or_(e.expires_at.is_(None), e.expires_at > at),
        )
        .scalar_subquery()
    )


def debts(session: Session, account_id: int) -> list[tuple[int, int]]:
    """(reversal entry, points still owed), oldest first."""
    return [(i, int(owed)) for i, owed in session.execute(_DEBTS, {"account": account_id}) if owed > 0]


def balance(session: Session, account_id: int, at: datetime) -> Balance:
    total = (
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.account_id == account_id)
        )
        or 0
    )
    found = lots(session, account_id)
    available = usable_points(found, at)
    pending = sum(
        lot.remaining
        for lot in found
        if lot.available_at is not None and lot.available_at > at and (lot.expires_at is None or lot.expires_at > at)
    )
    return Balance(int(total), available, pending, sum(owed for _e, owed in debts(session, account_id)))


def take(found: list[Lot], points: int, *, at: datetime | None, first: int | None = None) -> list[tuple[int, int]]:
    """Allocations of ``points`` from ``found`` (lot ``first`` before the rest; only lots usable ``at`` unless
    ``at`` is None), soonest-expiring first; may take fewer when the lots run out."""
    order = sorted(found, key=lambda lot: lot.id != first)
    takes = []
    for lot in order:
        if points <= 0:
            break
        if lot.remaining <= 0 or (at is not None and lot.id != first and not lot.usable(at)):
            continue
        n = min(lot.remaining, points)
        takes.append((lot.id, n))
        lot.remaining -= n
        points -= n
    return takes


def pay_debts(owed: list[tuple[int, int]], points: int) -> list[tuple[int, int]]:
    """(reversal, points) paid from ``points`` arriving on a lot, oldest debt first; ``owed`` is updated."""
    paid = []
    for i, (reversal_id, due) in enumerate(owed):
        n = min(due, points)
        if n <= 0:
            continue
        paid.append((reversal_id, n))
        owed[i] = (reversal_id, due - n)
        points -= n
    return paid
