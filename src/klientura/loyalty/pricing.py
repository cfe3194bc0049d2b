"""Pricing a cart for a till or an e-shop, with no side effects: a promo code or coupon, points, a gift card,
and the points the order will earn.

In that order: the code's discount on the lines in its scope (if the check qualifies); points pay at most
``max_redeem_share`` of what the eligible lines still cost, never more than the customer can use now, spread over
those lines in proportion (largest remainders, whole points worth a rouble each); points are earned on what the
eligible lines cost in money, at the tier's rate times the campaign multiplier of each line; a gift card pays
what is left, up to its balance. A code or gift card that does not apply is reported with the reason; confirm
refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from klientura.audit import Actor
from klientura.auth import require
from klientura.catalog import Product, products_by_sku
from klientura.customers import find_by_identity, visible_id
from klientura.db import Session
from klientura.kit.bounds import MAX_AMOUNT, MAX_POINTS, Amount, Id, Quantity
from klientura.kit.errors import KlienturaError, ValidationFailed, located, refused
from klientura.kit.money import spread
from klientura.loyalty import giftcards, offers
from klientura.loyalty.accounts import standing
from klientura.loyalty.errors import AMOUNT_TOO_LARGE, CUSTOMER_REF_NEEDED, LINE_DISCOUNT_OVER_AMOUNT
from klientura.loyalty.offer_models import GiftCard
from klientura.loyalty.programme import Programme


class CartLine(BaseModel):
    sku: str | None = Field(default=None, max_length=64)
    qty: Quantity = Decimal(1)
    price: Amount
    discount: Amount = Field(default=Decimal(0), description="the till's own discount")

    @model_validator(mode="after")
    def _within_the_store(self) -> CartLine:
        if self.price * self.qty > MAX_AMOUNT:
            raise refused(AMOUNT_TOO_LARGE, limit=MAX_AMOUNT)
        return self


class CustomerRef(BaseModel):
    """How a till knows the customer: the loyalty card scanned, the phone or e-mail given."""

    model_config = ConfigDict(extra="forbid")

    card: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200)


class Cart(BaseModel):
    customer_id: Id | None = None
    customer: CustomerRef | None = Field(default=None, description="instead of customer_id: card, phone or e-mail")
    lines: list[CartLine] = Field(min_length=1, max_length=1000)
    points: int = Field(default=0, ge=0, le=MAX_POINTS, description="points the customer asks to spend")
    code: str | None = Field(default=None, max_length=64, description="a promo code or a coupon")
    gift_card: str | None = Field(default=None, max_length=64)
    gift_card_amount: Decimal | None = Field(
        default=None, gt=0, le=MAX_AMOUNT, description="at most this from the gift card"
    )
    referral_code: str | None = Field(default=None, max_length=32, description="a friend's code (first purchase)")


class LineResult(BaseModel):
    sku: str | None
    amount: Decimal  # after the till's discount
    discount: Decimal  # the code's discount
    points: int  # points paying part of this line
    to_pay: Decimal
    eligible: bool  # earns and takes points


class CodeResult(BaseModel):
    code: str
    applied: bool
    discount: Decimal = Decimal(0)
    reason: str | None = None
    message: str | None = None


class GiftCardUse(BaseModel):
    number: str
    balance: Decimal = Decimal(0)
    pays: Decimal = Decimal(0)
    error: str | None = None


class Calculation(BaseModel):
    customer_id: int | None
    new_customer: bool = False  # identified by a card, phone or e-mail no card holds yet: confirm creates it
    tier: str | None
    available: int  # points usable now
    max_points: int  # points this cart can take
    points: int  # points applied (what was asked, if allowed)
    earn: int  # points the order will earn
    total: Decimal  # the lines after the till's discounts
    discount: Decimal  # the code's discount
    to_pay: Decimal  # after the code and the points
    gift_card_pays: Decimal
    pay_in_money: Decimal  # what is left for cash or a bank card
    code: CodeResult | None = None
    gift_card: GiftCardUse | None = None
    lines: list[LineResult]


@dataclass
class Priced:
    calc: Calculation
    applied: offers.Applied | None
    refused: offers.Refused | None
    card: GiftCard | None
    card_error: KlienturaError | None
    products: dict[str, Product]
    spend: Decimal  # the customer's spend over the tier window before this cart


def _floor(x: Decimal) -> int:
    return int(x.to_integral_value(ROUND_FLOOR))


def line_amounts(
    programme: Programme, cart: Cart, category_of: dict[str, int | None]
) -> tuple[list[int | None], list[Decimal], list[bool]]:
    """Each line's category, its amount after the till's discount, and whether it earns and takes points."""
    cats = [category_of.get(ln.sku or "") for ln in cart.lines]
    amounts = [(ln.price * ln.qty - ln.discount).quantize(Decimal("0.01")) for ln in cart.lines]
    if any(a < 0 for a in amounts):
        raise ValidationFailed(LINE_DISCOUNT_OVER_AMOUNT)
    excluded = set(programme.excluded_categories)
    return cats, amounts, [c is None or c not in excluded for c in cats]


@dataclass
class Points:
    """The points arithmetic of a cart once the code's discounts are known."""

    max_points: int
    points: int
    shares: list[int]  # points paying each line
    to_pay: list[Decimal]
    earn: int
    due: Decimal


def points_of(
    programme: Programme,
    cart: Cart,
    at: datetime,
    cats: list[int | None],
    amounts: list[Decimal],
    eligible: list[bool],
    promo: list[Decimal],
    available: int,
    tier: str | None,
    rate: Decimal,
) -> Points:
    zero = Decimal(0)
    after = [a - d for a, d in zip(amounts, promo, strict=True)]
    base = [a if ok else zero for a, ok in zip(after, eligible, strict=True)]
    cap = _floor(sum(base, zero) * programme.max_redeem_share)
    max_points = max(0, min(available, cap))
    points = min(cart.points, max_points)
    shares = spread(points, base)
    to_pay = [a - s for a, s in zip(after, shares, strict=True)]
    earn = 0
    if tier is not None:
        exact = sum(
            (
                p * rate * programme.factor(at, c, tier) / 100
                for p, c, ok in zip(to_pay, cats, eligible, strict=True)
                if ok
            ),
            zero,
        )
        earn = _floor(exact)
    return Points(max_points, points, shares, to_pay, earn, sum(to_pay, zero))


def calculation(
    cart: Cart,
    customer_id: int | None,
    new_customer: bool,
    tier: str | None,
    available: int,
    amounts: list[Decimal],
    eligible: list[bool],
    promo: list[Decimal],
    pts: Points,
    code: CodeResult | None = None,
    card: GiftCardUse | None = None,
) -> Calculation:
    zero = Decimal(0)
    lines = [
        LineResult(sku=ln.sku, amount=a, discount=d, points=s, to_pay=p, eligible=ok)
        for ln, a, d, s, p, ok in zip(cart.lines, amounts, promo, pts.shares, pts.to_pay, eligible, strict=True)
    ]
    gift_pays = card.pays if card else zero
    return Calculation(
        customer_id=customer_id,
        new_customer=new_customer,
        tier=tier,
        available=available,
        max_points=pts.max_points,
        points=pts.points,
        earn=pts.earn,
        total=sum(amounts, zero),
        discount=sum(promo, zero),
        to_pay=pts.due,
        gift_card_pays=gift_pays,
        pay_in_money=pts.due - gift_pays,
        code=code,
        gift_card=card,
        lines=lines,
    )


def price(
    session: Session, actor: Actor, programme: Programme, cart: Cart, at: datetime, *, region: str, lock: bool = False
) -> Priced:
    """``region``: the shop's, for a phone written without its country code (Settings.default_region)."""
    require(actor, "loyalty:process")
    zero = Decimal(0)
    products = products_by_sku(session, {ln.sku for ln in cart.lines if ln.sku})
    cats, amounts, eligible = line_amounts(programme, cart, {sku: p.category_id for sku, p in products.items()})
    tier, available, customer_id, rate, spend = None, 0, None, zero, zero
    wanted, new_customer = cart.customer_id, False
    if wanted is None and cart.customer is not None:
        wanted = identify(session, actor, cart.customer, region)
        new_customer = wanted is None
    if new_customer:  # a member from this purchase on: the first tier's rate
        tier, rate = programme.tiers[0].name, programme.tiers[0].earn_percent
    if wanted is not None:
        customer_id = visible_id(session, actor, wanted)
        _acc, available, spend = standing(session, customer_id, at, programme.tier_window_days)
        tier_obj = programme.tier_for(spend)
        tier, rate = tier_obj.name, tier_obj.earn_percent
    applied = refused = None
    promo = [zero] * len(amounts)
    if cart.code:
        found = offers.evaluate(session, cart.code, customer_id, amounts, cats, at, lock=lock)
        if isinstance(found, offers.Applied):
            applied, promo = found, found.discounts
        else:
            refused = found
    pts = points_of(programme, cart, at, cats, amounts, eligible, promo, available, tier, rate)
    card = card_error = None
    card_use = None
    if cart.gift_card:
        try:
            card, card_balance = giftcards.usable(session, cart.gift_card, at, lock=lock)
            pays = min(card_balance, pts.due, cart.gift_card_amount if cart.gift_card_amount is not None else pts.due)
            card_use = GiftCardUse(number=card.number, balance=card_balance, pays=pays)
        except KlienturaError as exc:
            card_error = exc
            card_use = GiftCardUse(number=offers.normalise(cart.gift_card), error=str(exc))
    code_result = None
    if applied is not None:
        code_result = CodeResult(code=applied.code, applied=True, discount=sum(promo, zero))
    elif refused is not None:
        code_result = CodeResult(code=refused.code, applied=False, reason=refused.reason, message=refused.message)
    calc = calculation(
        cart, customer_id, new_customer, tier, available, amounts, eligible, promo, pts, code_result, card_use
    )
    return Priced(calc, applied, refused, card, card_error, products, spend)


def identify(session: Session, actor: Actor, ref: CustomerRef, region: str) -> int | None:
    """The card holding the card number, phone or e-mail (in that order); None when none does."""
    given = [(kind, raw) for kind, raw in (("card", ref.card), ("phone", ref.phone), ("email", ref.email)) if raw]
    if not given:
        raise ValidationFailed(CUSTOMER_REF_NEEDED, field="customer")
    for kind, raw in given:
        try:
            found = find_by_identity(session, actor, kind, raw, region)
        except KlienturaError as exc:
            raise located(exc, f"customer.{kind}") from exc
        if found is not None:
            return found.id
    return None


def calculate(
    session: Session, actor: Actor, programme: Programme, cart: Cart, at: datetime, *, region: str
) -> Calculation:
    return price(session, actor, programme, cart, at, region=region).calc
