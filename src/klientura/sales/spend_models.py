"""What selling costs and what it should bring: advertising spend per source, campaign and day (imported from the
ad systems' exports or entered by hand), and the sales plans heads of sales set."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, utcnow


class AdCost(Base):
    """A day's spend of one advertising source (``utm_source`` as the ads tag their links: yandex, vk ...) on one
    campaign (``utm_campaign``; empty: the source as a whole). One row per day, source and campaign: importing the
    same export again changes nothing, a corrected one replaces the figures."""

    __tablename__ = "ad_costs"
    __table_args__ = (UniqueConstraint("day", "source", "campaign", name="uq_ad_costs_day_source_campaign"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    source: Mapped[str] = mapped_column(String(100))
    campaign: Mapped[str] = mapped_column(String(200), default="")
    cost: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    clicks: Mapped[int | None]
    impressions: Mapped[int | None]
    origin: Mapped[str] = mapped_column(String(200))  # "manual" or the imported file's name
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SalesPlan(Base):
    """A target for a month or a quarter: revenue or a number of won deals, for a manager, a team, a pipeline or the
    whole department (``scope`` all, no ``scope_id``). Set by a head of sales; a new target replaces the old."""

    __tablename__ = "sales_plans"
    __table_args__ = (
        UniqueConstraint("period_start", "months", "scope", "scope_id", "measure", name="uq_sales_plans_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date]  # the first day of the month or quarter
    months: Mapped[int]  # 1: a month, 3: a quarter
    scope: Mapped[str] = mapped_column(String(8))  # manager | team | pipeline | all
    scope_id: Mapped[int] = mapped_column(default=0)  # 0 for all
    measure: Mapped[str] = mapped_column(String(8))  # revenue | deals
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
