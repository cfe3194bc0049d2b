"""Promo codes, coupons and gift cards at the till: reasons for refusal, limits, scope, partial payment, refunds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.loyalty import giftcards, offers
from klientura.loyalty.pricing import Cart, CartLine, calculate
from klientura.loyalty.processing import ConfirmIn, cancel, confirm, refund
from klientura.loyalty.programme import Programme
from klientura.orders import ReturnIn
from tests import factories
from tests.factories import SHOP

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
P = Programme()


@pytest.fixture
def shop(session: Session) -> dict[str, int]:
    factories.product(session, "SHOE-1", "Туфли", "1000", category="Обувь")
    factories.product(session, "BAG-1", "Сумка", "500")
    return {
        "shoes": factories.category(session, "Обувь"),
        "ann": factories.customer(session),
        "bob": factories.customer(session),
    }


def lines() -> list[CartLine]:
    return [CartLine(sku="SHOE-1", price=Decimal(1000)), CartLine(sku="BAG-1", price=Decimal(500))]


def order(n: int, customer: int | None, code: str | None = None, **kw: object) -> ConfirmIn:
    return ConfirmIn(
        external_id=f"R{n}", placed_at=T0 + timedelta(hours=n), customer_id=customer, code=code, lines=lines(), **kw
    )  # type: ignore[arg-type]


def test_percent_code_in_scope_with_a_minimum_and_dates(session: Session, shop: dict[str, int]) -> None:
    offers.create_offer(
        session,
        SYSTEM,
        {
            "name": "Shoes -10%",
            "discount_percent": 10,
            "code": "shoes10",
            "category_ids": [shop["shoes"]],
            "min_total": 1200,
            "valid_from": T0.isoformat(),
            "valid_until": (T0 + timedelta(days=7)).isoformat(),
        },
    )
    calc = calculate(
        session, SYSTEM, P, Cart(customer_id=shop["ann"], lines=lines(), code=" Shoes10 "), T0, region="RU"
    )
    assert calc.code is not None and calc.code.applied and calc.discount == Decimal("100.00")
    assert [ln.discount for ln in calc.lines] == [Decimal("100.00"), Decimal(0)]  # the bag is out of scope
    assert calc.to_pay == Decimal("1400.00") and calc.earn == 42  # 3% of what is paid
    too_early = calculate(
        session, SYSTEM, P, Cart(lines=lines(), code="SHOES10"), T0 - timedelta(seconds=1), region="RU"
    )
    assert too_early.code is not None and too_early.code.reason == "not_started" and too_early.discount == 0
    late = calculate(session, SYSTEM, P, Cart(lines=lines(), code="SHOES10"), T0 + timedelta(days=7), region="RU")
    assert late.code is not None and late.code.reason == "expired"
    small = calculate(session, SYSTEM, P, Cart(lines=lines()[:1], code="SHOES10"), T0, region="RU")
    assert small.code is not None and small.code.reason == "min_total"
    unknown = calculate(session, SYSTEM, P, Cart(lines=lines(), code="NOPE"), T0, region="RU")
    assert unknown.code is not None and (unknown.code.reason, unknown.code.message) == ("unknown", "NOPE: no such code")
    with pytest.raises(Conflict, match="below the offer's minimum"):
        confirm(
            session, SYSTEM, P, ConfirmIn(external_id="X", placed_at=T0, lines=lines()[:1], code="SHOES10"), shop=SHOP
        )


def test_shared_code_limits_per_code_and_per_customer_and_cancel_releases(
    session: Session, shop: dict[str, int]
) -> None:
    offers.create_offer(
        session, SYSTEM, {"name": "300 off", "discount_amount": 300, "code": "SPRING", "max_uses": 2, "per_customer": 1}
    )
    first = confirm(session, SYSTEM, P, order(1, shop["ann"], "SPRING"), shop=SHOP)
    assert first.discount == Decimal(300) and first.to_pay == Decimal(1200)
    with pytest.raises(Conflict, match="as many times as allowed"):
        confirm(session, SYSTEM, P, order(2, shop["ann"], "SPRING"), shop=SHOP)
    confirm(session, SYSTEM, P, order(3, shop["bob"], "SPRING"), shop=SHOP)
    with pytest.raises(Conflict, match="used up"):
        confirm(session, SYSTEM, P, order(4, factories.customer(session), "SPRING"), shop=SHOP)
    with pytest.raises(Conflict, match="needs an identified customer"):
        confirm(session, SYSTEM, P, order(5, None, "SPRING"), shop=SHOP)
    cancel(session, SYSTEM, "pos", "R1", T0 + timedelta(days=1))  # Ann's use comes back
    assert confirm(session, SYSTEM, P, order(6, shop["ann"], "SPRING"), shop=SHOP).discount == Decimal(300)
    stats = offers.list_offers(session, SYSTEM)[0]
    assert (stats.redemptions, stats.discount_given) == (2, Decimal(600))
    # the 300 is spread over both lines in proportion, to the kopeck
    assert offers.spread_money(Decimal(300), [Decimal(1000), Decimal(500)]) == [Decimal(200), Decimal(100)]
    assert sum(offers.spread_money(Decimal("100.00"), [Decimal(1)] * 3)) == Decimal("100.00")


def test_coupons_are_personal_and_single_use(session: Session, shop: dict[str, int]) -> None:
    offer = offers.create_offer(session, SYSTEM, {"name": "Birthday 15%", "discount_percent": 15})
    codes = offers.issue_coupons(session, SYSTEM, offer.id, [shop["ann"], shop["bob"]])
    assert len(set(codes.values())) == 2 and all(len(c) == 10 for c in codes.values())
    with pytest.raises(Conflict, match="issued to another customer"):
        confirm(session, SYSTEM, P, order(1, shop["bob"], codes[shop["ann"]]), shop=SHOP)
    assert confirm(session, SYSTEM, P, order(2, shop["ann"], codes[shop["ann"]]), shop=SHOP).discount == Decimal(225)
    with pytest.raises(Conflict, match="used up"):
        confirm(session, SYSTEM, P, order(3, shop["ann"], codes[shop["ann"]]), shop=SHOP)
    batch = offers.create_offer(session, SYSTEM, {"name": "Flyer", "discount_amount": 100, "unique_codes": 50})
    assert batch.codes == 50
    with pytest.raises(ValidationFailed, match="either discount_percent or discount_amount"):
        offers.create_offer(session, SYSTEM, {"name": "Both", "discount_percent": 5, "discount_amount": 5})
    with pytest.raises(Conflict, match="taken"):
        offers.create_offer(session, SYSTEM, {"name": "Again", "discount_percent": 5, "code": codes[shop["bob"]]})
    offers.set_active(session, SYSTEM, offer.id, False)
    off = calculate(
        session, SYSTEM, P, Cart(customer_id=shop["bob"], lines=lines(), code=codes[shop["bob"]]), T0, region="RU"
    )
    assert off.code is not None and off.code.reason == "inactive"


def test_gift_card_pays_in_parts_and_refunds_come_back(session: Session, shop: dict[str, int]) -> None:
    card = giftcards.issue(session, SYSTEM, giftcards.GiftCardIn(amount=Decimal(2000)), T0 - timedelta(days=1))
    first = confirm(session, SYSTEM, P, order(1, shop["ann"], gift_card=card.number.lower()), shop=SHOP)
    assert first.gift_card_paid == Decimal(1500) and first.points_earned == 45  # earns on the whole check
    calc = calculate(
        session, SYSTEM, P, Cart(lines=lines(), gift_card=card.number), T0 + timedelta(days=1), region="RU"
    )
    assert calc.gift_card is not None and (calc.gift_card.balance, calc.gift_card_pays, calc.pay_in_money) == (
        Decimal(500),
        Decimal(500),
        Decimal(1000),
    )
    refund(
        session,
        SYSTEM,
        "pos",
        "R1",
        ReturnIn(external_id="RET1", returned_at=T0 + timedelta(days=2), lines=[{"line_no": 2, "qty": 1}]),
    )  # type: ignore[list-item]
    assert giftcards.get_card(session, SYSTEM, card.number).balance == Decimal(1000)  # a third of 1,500 back
    cancel(session, SYSTEM, "pos", "R1", T0 + timedelta(days=3))
    assert giftcards.get_card(session, SYSTEM, card.number).balance == Decimal(2000)  # never more than it had
    capped = confirm(
        session, SYSTEM, P, order(2, None, gift_card=card.number, gift_card_amount=Decimal(700)), shop=SHOP
    )
    assert capped.gift_card_paid == Decimal(700)
    with pytest.raises(NotFound, match="no gift card"):
        confirm(session, SYSTEM, P, order(3, None, gift_card="GC-NONE"), shop=SHOP)
    old = giftcards.issue(
        session, SYSTEM, giftcards.GiftCardIn(amount=Decimal(100), expires_at=T0 + timedelta(hours=1)), T0
    )
    with pytest.raises(Conflict, match="expired"):
        confirm(session, SYSTEM, P, order(4, None, gift_card=old.number), shop=SHOP)
    bad = calculate(session, SYSTEM, P, Cart(lines=lines(), gift_card=old.number), T0 + timedelta(days=1), region="RU")
    assert bad.gift_card is not None and bad.gift_card.error and bad.gift_card_pays == 0
