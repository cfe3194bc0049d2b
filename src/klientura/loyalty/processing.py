"""Processing for tills and e-shops: confirm an order (idempotent by its external id), cancel it, refund it whole
or line by line. Pricing (what a cart costs with a code, points and a gift card) is :mod:`.pricing`.

A refund takes back earned points and gives back spent ones (and gift card money) in proportion to the money
refunded, counted on the running total so that a full refund returns exactly what was spent and takes exactly
what was earned. Referral points ride on the friend's first order, so they follow its refunds too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from klientura.audit import Actor
from klientura.auth import require
from klientura.customers import CustomerIn
from klientura.db import Session
from klientura.kit.bounds import Code, Moment, Name
from klientura.kit.errors import Conflict, NotFound
from klientura.kit.shop import Shop
from klientura.loyalty import giftcards, holdings, ledger, offers, referrals
from klientura.loyalty.accounts import account_of, find_account, refresh_tier
from klientura.loyalty.errors import NO_SUCH_ORDER, REFERRAL_NEEDS_CUSTOMER, REFUSALS, TOO_MANY_POINTS
from klientura.loyalty.models import LedgerEntry
from klientura.loyalty.offer_models import GiftCardEntry, Redemption
from klientura.loyalty.pricing import Cart, price
from klientura.loyalty.programme import Programme
from klientura.orders import (
    LineIn,
    Order,
    OrderIn,
    ReturnIn,
    create_return,
    find_order,
    ingest_order,
    order_by_id,
    returned_of,
)


class Confirmation(BaseModel):
    order_id: int
    external_id: str
    customer_id: int | None
    points_spent: int
    points_earned: int
    discount: Decimal = Decimal(0)
    gift_card_paid: Decimal = Decimal(0)
    to_pay: Decimal
    repeated: bool = False


class ConfirmIn(Cart):
    external_id: str = Field(min_length=1, max_length=128)
    source: str = Field(default="pos", min_length=1, max_length=64)
    placed_at: Moment
    outlet: Name | None = None
    channel: Code | None = None


def _recorded(session: Session, order: Order) -> Confirmation:
    """What a confirm of this order did, read back from the ledger (a retry gets the same answer)."""
    acc = find_account(session, order.customer_id) if order.customer_id else None
    by: dict[str, int] = {}
    if acc is not None:
        rows = session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.points))
            .where(
                LedgerEntry.order_id == order.id,
                LedgerEntry.account_id == acc.id,
                LedgerEntry.reason.is_(None),
                LedgerEntry.kind.in_(("earn", "spend")),
            )
            .group_by(LedgerEntry.kind)
        ).all()
        by = {k: int(v) for k, v in rows}
    gift = (
        session.scalar(
            select(func.coalesce(func.sum(GiftCardEntry.amount), 0)).where(
                GiftCardEntry.order_id == order.id, GiftCardEntry.kind == "spend"
            )
        )
        or 0
    )
    promo = session.scalar(
        select(func.coalesce(func.sum(Redemption.discount), 0)).where(Redemption.order_id == order.id)
    )
    return Confirmation(
        order_id=order.id,
        external_id=order.external_id,
        customer_id=order.customer_id,
        points_spent=-by.get("spend", 0),
        points_earned=by.get("earn", 0),
        discount=Decimal(promo or 0),
        gift_card_paid=-Decimal(gift),
        to_pay=order.paid,
        repeated=True,
    )


def confirm(session: Session, actor: Actor, programme: Programme, data: ConfirmIn, *, shop: Shop) -> Confirmation:
    """Record the order, redeem its code, spend the points asked for, charge the gift card and earn the order's
    points — once: a retry with the same external id returns what the first did. A code or gift card that does
    not apply, or more points than the cart can take, is refused and nothing is written."""
    require(actor, "loyalty:process")
    existing = find_order(session, data.source, data.external_id)
    if existing is not None:
        return _recorded(session, existing)
    at = data.placed_at
    # the points priced are the points spent: the account is locked before pricing
    held = holdings.lock_customer(session, data.customer_id) if data.customer_id is not None else None
    priced = price(session, actor, programme, data, at, region=shop.region, lock=True)
    calc = priced.calc
    if priced.refused is not None:
        raise Conflict(REFUSALS[priced.refused.reason], value=priced.refused.code)
    if priced.card_error is not None:
        raise priced.card_error
    if data.points > calc.points:
        raise Conflict(TOO_MANY_POINTS, max=calc.max_points, asked=data.points)
    if data.referral_code:
        if calc.customer_id is None and not calc.new_customer:
            raise Conflict(REFERRAL_NEEDS_CUSTOMER)
        if calc.customer_id is not None:
            referrals.validate(session, calc.customer_id, data.referral_code)  # before anything is written
        else:
            referrals.referrer_of(session, data.referral_code)
    lines = [
        LineIn(sku=ln.sku, qty=ln.qty, price=ln.price, discount=ln.discount + r.discount + r.points)
        for ln, r in zip(data.lines, calc.lines, strict=True)
    ]
    result = ingest_order(
        session,
        actor,
        OrderIn(
            external_id=data.external_id,
            source=data.source,
            customer_id=calc.customer_id,
            placed_at=at,
            outlet=data.outlet,
            customer=_new_card(data) if calc.new_customer else None,
            channel=data.channel,
            lines=lines,
            promo_code=priced.applied.code if priced.applied else None,
        ),
        looked_up=True,
        products=priced.products,
        customer_resolved=True,
        shop=shop,
    )
    order = order_by_id(session, result.order.id)
    assert order is not None
    if not result.created:  # a concurrent confirm of the same order won the race
        return _recorded(session, order)
    customer_id = order.customer_id
    order.points_redeemed, order.points_earned = calc.points, calc.earn
    if priced.applied is not None:
        offers.redeem(session, priced.applied, customer_id, order.id, at)
    if priced.card is not None:
        giftcards.pay(session, priced.card, calc.gift_card_pays, order.id, at, actor.name)
    if customer_id is not None:
        acc = (
            held
            if held is not None and held.customer_id == customer_id
            else account_of(session, customer_id, programme, at, actor.name)
        )
        usable = at + timedelta(days=programme.activation_days)
        expires = usable + timedelta(days=programme.expiry_days)
        if calc.points:
            ledger.spend(session, acc.id, calc.points, at=at, author=actor.name, order_id=order.id)
        if calc.earn:
            ledger.earn(
                session,
                acc.id,
                calc.earn,
                at=at,
                author=actor.name,
                order_id=order.id,
                available_at=usable,
                expires_at=expires,
            )
        _referral(session, actor, programme, data.referral_code, customer_id, order.id, at, usable, expires)
        refresh_tier(session, actor, acc, programme, priced.spend + order.paid)
    session.flush()
    return Confirmation(
        order_id=order.id,
        external_id=order.external_id,
        customer_id=order.customer_id,
        points_spent=calc.points,
        points_earned=calc.earn,
        discount=calc.discount,
        gift_card_paid=calc.gift_card_pays,
        to_pay=order.paid,
    )


def _new_card(data: ConfirmIn) -> CustomerIn:
    ref = data.customer
    assert ref is not None
    return CustomerIn(card=ref.card, phone=ref.phone, email=ref.email)


def _referral(
    session: Session,
    actor: Actor,
    programme: Programme,
    code: str | None,
    friend_id: int,
    order_id: int,
    at: datetime,
    usable: datetime,
    expires: datetime,
) -> None:
    """The friend's first purchase rewards both sides (with the order's activation delay, so a return in the
    window takes the points back)."""
    if code:
        referrals.refer(session, actor, friend_id, code, at, order_id=order_id)
    pending = referrals.pending_for(session, friend_id)
    if pending is None:
        return
    pending.status, pending.order_id = "rewarded", order_id
    for customer_id, points in ((pending.referrer_id, programme.referrer_bonus), (friend_id, programme.friend_bonus)):
        if points:
            acc = account_of(session, customer_id, programme, at, actor.name)
            ledger.earn(
                session,
                acc.id,
                points,
                at=at,
                author=actor.name,
                order_id=order_id,
                reason="referral",
                available_at=usable,
                expires_at=expires,
            )


def _order(session: Session, source: str, external_id: str) -> Order:
    order = find_order(session, source, external_id)
    if order is None:
        raise NotFound(NO_SUCH_ORDER, value=external_id, source=source)
    return order


def _undo(session: Session, actor: Actor, order: Order, share: Decimal, at: datetime) -> tuple[int, int]:
    """Bring the order's reversals up to ``share`` (0..1) of what it earned and spent: (taken back, given back)."""
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.order_id == order.id, LedgerEntry.kind.in_(("earn", "spend")))
    ).all()
    moved = [0, 0]
    for e in entries:
        done = -(
            session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.reverses_id == e.id)
            )
            or 0
        )
        target = int((abs(e.points) * share).to_integral_value(ROUND_FLOOR)) if share < 1 else abs(e.points)
        n = target - abs(done)
        if n > 0:
            ledger.reverse(session, e.id, at=at, author=actor.name, points=n, reason=f"order {order.external_id}")
            moved[0 if e.points > 0 else 1] += n
    giftcards.give_back(session, order.id, share, at, actor.name)
    return moved[0], moved[1]


def cancel(session: Session, actor: Actor, source: str, external_id: str, at: datetime) -> tuple[int, int]:
    """The whole order undone: its earned points taken back, its spent points and gift card money given back, its
    code's use released; the order cancelled."""
    require(actor, "loyalty:process")
    order = _order(session, source, external_id)
    moved = _undo(session, actor, order, Decimal(1), at)
    offers.release(session, order.id, at)
    order.status = "cancelled"
    session.flush()
    return moved


def refund(session: Session, actor: Actor, source: str, external_id: str, data: ReturnIn) -> tuple[int, int]:
    """A return of the order (whole, or some lines): the points follow the money refunded so far."""
    require(actor, "loyalty:process")
    order = _order(session, source, external_id)
    create_return(session, actor, order.id, data)
    session.flush()
    returned, back = returned_of(session, order.id)
    if order.paid > 0:
        share = min(Decimal(1), returned / order.paid)
    else:  # paid in points alone: by quantity
        share = min(Decimal(1), back / sum((ln.qty for ln in order.lines), Decimal(0)))
    return _undo(session, actor, order, share, data.returned_at)
