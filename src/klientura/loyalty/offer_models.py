"""Tables of the offers around the points: promo codes and coupons, gift cards, referrals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, JSONType, key_string, utcnow

Money = Numeric(14, 2)


class Offer(Base):
    """A discount behind one or many codes: percent or an amount off the lines in scope, with its conditions."""

    __tablename__ = "loyalty_offers"
    __table_args__ = (CheckConstraint("discount_percent IS NOT NULL OR discount_amount IS NOT NULL", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_amount: Mapped[Decimal | None] = mapped_column(Money)
    min_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    category_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # empty: every line
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    per_customer: Mapped[int | None]  # uses of the offer one customer may make
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PromoCode(Base):
    """A code of an offer: shared (many uses, maybe a limit), unique (one use) or a coupon issued to a customer."""

    __tablename__ = "loyalty_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("loyalty_offers.id"), index=True)
    code: Mapped[str] = mapped_column(key_string(64), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)  # a coupon's owner
    max_uses: Mapped[int | None]  # None: no limit
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Redemption(Base):
    """A code used on an order; released (not deleted) when the order is cancelled."""

    __tablename__ = "loyalty_redemptions"
    __table_args__ = (Index("ix_loyalty_redemptions_code", "code_id", "released_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("loyalty_codes.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("loyalty_offers.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    discount: Mapped[Decimal] = mapped_column(Money)
    at: Mapped[datetime]
    released_at: Mapped[datetime | None]


class GiftCard(Base):
    """A prepaid card with its own balance (the sum of its entries), spent in parts."""

    __tablename__ = "loyalty_gift_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(key_string(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    expires_at: Mapped[datetime | None]
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(200))


class GiftCardEntry(Base):
    """issue (+), spend (-), refund (+): append-only, like the points ledger."""

    __tablename__ = "loyalty_gift_card_entries"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("loyalty_gift_cards.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Money)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(200))


class ReferralCode(Base):
    """A customer's personal code to give to friends."""

    __tablename__ = "loyalty_referral_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    code: Mapped[str] = mapped_column(key_string(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """A friend brought by a referrer; both rewarded on the friend's first purchase (``order_id``)."""

    __tablename__ = "loyalty_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    friend_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    status: Mapped[str] = mapped_column(String(16), default="rewarded")
    at: Mapped[datetime]
