"""Processing for tills and e-shops: calculate a cart (no side effects), confirm an order (idempotent by its
external id), cancel it, refund it whole or line by line.

Points are worth one rouble each and pay part of a check: at most ``max_redeem_share`` of what the eligible
lines cost, never more than the customer can use now. They are spread over the eligible lines in proportion to
their amounts (largest remainders, whole roubles). Points are earned on what was paid in money for eligible lines,
at the customer's tier rate, usable after the activation delay, expiring ``expiry_days`` later. A refund takes back
earned points and gives back spent ones in proportion to the money refunded, counted on the running total so that
a full refund returns exactly what was spent and takes exactly what was earned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from klientura.audit import Actor
from klientura.auth import require
from klientura.catalog import products_by_sku
from klientura.customers import get_customer
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound
from klientura.loyalty import ledger
from klientura.loyalty.models import LedgerEntry, LoyaltyAccount
from klientura.loyalty.programme import Programme
from klientura.orders import (
    LineIn,
    Order,
    OrderIn,
    Return,
    ReturnIn,
    ReturnLine,
    create_return,
    find_order,
    ingest_order,
)


class CartLine(BaseModel):
    sku: str | None = Field(default=None, max_length=64)
    qty: Decimal = Field(default=Decimal(1), gt=0)
    price: Decimal = Field(ge=0)
    discount: Decimal = Field(default=Decimal(0), ge=0)


class Cart(BaseModel):
    customer_id: int | None = None
    lines: list[CartLine] = Field(min_length=1)
    points: int = Field(default=0, ge=0, description="points the customer asks to spend")


class LineResult(BaseModel):
    sku: str | None
    amount: Decimal  # before points
    points: int  # points paying part of this line
    to_pay: Decimal
    eligible: bool


class Calculation(BaseModel):
    customer_id: int | None
    tier: str | None
    available: int  # points usable now
    max_points: int  # points this cart can take
    points: int  # points applied (what was asked, if allowed)
    earn: int  # points the order will earn
    total: Decimal
    to_pay: Decimal
    lines: list[LineResult]


def account_of(session: Session, customer_id: int) -> LoyaltyAccount:
    """The customer's account, opened on first use."""
    acc = session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id)).first()
    if acc is None:
        acc = LoyaltyAccount(customer_id=customer_id)
        with session.begin_nested():
            session.add(acc)
        session.flush()
    return acc


def rolling_spend(session: Session, customer_id: int, at: datetime, days: int) -> Decimal:
    total = session.scalar(select(func.coalesce(func.sum(Order.paid), 0)).where(
        Order.customer_id == customer_id, Order.status == "completed", Order.placed_at > at - timedelta(days=days),
        Order.placed_at <= at))  # fmt: skip
    return Decimal(total or 0)


def _spread(points: int, amounts: list[Decimal]) -> list[int]:
    """``points`` over lines in proportion to ``amounts``, whole points, largest remainders first."""
    total = sum(amounts, Decimal(0))
    if points <= 0 or total <= 0:
        return [0] * len(amounts)
    exact = [Decimal(points) * a / total for a in amounts]
    out = [int(e.to_integral_value(ROUND_FLOOR)) for e in exact]
    for i in sorted(range(len(amounts)), key=lambda i: -(exact[i] - out[i]))[: points - sum(out)]:
        out[i] += 1
    return out


def calculate(session: Session, actor: Actor, programme: Programme, cart: Cart, at: datetime) -> Calculation:
    require(actor, "loyalty:process")
    products = products_by_sku(session, {ln.sku for ln in cart.lines if ln.sku})
    excluded = set(programme.excluded_categories)
    amounts = [(ln.price * ln.qty - ln.discount).quantize(Decimal("0.01")) for ln in cart.lines]
    eligible = [not (p := products.get(ln.sku or "")) or p.category_id not in excluded for ln in cart.lines]
    base = [a if ok else Decimal(0) for a, ok in zip(amounts, eligible, strict=True)]
    tier, available, customer_id, rate = None, 0, None, Decimal(0)
    if cart.customer_id is not None:
        customer_id = get_customer(session, actor, cart.customer_id).id
        acc = session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id)).first()
        available = ledger.balance(session, acc.id, at).available if acc else 0
        tier_obj = programme.tier_for(rolling_spend(session, customer_id, at, programme.tier_window_days))
        tier, rate = tier_obj.name, tier_obj.earn_percent
    cap = int((sum(base, Decimal(0)) * programme.max_redeem_share).to_integral_value(ROUND_FLOOR))
    max_points = max(0, min(available, cap))
    applied = min(cart.points, max_points)
    shares = _spread(applied, base)
    to_pay = [a - s for a, s in zip(amounts, shares, strict=True)]
    earn = 0
    if tier is not None:
        paid_eligible = sum((p for p, ok in zip(to_pay, eligible, strict=True) if ok), Decimal(0))
        earn = int((paid_eligible * rate / 100).to_integral_value(ROUND_FLOOR))
    lines = [LineResult(sku=ln.sku, amount=a, points=s, to_pay=p, eligible=ok)
             for ln, a, s, p, ok in zip(cart.lines, amounts, shares, to_pay, eligible, strict=True)]  # fmt: skip
    return Calculation(customer_id=customer_id, tier=tier, available=available, max_points=max_points,
                       points=applied, earn=earn, total=sum(amounts, Decimal(0)), to_pay=sum(to_pay, Decimal(0)),
                       lines=lines)  # fmt: skip


class Confirmation(BaseModel):
    order_id: int
    external_id: str
    customer_id: int | None
    points_spent: int
    points_earned: int
    to_pay: Decimal
    repeated: bool = False


class ConfirmIn(Cart):
    external_id: str = Field(min_length=1, max_length=128)
    source: str = Field(default="pos", min_length=1, max_length=64)
    placed_at: datetime
    outlet: str | None = None
    channel: str | None = None


def _recorded(session: Session, order: Order) -> Confirmation:
    """What a confirm of this order did, read back from the ledger (a retry gets the same answer)."""
    rows = session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.points)).where(
        LedgerEntry.order_id == order.id, LedgerEntry.kind.in_(("earn", "spend"))).group_by(LedgerEntry.kind)).all()  # fmt: skip
    by = {k: int(v) for k, v in rows}
    return Confirmation(order_id=order.id, external_id=order.external_id, customer_id=order.customer_id,
                        points_spent=-by.get("spend", 0), points_earned=by.get("earn", 0), to_pay=order.paid,
                        repeated=True)  # fmt: skip


def confirm(session: Session, actor: Actor, programme: Programme, data: ConfirmIn) -> Confirmation:
    """Record the order, spend the points asked for and earn the order's points — once: a retry with the same
    external id returns what the first did. Asking for more points than the cart can take is refused."""
    require(actor, "loyalty:process")
    existing = find_order(session, data.source, data.external_id)
    if existing is not None:
        return _recorded(session, existing)
    calc = calculate(session, actor, programme, data, data.placed_at)
    if data.points > calc.points:
        raise Conflict(f"at most {calc.max_points} points can pay for this check, {data.points} asked")
    lines = [LineIn(sku=ln.sku, qty=ln.qty, price=ln.price, discount=ln.discount + r.points)
             for ln, r in zip(data.lines, calc.lines, strict=True)]  # fmt: skip
    result = ingest_order(session, actor, OrderIn(external_id=data.external_id, source=data.source,
                                                  customer_id=calc.customer_id, placed_at=data.placed_at,
                                                  outlet=data.outlet, channel=data.channel, lines=lines))  # fmt: skip
    order = session.get(Order, result.order.id)
    assert order is not None
    if not result.created:  # a concurrent confirm of the same order won the race
        return _recorded(session, order)
    order.points_redeemed, order.points_earned = calc.points, calc.earn
    if calc.customer_id is not None and (calc.points or calc.earn):
        acc = account_of(session, calc.customer_id)
        if calc.points:
            ledger.spend(session, acc.id, calc.points, at=data.placed_at, author=actor.name, order_id=order.id)
        if calc.earn:
            usable = data.placed_at + timedelta(days=programme.activation_days)
            ledger.earn(session, acc.id, calc.earn, at=data.placed_at, author=actor.name, order_id=order.id,
                        available_at=usable, expires_at=usable + timedelta(days=programme.expiry_days))  # fmt: skip
    session.flush()
    return Confirmation(order_id=order.id, external_id=order.external_id, customer_id=order.customer_id,
                        points_spent=calc.points, points_earned=calc.earn, to_pay=order.paid)  # fmt: skip


def _order(session: Session, source: str, external_id: str) -> Order:
    order = find_order(session, source, external_id)
    if order is None:
        raise NotFound(f"no order {external_id} from {source}")
    return order


def _undo(session: Session, actor: Actor, order: Order, share: Decimal, at: datetime) -> tuple[int, int]:
    """Bring the order's reversals up to ``share`` (0..1) of what it earned and spent: (taken back, given back)."""
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order.id,
                                                        LedgerEntry.kind.in_(("earn", "spend")))).all()  # fmt: skip
    moved = [0, 0]
    for e in entries:
        done = -(session.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.reverses_id == e.id)) or 0)  # fmt: skip
        target = int((abs(e.points) * share).to_integral_value(ROUND_FLOOR)) if share < 1 else abs(e.points)
        n = target - abs(done)
        if n > 0:
            ledger.reverse(session, e.id, at=at, author=actor.name, points=n, reason=f"order {order.external_id}")
            moved[0 if e.points > 0 else 1] += n
    return moved[0], moved[1]


def cancel(session: Session, actor: Actor, source: str, external_id: str, at: datetime) -> tuple[int, int]:
    """The whole order undone: its earned points taken back, its spent points given back; the order cancelled."""
    require(actor, "loyalty:process")
    order = _order(session, source, external_id)
    moved = _undo(session, actor, order, Decimal(1), at)
    order.status = "cancelled"
    session.flush()
    return moved


def refund(session: Session, actor: Actor, source: str, external_id: str, data: ReturnIn) -> tuple[int, int]:
    """A return of the order (whole, or some lines): the points follow the money refunded so far."""
    require(actor, "loyalty:process")
    order = _order(session, source, external_id)
    create_return(session, actor, order.id, data)
    session.flush()
    if order.paid > 0:
        returned = session.scalar(select(func.coalesce(func.sum(Return.amount), 0)).where(Return.order_id == order.id))
        share = min(Decimal(1), Decimal(returned or 0) / order.paid)
    else:  # paid in points alone: by quantity
        back = session.scalar(select(func.coalesce(func.sum(ReturnLine.qty), 0)).join(Return, Return.id == ReturnLine.return_id)
                              .where(Return.order_id == order.id))  # fmt: skip
        share = min(Decimal(1), Decimal(back or 0) / sum((ln.qty for ln in order.lines), Decimal(0)))
    return _undo(session, actor, order, share, data.returned_at)
