"""Membership around the till: welcome and birthday bonuses, campaign multipliers, tiers kept on the account as
spend moves them, referrals (both sides rewarded on the friend's first purchase, no self-referral, refunds
follow), QR images of invitation links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import loyalty
from klientura.audit import SYSTEM, AuditEntry
from klientura.customers import Customer
from klientura.dedup.models import DuplicateSuggestion
from klientura.kit.errors import Conflict
from klientura.loyalty import referrals
from klientura.loyalty.accounts import account_of, find_account
from klientura.loyalty.pricing import CartLine
from klientura.loyalty.processing import ConfirmIn, cancel, confirm
from klientura.loyalty.programme import Multiplier, Programme, Tier
from klientura.wiring import merge_hooks
from tests import factories
from tests.factories import SHOP

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)

HOOKS = merge_hooks()  # as the app assembles them: a merge moves the points


def buy(n: int, customer: int | None, amount: int = 1000, at: datetime = T0, **kw: object) -> ConfirmIn:
    return ConfirmIn(
        external_id=f"R{n}", placed_at=at, customer_id=customer, lines=[CartLine(price=Decimal(amount))], **kw
    )  # type: ignore[arg-type]


def test_welcome_bonus_once_and_birthday_once_a_year(session: Session) -> None:
    p = Programme(welcome_bonus=200, birthday_bonus=500, bonus_days=30)
    ann = factories.customer(session)
    confirm(session, SYSTEM, p, buy(1, ann), shop=SHOP)
    confirm(session, SYSTEM, p, buy(2, ann, at=T0 + timedelta(days=1)), shop=SHOP)
    acc = find_account(session, ann)
    assert acc is not None
    welcome = [lot for lot in loyalty.explain(session, acc.id) if lot["reason"] == "welcome"]
    assert len(welcome) == 1 and welcome[0]["points"] == 200
    assert loyalty.balance(session, acc.id, T0).available == 200  # usable at once; the earns wait 14 days
    leap = factories.customer(session)
    session.get_one(Customer, ann).birth_date = date(1990, 3, 5)
    session.get_one(Customer, leap).birth_date = date(1992, 2, 29)
    account_of(session, leap)
    day = datetime(2026, 3, 5, 3, tzinfo=UTC)
    assert loyalty.nightly(session, SYSTEM, day, p).birthdays == 1
    assert loyalty.nightly(session, SYSTEM, day + timedelta(hours=5), p).birthdays == 0  # once a year
    assert loyalty.nightly(session, SYSTEM, datetime(2027, 2, 28, 3, tzinfo=UTC), p).birthdays == 1  # 29 Feb
    lot = next(lot for lot in loyalty.explain(session, acc.id) if lot["reason"] == "birthday 2026")
    assert lot["expires_at"] == day + timedelta(days=30)


def test_campaign_multiplier_by_category_date_and_tier(session: Session) -> None:
    double = Multiplier(name="March x2", factor=Decimal(2), starts=T0, ends=T0 + timedelta(days=10), tiers=["base"])
    p = Programme(multipliers=[double])
    ann = factories.customer(session)
    assert confirm(session, SYSTEM, p, buy(1, ann, at=T0 - timedelta(hours=1)), shop=SHOP).points_earned == 30
    assert confirm(session, SYSTEM, p, buy(2, ann), shop=SHOP).points_earned == 60
    with pytest.raises(ValueError, match="unknown tiers"):
        Programme(multipliers=[double.model_copy(update={"tiers": ["platinum"]})])
    with pytest.raises(ValueError, match="end after it starts"):
        Multiplier(name="x", factor=Decimal(2), starts=T0, ends=T0)


def test_tier_goes_up_with_spend_and_down_as_the_window_rolls(session: Session) -> None:
    p = Programme(
        tiers=[
            Tier(name="base", earn_percent=Decimal(3)),
            Tier(name="gold", min_spend=Decimal(5000), earn_percent=Decimal(10)),
        ],
        tier_window_days=30,
    )
    ann = factories.customer(session)
    confirm(session, SYSTEM, p, buy(1, ann, 6000), shop=SHOP)
    acc = find_account(session, ann)
    assert acc is not None and acc.tier == "gold"
    assert confirm(session, SYSTEM, p, buy(2, ann, 1000, at=T0 + timedelta(days=1)), shop=SHOP).points_earned == 100
    night = loyalty.nightly(session, SYSTEM, T0 + timedelta(days=31), p)
    assert (night.upgrades, night.downgrades, acc.tier) == (0, 1, "base")
    changes = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "loyalty.tier").order_by(AuditEntry.id)
    ).all()
    assert [c.after["tier"] for c in changes] == ["gold", "base"]


def test_referral_rewards_both_on_first_purchase_and_refuses_self(session: Session) -> None:
    p = Programme(referrer_bonus=300, friend_bonus=150)
    ann, bob = factories.customer(session), factories.customer(session)
    assert referrals.code_of(session, SYSTEM, ann) is None  # reading makes nothing
    code = referrals.issue_code(session, SYSTEM, ann)
    assert referrals.issue_code(session, SYSTEM, ann) == code == referrals.code_of(session, SYSTEM, ann)
    with pytest.raises(Conflict, match="cannot refer themself"):
        confirm(session, SYSTEM, p, buy(1, ann, referral_code=code), shop=SHOP)
    first = confirm(session, SYSTEM, p, buy(2, bob, referral_code=code.lower()), shop=SHOP)
    assert first.points_earned == 30  # the order's own points; the bonus is a separate lot
    ann_acc, bob_acc = find_account(session, ann), find_account(session, bob)
    assert ann_acc is not None and bob_acc is not None
    later = T0 + timedelta(days=15)
    assert loyalty.balance(session, ann_acc.id, later).available == 300
    assert loyalty.balance(session, bob_acc.id, later).available == 180
    assert confirm(session, SYSTEM, p, buy(2, bob, referral_code=code), shop=SHOP).repeated  # a retry changes nothing
    cancel(session, SYSTEM, "pos", "R2", T0 + timedelta(days=1))  # the first purchase undone: so are the bonuses
    assert loyalty.balance(session, ann_acc.id, later).total == 0 and loyalty.check(session).ok
    carol = factories.customer(session)
    confirm(session, SYSTEM, p, buy(3, carol), shop=SHOP)
    with pytest.raises(Conflict, match="has bought before"):
        confirm(session, SYSTEM, p, buy(4, carol, referral_code=code), shop=SHOP)
    dave = factories.customer(session)
    session.add(DuplicateSuggestion(low_id=min(ann, dave), high_id=max(ann, dave), probability=0.97, reasons=[]))
    with pytest.raises(Conflict, match="cannot refer themself"):  # the duplicate finder thinks they are one
        confirm(session, SYSTEM, p, buy(5, dave, referral_code=code), shop=SHOP)
    with pytest.raises(ValidationError, match="at least 1 item"):
        ConfirmIn.model_validate({"external_id": "x", "placed_at": T0, "lines": [], "referral_code": code})
    svg = referrals.qr_svg(f"https://shop.example/r/{code}")
    assert svg.startswith("<?xml") and "<svg" in svg
    assert referrals.qr_png("https://shop.example/r/X").startswith(b"\x89PNG")


def test_merging_cards_merges_their_points_and_undo_splits_them(session: Session) -> None:
    from klientura import dedup

    p = Programme()
    ann, dup, solo = factories.customer(session), factories.customer(session), factories.customer(session)
    for n, who in enumerate((ann, dup, dup)):
        confirm(session, SYSTEM, p, buy(n, who), shop=SHOP)
    later = T0 + timedelta(days=20)
    acc_ann, acc_dup = find_account(session, ann), find_account(session, dup)
    assert acc_ann is not None and acc_dup is not None
    rec = dedup.merge(session, SYSTEM, ann, dup, hooks=HOOKS)
    assert loyalty.balance(session, acc_ann.id, later).total == 90 and loyalty.check(session).ok
    dedup.unmerge(session, SYSTEM, rec.id, hooks=HOOKS)
    assert loyalty.balance(session, acc_ann.id, later).total == 30
    assert loyalty.balance(session, acc_dup.id, later).total == 60 and loyalty.check(session).ok
    rec = dedup.merge(session, SYSTEM, solo, dup, hooks=HOOKS)  # the survivor has no account: it takes the whole one
    assert find_account(session, solo) is acc_dup and find_account(session, dup) is None
    dedup.unmerge(session, SYSTEM, rec.id, hooks=HOOKS)
    rec = dedup.merge(session, SYSTEM, ann, dup, hooks=HOOKS)
    loyalty.spend(session, acc_ann.id, 80, at=later, author="t")  # uses the moved lots
    with pytest.raises(Conflict, match="have been used since the merge"):
        dedup.unmerge(session, SYSTEM, rec.id, hooks=HOOKS)
