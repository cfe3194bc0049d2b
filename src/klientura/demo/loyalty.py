"""The demo chain's loyalty programme: buyers join (the more they buy, the likelier — as in life), at their
first purchase or a later one, get a welcome bonus, earn at their tier's rate on every purchase after joining,
now and then pay part of a check with points, and let some expire. Written straight into the ledger's tables in
bulk, lot by lot with the same rules as the live ledger (soonest-expiring lots first); the ledger check proves it.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, text, update

from klientura.audit import SYSTEM
from klientura.db import Session, bulk_insert
from klientura.loyalty import Allocation, LedgerEntry, LoyaltyAccount, LoyaltyConfig, Programme, create_offer
from klientura.orders import Order

PROGRAMME = Programme(welcome_bonus=200, birthday_bonus=300, bonus_days=30, referrer_bonus=300, friend_bonus=150)


@dataclass
class _Lot:
    id: int
    left: int
    usable: datetime
    expires: datetime


@dataclass
class _Writer:
    end: datetime
    entry_id: int = 0
    accounts: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"members": 0, "earned": 0, "redeemed": 0, "expired": 0})

    def entry(self, account: int, kind: str, points: int, at: datetime, **kw: Any) -> int:
        self.entry_id += 1
        self.entries.append(
            {
                "id": self.entry_id,
                "account_id": account,
                "kind": kind,
                "points": points,
                "at": at,
                "available_at": kw.get("available_at"),
                "expires_at": kw.get("expires_at"),
                "order_id": kw.get("order_id"),
                "reverses_id": None,
                "reason": kw.get("reason"),
                "author": "demo",
                "created_at": at,
            }
        )
        return self.entry_id

    def expire(self, account: int, lots: list[_Lot], now: datetime) -> None:
        for lot in lots:
            if lot.left > 0 and lot.expires <= now:
                e = self.entry(account, "expire", -lot.left, lot.expires, reason=f"lot {lot.id} expired")
                self.allocations.append({"entry_id": e, "lot_id": lot.id, "points": lot.left})
                self.counts["expired"] += lot.left
                lot.left = 0
        lots[:] = [lot for lot in lots if lot.left > 0]


def _member(
    w: _Writer,
    rng: random.Random,
    p: Programme,
    account: int,
    orders: list[tuple[int, datetime, Decimal]],
    join_at: int,
) -> str:
    joined = orders[join_at][1]
    lots: list[_Lot] = []
    e = w.entry(
        account, "earn", p.welcome_bonus, joined, reason="welcome", expires_at=joined + timedelta(days=p.bonus_days)
    )
    lots.append(_Lot(e, p.welcome_bonus, joined, joined + timedelta(days=p.bonus_days)))
    window: deque[tuple[datetime, Decimal]] = deque(o[1:] for o in orders[:join_at])
    tier = p.tiers[0]
    for order_id, at, paid in orders[join_at:]:
        while window and window[0][0] <= at - timedelta(days=p.tier_window_days):
            window.popleft()
        tier = p.tier_for(sum((x for _t, x in window), Decimal(0)))
        w.expire(account, lots, at)
        usable = sorted((lot for lot in lots if lot.usable <= at), key=lambda lot: (lot.expires, lot.id))
        have = sum(lot.left for lot in usable)
        spent = 0
        if have >= 100 and rng.random() < 0.35:
            spent = min(have, int(paid * p.max_redeem_share))
            if spent > 0:
                s = w.entry(account, "spend", -spent, at, order_id=order_id)
                rest = spent
                for lot in usable:
                    n = min(lot.left, rest)
                    if n:
                        w.allocations.append({"entry_id": s, "lot_id": lot.id, "points": n})
                        lot.left -= n
                        rest -= n
                lots[:] = [lot for lot in lots if lot.left > 0]
                w.counts["redeemed"] += spent
        earned = math.floor((paid - spent) * tier.earn_percent / 100)
        if earned > 0:
            usable_at = at + timedelta(days=p.activation_days)
            expires = usable_at + timedelta(days=p.expiry_days)
            e = w.entry(account, "earn", earned, at, order_id=order_id, available_at=usable_at, expires_at=expires)
            lots.append(_Lot(e, earned, usable_at, expires))
            w.counts["earned"] += earned
        w.orders.append({"o_id": order_id, "spent": spent, "earned": earned})
        window.append((at, paid - spent))
    w.expire(account, lots, w.end)
    return tier.name


def enrol(session: Session, rng: random.Random, end: datetime, first_customer: int = 1) -> dict[str, int]:
    """Members among the buyers, their ledgers, and the points on their orders; the programme saved."""
    p = PROGRAMME
    w = _Writer(end=end)
    account = session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM loyalty_accounts")) or 0
    w.entry_id = session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM loyalty_entries")) or 0
    rows = session.execute(
        select(Order.customer_id, Order.id, Order.placed_at, Order.paid)
        .where(Order.customer_id >= first_customer, Order.status == "completed")
        .order_by(Order.customer_id, Order.placed_at)
    ).yield_per(50_000)
    current: int | None = None
    mine: list[tuple[int, datetime, Decimal]] = []

    def close(customer: int | None, orders: list[tuple[int, datetime, Decimal]]) -> None:
        nonlocal account
        if customer is None or rng.random() >= 1 - math.exp(-0.5 * len(orders)) * 0.9:
            return  # the frequent join more often: one order 45%, three 80%
        join_at = 0 if rng.random() < 0.6 else rng.randrange(len(orders))
        account += 1
        tier = _member(w, rng, p, account, orders, join_at)
        w.accounts.append({"id": account, "customer_id": customer, "tier": tier, "created_at": orders[join_at][1]})
        w.counts["members"] += 1
        if len(w.entries) > 100_000:
            _flush(session, w)

    for customer_id, order_id, placed_at, paid in rows:
        if customer_id != current:
            close(current, mine)
            current, mine = customer_id, []
        mine.append((order_id, placed_at, paid))
    close(current, mine)
    _flush(session, w)
    session.merge(LoyaltyConfig(id=1, settings=p.model_dump(mode="json"), updated_by="demo"))
    for offer in (
        {"name": "Распродажа −15%", "discount_percent": 15, "code": "SALE15"},
        {
            "name": "500 ₽ на первый заказ от 3 000 ₽",
            "discount_amount": 500,
            "min_total": 3000,
            "per_customer": 1,
            "code": "WELCOME500",
        },
        {"name": "Листовки у касс", "discount_percent": 10, "unique_codes": 200},
    ):
        create_offer(session, SYSTEM, offer)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("loyalty_accounts", "loyalty_entries", "loyalty_allocations"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
                )
            )
    session.flush()
    return w.counts


def _flush(session: Session, w: _Writer) -> None:
    bulk_insert(session, LoyaltyAccount, w.accounts)
    bulk_insert(session, LedgerEntry, w.entries)
    bulk_insert(session, Allocation, w.allocations)
    if w.orders:
        table = Order.__table__
        session.connection().execute(
            update(table)  # type: ignore[arg-type]
            .where(table.c.id == bindparam("o_id"))
            .values(
                points_redeemed=bindparam("spent"),
                points_earned=bindparam("earned"),
                discount=table.c.discount + bindparam("spent"),
                paid=table.c.paid - bindparam("spent"),
            ),
            w.orders,
        )
    w.accounts.clear()
    w.entries.clear()
    w.allocations.clear()
    w.orders.clear()
