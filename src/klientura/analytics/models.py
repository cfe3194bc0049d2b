"""What the warehouse computes per customer, written back to the store for indexed reads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, utcnow

Money = Numeric(14, 2)


class CustomerScore(Base):
    """One row per surviving card, replaced whole by every recompute."""

    __tablename__ = "customer_scores"
    # read by customer id only: segments are cut on the warehouse; four indexes on the groups tripled the time
    # of writing a million rows back

    # no foreign key: the ids are the warehouse's surviving cards, read from the store, and cards are merged,
    # never deleted; checking a million of them on every write-back cost 11 s on PostgreSQL
    customer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    as_of: Mapped[date]
    temperature: Mapped[str] = mapped_column(String(8))
    lifecycle: Mapped[str | None] = mapped_column(String(16))
    recency_days: Mapped[int | None]
    frequency: Mapped[int | None]
    monetary: Mapped[Decimal | None] = mapped_column(Money)
    r: Mapped[int | None]
    f: Mapped[int | None]
    m: Mapped[int | None]
    rfm_cell: Mapped[str | None] = mapped_column(String(3))
    rfm_segment: Mapped[str | None] = mapped_column(String(24))
    behaviour: Mapped[str | None] = mapped_column(String(24))
    discount_lover: Mapped[bool] = mapped_column(default=False)
    promo_hunter: Mapped[bool] = mapped_column(default=False)
    irregular: Mapped[bool] = mapped_column(default=False)
    frequent_thrifty: Mapped[bool] = mapped_column(default=False)
    orders: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    avg_check: Mapped[Decimal | None] = mapped_column(Money)
    first_purchase: Mapped[date | None]
    last_purchase: Mapped[date | None]
    mean_interval_days: Mapped[float | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreSnapshot(Base):
    """How many customers each family's group held on a day: the trend lines of the dashboard."""

    __tablename__ = "score_snapshots"

    day: Mapped[date] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(24), primary_key=True)
    customers: Mapped[int]
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))


class AnalyticsConfig(Base):
    """The thresholds of :class:`~klientura.analytics.settings.AnalyticsSettings`, as JSON; one row."""

    __tablename__ = "analytics_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))
