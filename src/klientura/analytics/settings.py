"""The thresholds behind every segment family, with the defaults a retail chain starts from.

All of it is editable (stored in the store as JSON, see :mod:`klientura.analytics.service`); the UI explains
each field with the ``description`` given here.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from klientura.analytics.errors import (
    BAD_PERIOD,
    INTERVALS_REVERSED,
    LOST_NOT_ABOVE_ACTIVE,
    PERIOD_REVERSED,
    THRESHOLDS_NOT_INCREASING,
)
from klientura.kit.errors import refused
from klientura.kit.i18n import N_

Range = tuple[int, int]


class RfmRule(BaseModel):
    """A named RFM cell: scores of recency, frequency and monetary value within these inclusive ranges."""

    name: str
    r: Range
    f: Range
    m: Range


# The usual named cells, read off the R x F grid (monetary value sets champions and "can't lose them" apart);
# tried in this order, the first match wins. Together they cover all 125 score combinations.
DEFAULT_RULES = [
    RfmRule(name="champions", r=(4, 5), f=(4, 5), m=(3, 5)),
    RfmRule(name="loyal", r=(3, 5), f=(3, 5), m=(1, 5)),
    RfmRule(name="new", r=(4, 5), f=(1, 1), m=(1, 5)),
    RfmRule(name="promising", r=(3, 3), f=(1, 1), m=(1, 5)),
    RfmRule(name="potential_loyalists", r=(3, 5), f=(2, 2), m=(1, 5)),
    RfmRule(name="cant_lose_them", r=(1, 1), f=(4, 5), m=(3, 5)),
    RfmRule(name="at_risk", r=(1, 2), f=(3, 5), m=(1, 5)),
    RfmRule(name="need_attention", r=(2, 2), f=(2, 2), m=(1, 5)),
    RfmRule(name="about_to_sleep", r=(2, 2), f=(1, 1), m=(1, 5)),
    RfmRule(name="hibernating", r=(1, 1), f=(2, 2), m=(1, 5)),
    RfmRule(name="lost", r=(1, 1), f=(1, 1), m=(1, 5)),
]
RFM_SEGMENTS = [r.name for r in DEFAULT_RULES] + ["other"]


class RfmSettings(BaseModel):
    window_days: int = Field(365, ge=1, description=N_("Orders of this many days up to the as-of date are scored"))
    method: Literal["quantiles", "thresholds"] = Field(
        "quantiles",
        description=N_(
            "quantiles: recency and money in five equal groups of customers (equal values always share a score); "
            "thresholds: fixed cut-offs below. Frequency is counted against its thresholds either way"
        ),
    )
    recency_days: list[int] = Field(
        [30, 90, 180, 270], description=N_("Days since the last purchase that end scores 5, 4, 3 and 2")
    )
    frequency: list[int] = Field(
        [2, 3, 5, 8], description=N_("Orders in the window needed for scores 2, 3, 4 and 5 (by either method)")
    )
    monetary: list[int] = Field(
        [3000, 10000, 25000, 60000], description=N_("Revenue in the window (whole currency units) for scores 2 to 5")
    )
    rules: list[RfmRule] = Field(default_factory=lambda: list(DEFAULT_RULES))

    @model_validator(mode="after")
    def _ascending(self) -> RfmSettings:
        for name in ("recency_days", "frequency", "monetary"):
            values = getattr(self, name)
            if len(values) != 4 or any(b <= a for a, b in itertools.pairwise(values)):
                raise refused(THRESHOLDS_NOT_INCREASING, name=name)
        return self


class LifecycleSettings(BaseModel):
    new_days: int = Field(30, ge=1, description=N_("A first purchase this recent makes a customer new"))
    active_factor: float = Field(
        1.5, gt=0, description=N_("Active while the days since the last purchase stay within this many usual intervals")
    )
    lost_factor: float = Field(3.0, gt=0, description=N_("Lost beyond this many usual intervals; sleeping in between"))
    min_interval_days: int = Field(14, ge=1, description=N_("A usual interval is never taken as shorter than this"))
    max_interval_days: int = Field(365, ge=1, description=N_("... nor as longer than this"))
    regular_orders: int = Field(3, ge=2, description=N_("Purchases that make a lost customer a lost regular"))

    @model_validator(mode="after")
    def _order(self) -> LifecycleSettings:
        if self.lost_factor <= self.active_factor:
            raise refused(LOST_NOT_ABOVE_ACTIVE)
        if self.max_interval_days < self.min_interval_days:
            raise refused(INTERVALS_REVERSED)
        return self


class BehaviourSettings(BaseModel):
    min_orders: int = Field(3, ge=1, description=N_("Orders needed before a behaviour is judged"))
    discount_share: float = Field(0.5, gt=0, le=1, description=N_("Share of discounted orders of a discount lover"))
    promo_share: float = Field(0.5, gt=0, le=1, description=N_("Share of orders with a promo code of a promo hunter"))
    irregular_cv: float = Field(
        1.0, gt=0, description=N_("Coefficient of variation of purchase intervals above which buying is irregular")
    )
    frequent_top_share: float = Field(
        0.2, gt=0, le=1, description=N_("Frequent thrifty: among this top share of customers by order count ...")
    )
    thrifty_bottom_share: float = Field(0.5, gt=0, le=1, description=N_("... and this bottom share by average check"))
    promo_periods: list[tuple[date, date]] = Field(
        default_factory=list,
        description=N_("Promo periods (from..to, comma-separated): a purchase in one counts as a promo purchase"),
    )

    @field_validator("promo_periods", mode="before")
    @classmethod
    def _periods(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [p for p in value.split(",") if p.strip()]
        out = []
        for item in value or []:
            if isinstance(item, str):
                first, sep, last = item.strip().partition("..")
                if not sep:
                    raise refused(BAD_PERIOD, value=item.strip())
                item = (first.strip(), last.strip())
            out.append(item)
        return out

    @model_validator(mode="after")
    def _ordered(self) -> BehaviourSettings:
        for first, last in self.promo_periods:
            if last < first:
                raise refused(PERIOD_REVERSED, value=f"{first}..{last}")
        return self


class AnalyticsSettings(BaseModel):
    rfm: RfmSettings = Field(default_factory=RfmSettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    behaviour: BehaviourSettings = Field(default_factory=BehaviourSettings)
    active_days: int = Field(
        90, ge=1, description=N_("Active client base: customers with a purchase in this many days")
    )
