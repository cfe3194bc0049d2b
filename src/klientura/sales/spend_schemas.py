"""Advertising costs and sales plans in and out."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AdCostIn(BaseModel):
    """A day's spend of a source on a campaign (empty campaign: the source as a whole)."""

    model_config = ConfigDict(extra="forbid")

    day: date
    source: str = Field(min_length=1, max_length=100)
    campaign: str = Field(default="", max_length=200)
    cost: Decimal = Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)
    clicks: int | None = Field(default=None, ge=0, le=2_000_000_000)
    impressions: int | None = Field(default=None, ge=0, le=2_000_000_000)

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        v = " ".join(v.split()).lower()
        if not v:
            raise ValueError("the source is empty")
        return v

    @field_validator("campaign")
    @classmethod
    def _campaign(cls, v: str) -> str:
        return " ".join(v.split())


class AdCostRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    day: date
    source: str
    campaign: str
    cost: Decimal
    clicks: int | None
    impressions: int | None
    origin: str
    changed_by: str
    changed_at: datetime


class PlanIn(BaseModel):
    """A target: revenue or won deals for a month (``months`` 1) or a quarter (3) starting on ``period_start``."""

    model_config = ConfigDict(extra="forbid")

    period_start: date
    months: int = Field(default=1, ge=1, le=3)  # 1: a month, 3: a quarter
    scope: Literal["manager", "team", "pipeline", "all"]
    scope_id: int = Field(default=0, ge=0, le=2_147_483_647)
    measure: Literal["revenue", "deals"]
    target: Decimal = Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)

    @field_validator("months")
    @classmethod
    def _months(cls, v: int) -> int:
        if v not in (1, 3):
            raise ValueError("a plan is for a month (1) or a quarter (3)")
        return v


class PlanRead(PlanIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    set_by: str
    set_at: datetime
