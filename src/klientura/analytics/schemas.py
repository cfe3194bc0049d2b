"""What the API and the UI show of the warehouse's results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class ScoreRead(BaseModel):
    """A card's segment families as of the last recompute, and the figures behind them."""

    model_config = ConfigDict(from_attributes=True)

    as_of: date
    temperature: str
    lifecycle: str | None
    rfm_segment: str | None
    rfm_cell: str | None
    r: int | None
    f: int | None
    m: int | None
    recency_days: int | None
    frequency: int | None
    monetary: Decimal | None
    behaviour: str | None
    discount_lover: bool
    promo_hunter: bool
    irregular: bool
    frequent_thrifty: bool
    orders: int
    revenue: Decimal
    avg_check: Decimal | None
    first_purchase: date | None
    last_purchase: date | None
    mean_interval_days: float | None


class GroupRead(BaseModel):
    value: str
    customers: int
    share: float
    revenue: Decimal


class ClvRead(BaseModel):
    """A card's predicted future from the last lifetime-value prediction."""

    as_of: date
    horizon_months: int
    basis: str
    model: str
    model_title: str
    p_alive: float
    expected_purchases: float
    expected_spend: Decimal
    clv: Decimal
    value_1y: Decimal
    value_2y: Decimal
    value_3y: Decimal
