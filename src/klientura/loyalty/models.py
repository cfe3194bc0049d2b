"""The points ledger: accounts, append-only entries, and which lot each consuming entry took its points from.

Points are integers. The balance is never stored: it is the sum of an account's entries. An earn (or a positive
adjustment) is a *lot* with its own activation and expiry; spends, expiries and reversals of earns consume lots
through allocations, soonest-expiring first. A reversal points at the entry it reverses. Nothing is updated or
deleted: a mistake is corrected by another entry, so every point can be traced.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, utcnow

KINDS = ("earn", "spend", "expire", "reverse", "adjust")


class LoyaltyAccount(Base):
    __tablename__ = "loyalty_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    tier: Mapped[str] = mapped_column(String(32), default="base")
    # +1 by every transaction that locks the account to change its ledger: the till's fast path writes only if
    # the version it read is still there (klientura.loyalty.till)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(Base):
    """One movement of points. ``points`` > 0 adds (an earn, a returned spend, a positive adjustment), < 0 takes."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        Index("ix_loyalty_entries_account", "account_id", "id"),
        CheckConstraint("points <> 0", name="points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_accounts.id"))
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[int]
    at: Mapped[datetime]  # when it happened (business time)
    available_at: Mapped[datetime | None]  # lots: usable from (after the return window)
    expires_at: Mapped[datetime | None]  # lots: gone after
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_entries.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Allocation(Base):
    """``points`` of lot ``lot_id`` taken by entry ``entry_id`` (negative: given back, when a spend is reversed)."""

    __tablename__ = "loyalty_allocations"
    __table_args__ = (CheckConstraint("points <> 0", name="points"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("loyalty_entries.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("loyalty_entries.id"), index=True)
    points: Mapped[int]


class LoyaltyConfig(Base):
    """The programme's rules (:class:`~klientura.loyalty.programme.Programme`) as JSON; one row."""

    __tablename__ = "loyalty_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))
