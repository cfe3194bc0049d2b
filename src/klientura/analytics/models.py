"""What the warehouse computes per customer, written back to the store for indexed reads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String
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


class ClvFit(Base):
    """A fitted lifetime-value model: purchase counts (BG/NBD, MBG/NBD or Pareto/NBD) and spend (Gamma-Gamma)."""

    __tablename__ = "clv_fits"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(16))
    time_unit: Mapped[str] = mapped_column(String(8))
    calibration_end: Mapped[date]
    holdout_end: Mapped[date | None]
    customers: Mapped[int]
    repeaters: Mapped[int]
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    std_errors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    loglik: Mapped[float]
    spend_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spend_std_errors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spend_loglik: Mapped[float]
    warnings: Mapped[list[str]] = mapped_column(default=list)
    # predicted vs actual over the holdout: per week and per calibration frequency
    diagnostics: Mapped[dict[str, Any] | None]
    seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))


class ClvRun(Base):
    """One prediction of the whole base with a fit: its settings and the base valuation report."""

    __tablename__ = "clv_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    fit_id: Mapped[int] = mapped_column(ForeignKey("clv_fits.id"))
    as_of: Mapped[date]
    horizon_months: Mapped[int]
    discount: Mapped[float]  # per month
    basis: Mapped[str] = mapped_column(String(8))  # revenue | margin
    customers: Mapped[int]
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))


class CustomerClv(Base):
    """A customer's predicted future, replaced whole by every prediction run (no foreign key, as scores)."""

    __tablename__ = "customer_clv"

    customer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    run_id: Mapped[int]
    p_alive: Mapped[float]
    expected_purchases: Mapped[float]  # over the run's horizon
    expected_spend: Mapped[Decimal] = mapped_column(Money)  # per purchase
    clv: Mapped[Decimal] = mapped_column(Money)  # over the run's horizon, discounted
    value_1y: Mapped[Decimal] = mapped_column(Money)
    value_2y: Mapped[Decimal] = mapped_column(Money)
    value_3y: Mapped[Decimal] = mapped_column(Money)
