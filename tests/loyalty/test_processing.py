"""Processing as a till uses it: calculate, confirm (idempotent), refund part and all, cancel; tiers; rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import loyalty
from klientura.audit import SYSTEM
from klientura.kit.errors import Conflict, ValidationFailed
from klientura.loyalty.accounts import account_of
from klientura.loyalty.pricing import Cart, CartLine, calculate
from klientura.loyalty.processing import ConfirmIn, cancel, confirm, refund
from klientura.loyalty.programme import Programme, load_programme, save_programme
from klientura.orders import Order, ReturnIn, ReturnLineIn
from tests import factories
from tests.factories import SHOP

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def shop(session: Session) -> dict[str, int]:
    factories.product(session, "SHOE-1", "Туфли", "1000")
    factories.product(session, "CIG-1", "Сигареты", "250", category="Табак")
    tobacco = factories.category(session, "Табак")
    customer = factories.customer(session)
    acc = account_of(session, customer)
    loyalty.earn(session, acc.id, 1000, at=T0 - timedelta(days=60), author="t", expires_at=T0 + timedelta(days=300))
    session.flush()
    return {"customer": customer, "account": acc.id, "tobacco": tobacco}


def programme(shop: dict[str, int]) -> Programme:
    return Programme(excluded_categories=[shop["tobacco"]])


def cart(shop: dict[str, int], points: int = 0) -> Cart:
    return Cart(
        customer_id=shop["customer"],
        points=points,
        lines=[
            CartLine(sku="SHOE-1", qty=Decimal(2), price=Decimal(1000)),
            CartLine(sku="CIG-1", qty=Decimal(4), price=Decimal(250)),
        ],
    )


def test_calculate_caps_points_and_leaves_excluded_lines_alone(session: Session, shop: dict[str, int]) -> None:
    calc = calculate(session, SYSTEM, programme(shop), cart(shop, 500), T0, region="RU")
    assert (calc.tier, calc.available, calc.max_points, calc.points) == ("base", 1000, 600, 500)  # 30% of 2,000
    assert [ln.points for ln in calc.lines] == [500, 0] and [ln.eligible for ln in calc.lines] == [True, False]
    assert calc.to_pay == Decimal("2500.00") and calc.earn == 45  # 3% of the 1,500 paid in money for shoes
    assert loyalty.balance(session, shop["account"], T0).total == 1000  # nothing happened
    anonymous = calculate(session, SYSTEM, programme(shop), Cart(lines=cart(shop).lines, points=100), T0, region="RU")
    assert (anonymous.points, anonymous.earn, anonymous.tier) == (0, 0, None)


def test_confirm_once_refund_in_proportion_then_in_full(session: Session, shop: dict[str, int]) -> None:
    rules = programme(shop)
    data = ConfirmIn(**cart(shop, 500).model_dump(), external_id="R-1", placed_at=T0)
    first = confirm(session, SYSTEM, rules, data, shop=SHOP)
    assert (first.points_spent, first.points_earned, first.to_pay, first.repeated) == (
        500,
        45,
        Decimal("2500.00"),
        False,
    )
    again = confirm(session, SYSTEM, rules, data, shop=SHOP)  # a retry of the same receipt
    assert (again.order_id, again.points_spent, again.points_earned, again.repeated) == (first.order_id, 500, 45, True)
    assert session.scalar(select(func.count()).select_from(loyalty.LedgerEntry)) == 3  # the seed earn, spend, earn
    order = session.get(Order, first.order_id)
    assert order is not None and (order.points_redeemed, order.points_earned) == (500, 45)
    b = loyalty.balance(session, shop["account"], T0)
    assert (b.total, b.available, b.pending) == (545, 500, 45)  # earned points wait out the return window
    with pytest.raises(Conflict, match="at most 500 points can pay for this check, 501 asked"):
        confirm(
            session,
            SYSTEM,
            rules,
            ConfirmIn(**cart(shop, 501).model_dump(), external_id="R-2", placed_at=T0),
            shop=SHOP,
        )
    # one pair of shoes back: the money refunded is 750 of 2,500 paid
    taken, given = refund(
        session,
        SYSTEM,
        "pos",
        "R-1",
        ReturnIn(
            external_id="V-1", returned_at=T0 + timedelta(days=3), lines=[ReturnLineIn(line_no=1, qty=Decimal(1))]
        ),
    )
    assert (taken, given) == (13, 150)  # 30% of 45 and of 500, rounded down
    taken, given = refund(
        session, SYSTEM, "pos", "R-1", ReturnIn(external_id="V-2", returned_at=T0 + timedelta(days=4))
    )
    assert (taken, given) == (32, 350)  # the rest: exactly what was earned and spent
    assert loyalty.balance(session, shop["account"], T0 + timedelta(days=5)).total == 1000  # the loop gained nothing
    assert loyalty.check(session, [shop["account"]]).ok


def test_cancel_undoes_the_order(session: Session, shop: dict[str, int]) -> None:
    rules = programme(shop)
    confirm(
        session, SYSTEM, rules, ConfirmIn(**cart(shop, 300).model_dump(), external_id="R-9", placed_at=T0), shop=SHOP
    )
    assert cancel(session, SYSTEM, "pos", "R-9", T0 + timedelta(hours=1)) == (51, 300)  # 3% of 1,700
    assert cancel(session, SYSTEM, "pos", "R-9", T0 + timedelta(hours=2)) == (0, 0)  # twice is once
    assert loyalty.balance(session, shop["account"], T0 + timedelta(days=1)).total == 1000
    order = session.scalars(select(Order).where(Order.external_id == "R-9")).one()
    assert order.status == "cancelled"


def test_tiers_follow_rolling_spend(session: Session, shop: dict[str, int]) -> None:
    for i in range(4):
        factories.order(session, shop["customer"], amount="8000.00", at=T0 - timedelta(days=30 * (i + 1)))
    calc = calculate(session, SYSTEM, programme(shop), cart(shop), T0, region="RU")
    assert calc.tier == "silver" and calc.earn == 100  # 5% of 2,000
    late = calculate(
        session, SYSTEM, programme(shop), cart(shop), T0 + timedelta(days=300), region="RU"
    )  # older spend drops off
    assert late.tier == "base"


def test_programme_rules_are_validated_and_stored(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="strictly increasing spend"):
        save_programme(
            session,
            SYSTEM,
            {
                "tiers": [
                    {"name": "a", "min_spend": 0, "earn_percent": 3},
                    {"name": "b", "min_spend": 0, "earn_percent": 5},
                ]
            },
        )
    with pytest.raises(ValidationFailed, match="max_redeem_share"):
        save_programme(session, SYSTEM, {"max_redeem_share": 1.5})
    saved = save_programme(session, SYSTEM, {"activation_days": 7, "max_redeem_share": "0.5"})
    assert load_programme(session) == saved and saved.activation_days == 7 and saved.tiers[0].name == "base"


def test_a_phone_without_its_country_code_is_read_in_the_shops_region(session: Session) -> None:
    """The till knows a customer by the phone they say; a Minsk shop (KLIENTURA_DEFAULT_REGION=BY) hears 29 ...
    as +375 29 ... (the region was hard-coded to Russia). A phone that is not one is refused at its field."""
    ann = factories.customer(session, phone="+375291234567")
    cart = Cart(customer={"phone": "29 123-45-67"}, lines=[CartLine(price=Decimal(100))])
    assert calculate(session, SYSTEM, Programme(), cart, T0, region="BY").customer_id == ann
    with pytest.raises(ValidationFailed) as refused:
        calculate(session, SYSTEM, Programme(), cart, T0, region="RU")
    assert (refused.value.key, refused.value.field) == ("phone.invalid", "customer.phone")
