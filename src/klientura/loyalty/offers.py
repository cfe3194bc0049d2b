"""Promo codes and coupons: an offer (percent or amount off the lines in scope, minimum check, validity dates, a
limit per customer) behind a shared code, a batch of one-use codes, or coupons issued to named customers.

A code is checked against a cart without side effects (:func:`evaluate`, with the reason when it does not apply)
and redeemed with its order (:func:`redeem`, under a lock on the code, so a limit holds under concurrent tills);
a cancelled order releases its redemption.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy import func, select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import unseen_cards
from klientura.db import Session, insert_columns, select_in, utcnow
from klientura.kit.bounds import MAX_AMOUNT, MAX_COUNT, Amount, Id
from klientura.kit.errors import Conflict, NotFound, ValidationFailed, invalid, refused
from klientura.kit.money import spread
from klientura.loyalty.errors import CODE_TAKEN, NO_OFFER, NO_SUCH_CUSTOMERS, OFFER_ENDS_FIRST, ONE_DISCOUNT_KIND
from klientura.loyalty.offer_models import Offer, PromoCode, Redemption

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a till
REASONS = {
    "unknown": "no such code",
    "inactive": "the offer is switched off",
    "not_started": "the offer has not started yet",
    "expired": "the offer has ended",
    "min_total": "the check is below the offer's minimum",
    "out_of_scope": "no line of the check is in the offer's categories",
    "used_up": "the code has been used up",
    "customer_limit": "the customer has used this offer as many times as allowed",
    "not_yours": "the coupon was issued to another customer",
    "needs_customer": "the code needs an identified customer",
}


class OfferIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    discount_percent: Decimal | None = Field(default=None, gt=0, le=100)
    discount_amount: Decimal | None = Field(default=None, gt=0, le=MAX_AMOUNT)
    min_total: Amount = Decimal(0)
    category_ids: list[Id] = Field(default_factory=list, max_length=1000, description="empty: every line")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    per_customer: int | None = Field(default=None, ge=1, le=MAX_COUNT, description="uses of the offer per customer")
    code: str | None = Field(default=None, min_length=3, max_length=64, description="a shared code")
    max_uses: int | None = Field(default=None, ge=1, le=MAX_COUNT, description="uses of the shared code in all")
    unique_codes: int = Field(default=0, ge=0, le=100_000, description="one-use codes to generate")

    @model_validator(mode="after")
    def _one_kind(self) -> OfferIn:
        if (self.discount_percent is None) == (self.discount_amount is None):
            raise refused(ONE_DISCOUNT_KIND)
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise refused(OFFER_ENDS_FIRST)
        return self


class OfferRead(BaseModel):
    id: int
    name: str
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    min_total: Decimal
    category_ids: list[int]
    valid_from: datetime | None
    valid_until: datetime | None
    per_customer: int | None
    active: bool
    codes: int
    redemptions: int
    discount_given: Decimal


@dataclass
class Applied:
    """A code that applies to a cart: the discount on each line (0 outside the offer's scope)."""

    code_id: int
    offer_id: int
    code: str
    discounts: list[Decimal]


@dataclass
class Refused:
    code: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.code}: {REASONS[self.reason]}"


def normalise(code: str) -> str:
    return code.strip().upper()


def _new_code(length: int = 10) -> str:
    # 32 letters: the low 5 bits of each random byte pick one uniformly (a launch draws a million of these)
    return "".join(ALPHABET[b & 31] for b in secrets.token_bytes(length))


def create_offer(session: Session, actor: Actor, raw: dict[str, object]) -> OfferRead:
    require(actor, "loyalty:write")
    try:
        data = OfferIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid(exc) from exc
    offer = Offer(
        name=data.name,
        discount_percent=data.discount_percent,
        discount_amount=data.discount_amount,
        min_total=data.min_total,
        category_ids=data.category_ids,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        per_customer=data.per_customer,
        created_by=actor.name,
    )
    session.add(offer)
    session.flush()
    if data.code:
        code = normalise(data.code)
        if session.scalars(select(PromoCode.id).where(PromoCode.code == code)).first() is not None:
            raise Conflict(CODE_TAKEN, value=code)
        session.add(PromoCode(offer_id=offer.id, code=code, max_uses=data.max_uses))
    _generate(session, offer.id, data.unique_codes, customer_ids=None)
    session.flush()
    record(session, actor, "loyalty.offer", "loyalty_offers", offer.id, None, data.model_dump(mode="json"))
    return read_offer(session, offer.id)


def new_codes(n: int) -> list[str]:
    """``n`` distinct random codes, not yet checked against the store (:func:`store_codes` does)."""
    codes: set[str] = set()
    while len(codes) < n:
        codes.update(_new_code() for _ in range(n - len(codes)))
    return list(codes)


def store_codes(session: Session, offer_id: int, codes: list[str], customer_ids: list[int] | None) -> dict[int, str]:
    """Write ``codes`` as one-use codes of the offer (the i-th owned by ``customer_ids[i]`` when given), in bulk; a
    code the store already holds (one in 10^15 odds, but checked) is replaced. {position: new code} of replacements.
    A campaign writes a million this way in its launch transaction, while it prepares the messages."""
    session.flush()
    taken = {row[0] for row in select_in(session, PromoCode, ["code"], "code", codes)}
    replaced: dict[int, str] = {}
    if taken:
        fresh = iter(c for c in new_codes(2 * len(taken) + 10) if c not in taken and c not in set(codes))
        for i, code in enumerate(codes):
            if code in taken:
                replaced[i] = codes[i] = next(fresh)
    n, now = len(codes), utcnow()
    insert_columns(
        session,
        PromoCode,
        {
            "offer_id": [offer_id] * n,
            "code": codes,
            "customer_id": customer_ids if customer_ids else [None] * n,
            "max_uses": [1] * n,
            "created_at": [now] * n,
        },
    )
    return replaced


def _generate(session: Session, offer_id: int, n: int, customer_ids: list[int] | None) -> list[str]:
    codes = new_codes(n)
    store_codes(session, offer_id, codes, customer_ids)
    return codes


def issue_coupons(session: Session, actor: Actor, offer_id: int, customer_ids: list[int]) -> dict[int, str]:
    """One personal one-use code per customer: {customer id: code}."""
    require(actor, "loyalty:write")
    if session.get(Offer, offer_id) is None:
        raise NotFound(NO_OFFER, id=offer_id)
    if unseen := unseen_cards(session, actor, customer_ids):
        raise ValidationFailed(NO_SUCH_CUSTOMERS, field="customer_ids", ids=", ".join(map(str, unseen[:10])))
    customer_ids = list(dict.fromkeys(customer_ids))  # one code per customer, however often named
    codes = _generate(session, offer_id, len(customer_ids), customer_ids)
    record(session, actor, "loyalty.coupons", "loyalty_offers", offer_id, None, {"customers": len(customer_ids)})
    return dict(zip(customer_ids, codes, strict=True))


def offer_exists(session: Session, offer_id: int) -> bool:
    return session.get(Offer, offer_id) is not None


def read_offer(session: Session, offer_id: int) -> OfferRead:
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(NO_OFFER, id=offer_id)
    codes = session.scalar(select(func.count()).where(PromoCode.offer_id == offer_id)) or 0
    used, given = session.execute(
        select(func.count(), func.coalesce(func.sum(Redemption.discount), 0)).where(
            Redemption.offer_id == offer_id, Redemption.released_at.is_(None)
        )
    ).one()
    return OfferRead(
        id=offer.id,
        name=offer.name,
        discount_percent=offer.discount_percent,
        discount_amount=offer.discount_amount,
        min_total=offer.min_total,
        category_ids=list(offer.category_ids),
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        per_customer=offer.per_customer,
        active=offer.active,
        codes=int(codes),
        redemptions=int(used),
        discount_given=Decimal(given),
    )


def list_offers(session: Session, actor: Actor) -> list[OfferRead]:
    require(actor, "loyalty:read")
    return [read_offer(session, i) for i in session.scalars(select(Offer.id).order_by(Offer.id.desc()))]


def set_active(session: Session, actor: Actor, offer_id: int, active: bool) -> OfferRead:
    require(actor, "loyalty:write")
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(NO_OFFER, id=offer_id)
    before, offer.active = offer.active, active
    session.flush()
    record(session, actor, "loyalty.offer_active", "loyalty_offers", offer_id, {"active": before}, {"active": active})
    return read_offer(session, offer_id)


def _uses(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count()).where(Redemption.released_at.is_(None), *where)) or 0)  # type: ignore[arg-type]


def evaluate(
    session: Session,
    code: str,
    customer_id: int | None,
    amounts: list[Decimal],
    categories: list[int | None],
    at: datetime,
    *,
    lock: bool = False,
) -> Applied | Refused:
    """Does ``code`` apply to these lines (their amounts and categories) for this customer, and with what discount
    per line? ``lock`` holds the code against concurrent redemptions (confirm)."""
    wanted = normalise(code)
    query = select(PromoCode).where(PromoCode.code == wanted)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalars(query).first()
    offer = session.get(Offer, row.offer_id) if row else None
    if row is None or offer is None:
        return Refused(wanted, "unknown")
    checks = [
        (not offer.active, "inactive"),
        (offer.valid_from is not None and at < offer.valid_from, "not_started"),
        (offer.valid_until is not None and at >= offer.valid_until, "expired"),
        (row.customer_id is not None and customer_id is None, "needs_customer"),
        (row.customer_id is not None and customer_id is not None and row.customer_id != customer_id, "not_yours"),
        (offer.per_customer is not None and customer_id is None, "needs_customer"),
        (sum(amounts, Decimal(0)) < offer.min_total, "min_total"),
    ]
    for failed, reason in checks:
        if failed:
            return Refused(wanted, reason)
    if row.max_uses is not None and _uses(session, Redemption.code_id == row.id) >= row.max_uses:
        return Refused(wanted, "used_up")
    if (
        offer.per_customer is not None
        and _uses(session, Redemption.offer_id == offer.id, Redemption.customer_id == customer_id) >= offer.per_customer
    ):
        return Refused(wanted, "customer_limit")
    scope = {int(c) for c in offer.category_ids}
    base = [a if not scope or c in scope else Decimal(0) for a, c in zip(amounts, categories, strict=True)]
    if sum(base, Decimal(0)) <= 0:
        return Refused(wanted, "out_of_scope")
    if offer.discount_percent is not None:
        cent = Decimal("0.01")
        discounts = [(a * offer.discount_percent / 100).quantize(cent, ROUND_HALF_UP) for a in base]
    else:
        assert offer.discount_amount is not None
        off = min(offer.discount_amount, sum(base, Decimal(0)))
        discounts = spread_money(off, base)
    return Applied(row.id, offer.id, wanted, discounts)


def spread_money(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``amount`` (to the kopeck) over ``weights`` in proportion; sums exactly."""
    return [Decimal(c) / 100 for c in spread(int(amount * 100), weights)]


def redeem(session: Session, applied: Applied, customer_id: int | None, order_id: int, at: datetime) -> None:
    session.add(
        Redemption(
            code_id=applied.code_id,
            offer_id=applied.offer_id,
            customer_id=customer_id,
            order_id=order_id,
            discount=sum(applied.discounts, Decimal(0)),
            at=at,
        )
    )
    session.flush()


def release(session: Session, order_id: int, at: datetime) -> bool:
    """A cancelled order gives its code's use back; True when there was one."""
    row = session.scalars(
        select(Redemption).where(Redemption.order_id == order_id, Redemption.released_at.is_(None))
    ).first()
    if row is None:
        return False
    row.released_at = at
    session.flush()
    return True
