"""Gift cards: a prepaid balance (the sum of the card's entries) that pays part or all of a check, comes back
with a refund in proportion to the money refunded, and never goes below zero (a lock on the card per spend)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import visible_id
from klientura.db import Session
from klientura.kit.bounds import Id
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.loyalty.errors import GIFT_CARD_EXISTS, GIFT_CARD_EXPIRED, GIFT_CARD_IN_PAST, NO_GIFT_CARD
from klientura.loyalty.offer_models import GiftCard, GiftCardEntry
from klientura.loyalty.offers import ALPHABET, normalise


class GiftCardIn(BaseModel):
    amount: Decimal = Field(gt=0, le=1_000_000, decimal_places=2)
    number: str | None = Field(default=None, min_length=6, max_length=64, description="generated when absent")
    customer_id: Id | None = None
    expires_at: datetime | None = None


class GiftCardRead(BaseModel):
    number: str
    amount: Decimal
    balance: Decimal
    customer_id: int | None
    expires_at: datetime | None
    issued_at: datetime


def _card(session: Session, number: str, *, lock: bool = False) -> GiftCard | None:
    query = select(GiftCard).where(GiftCard.number == normalise(number))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def card_balance(session: Session, card_id: int) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(GiftCardEntry.amount), 0)).where(GiftCardEntry.card_id == card_id)
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


def _read(session: Session, card: GiftCard) -> GiftCardRead:
    return GiftCardRead(
        number=card.number,
        amount=card.amount,
        balance=card_balance(session, card.id),
        customer_id=card.customer_id,
        expires_at=card.expires_at,
        issued_at=card.issued_at,
    )


def issue(session: Session, actor: Actor, data: GiftCardIn, at: datetime) -> GiftCardRead:
    require(actor, "loyalty:write")
    import secrets

    number = normalise(data.number) if data.number else "GC" + "".join(secrets.choice(ALPHABET) for _ in range(14))
    if _card(session, number) is not None:
        raise Conflict(GIFT_CARD_EXISTS, value=number)
    if data.expires_at is not None and data.expires_at <= at:
        raise ValidationFailed(GIFT_CARD_IN_PAST)
    customer_id = None if data.customer_id is None else visible_id(session, actor, data.customer_id)
    card = GiftCard(
        number=number,
        amount=data.amount,
        customer_id=customer_id,
        expires_at=data.expires_at,
        issued_at=at,
        issued_by=actor.name,
    )
    session.add(card)
    session.flush()
    session.add(GiftCardEntry(card_id=card.id, kind="issue", amount=data.amount, at=at, author=actor.name))
    session.flush()
    record(
        session,
        actor,
        "loyalty.gift_card",
        "loyalty_gift_cards",
        card.id,
        None,
        {"number": number, "amount": str(data.amount)},
    )
    return _read(session, card)


def get_card(session: Session, actor: Actor, number: str) -> GiftCardRead:
    require(actor, "loyalty:read")
    card = _card(session, number)
    if card is None:
        raise NotFound(NO_GIFT_CARD, value=normalise(number))
    return _read(session, card)


def usable(session: Session, number: str, at: datetime, *, lock: bool = False) -> tuple[GiftCard, Decimal]:
    """The card and what it can pay now; a clear refusal when it cannot."""
    card = _card(session, number, lock=lock)
    if card is None:
        raise NotFound(NO_GIFT_CARD, value=normalise(number))
    if card.expires_at is not None and card.expires_at <= at:
        raise Conflict(GIFT_CARD_EXPIRED, value=card.number, day=f"{card.expires_at:%Y-%m-%d}")
    return card, card_balance(session, card.id)


def pay(session: Session, card: GiftCard, amount: Decimal, order_id: int, at: datetime, author: str) -> None:
    if amount > 0:
        session.add(
            GiftCardEntry(card_id=card.id, kind="spend", amount=-amount, order_id=order_id, at=at, author=author)
        )
        session.flush()


def give_back(session: Session, order_id: int, share: Decimal, at: datetime, author: str) -> Decimal:
    """Bring what went back to gift cards for this order up to ``share`` (0..1) of what they paid."""
    rows = session.execute(
        select(GiftCardEntry.card_id, GiftCardEntry.kind, func.sum(GiftCardEntry.amount))
        .where(GiftCardEntry.order_id == order_id)
        .group_by(GiftCardEntry.card_id, GiftCardEntry.kind)
    ).all()
    by: dict[int, dict[str, Decimal]] = {}
    for card_id, kind, total in rows:
        by.setdefault(card_id, {})[kind] = Decimal(total)
    moved = Decimal(0)
    for card_id, kinds in by.items():
        paid = -kinds.get("spend", Decimal(0))
        target = paid if share >= 1 else (paid * share).quantize(Decimal("0.01"))
        n = target - kinds.get("refund", Decimal(0))
        if n > 0:
            session.add(
                GiftCardEntry(card_id=card_id, kind="refund", amount=n, order_id=order_id, at=at, author=author)
            )
            moved += n
    session.flush()
    return moved
