from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from klientura.db import Base, key_string, utcnow

Money = Numeric(14, 2)
Qty = Numeric(12, 3)


class Order(Base):
    """A receipt. ``(source, external_id)`` is unique, which makes ingest idempotent."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
        Index("ix_orders_placed", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(key_string(64))
    external_id: Mapped[str] = mapped_column(key_string(128))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    staff: Mapped[str | None] = mapped_column(String(100))  # the seller or cashier, as the till names them
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("sales_channels.id"))
    placed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="completed")
    total: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid: Mapped[Decimal] = mapped_column(Money)
    promo_code: Mapped[str | None] = mapped_column(String(64))
    points_redeemed: Mapped[int] = mapped_column(default=0)
    points_earned: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.line_no", lazy="selectin")


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_no: Mapped[int]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str | None] = mapped_column(String(64))
    qty: Mapped[Decimal] = mapped_column(Qty)
    price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    amount: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines")


class Return(Base):
    """A return is its own document, linked to the order and to the lines it gives back."""

    __tablename__ = "returns"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(key_string(64))
    external_id: Mapped[str] = mapped_column(key_string(128))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    returned_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[ReturnLine]] = relationship(lazy="selectin")


class ReturnLine(Base):
    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    amount: Mapped[Decimal] = mapped_column(Money)
