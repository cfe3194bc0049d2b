"""What a campaign is made of (as the API and the wizard send it) and what is read back."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from klientura.campaigns.errors import NAIVE_SCHEDULE, QUIET_HOURS_EMPTY, QUIET_HOURS_HALF, SAME_VARIANT_NAMES
from klientura.kit.bounds import Id
from klientura.kit.channels import SendChannel
from klientura.kit.errors import refused

Channel = SendChannel


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="A", min_length=1, max_length=32)
    subject: str = Field(default="", max_length=300, description="e-mail subject (a template)")
    text: str = Field(min_length=1, max_length=20_000, description="the text (a template): the SMS, the message")
    html: str | None = Field(default=None, max_length=200_000, description="the e-mail's HTML (a template)")


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    segment_id: Id
    channel: Channel | None = Field(default=None, description="fixed, or none: the preferred channel, then fallbacks")
    variants: list[Variant] = Field(min_length=1, max_length=5, description="A/B variants, split evenly")
    holdout_share: float = Field(default=0.1, ge=0, le=0.5, description="share of the audience held out (control)")
    global_control: bool = Field(default=True, description="leave out the global control group")
    cap: int | None = Field(default=2, ge=1, le=1000, description="at most this many messages per customer in cap_days")
    cap_days: int = Field(default=7, ge=1, le=90)
    quiet_from: time | None = Field(default=time(21), description="quiet hours in the customer's own time zone")
    quiet_until: time | None = time(9)
    offer_id: Id | None = Field(default=None, description="issue each recipient a personal code of this offer")
    attribution_days: int = Field(default=7, ge=1, le=90, description="orders this long after the send count")
    scheduled_at: datetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CampaignIn:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise refused(SAME_VARIANT_NAMES)
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise refused(QUIET_HOURS_HALF)
        if self.quiet_from is not None and self.quiet_from == self.quiet_until:
            raise refused(QUIET_HOURS_EMPTY)
        if self.scheduled_at is not None and self.scheduled_at.tzinfo is None:
            raise refused(NAIVE_SCHEDULE)
        return self


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    status: str
    segment_id: int
    channel: str | None
    variants: list[Variant]
    holdout_share: float
    global_control: bool
    cap: int | None
    cap_days: int
    quiet_from: time | None
    quiet_until: time | None
    offer_id: int | None
    attribution_days: int
    seed: str
    scheduled_at: datetime | None
    launched_at: datetime | None
    cancelled_at: datetime | None
    plan: dict[str, Any]
    created_by: str
    created_at: datetime


class Preview(BaseModel):
    customer_id: int
    variant: str
    channel: str | None
    to: str | None
    subject: str
    text: str
    html: str | None
    skipped: str | None = Field(default=None, description="why this customer would get nothing")


class GlobalControlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    share: float = Field(gt=0, le=0.5, description="share of the base that receives no marketing")
    days: int = Field(default=90, ge=7, le=730, description="how long one draw lasts before it rotates")


class TestSendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Id = Field(description="whose data the message is rendered with")
    to: str = Field(min_length=1, max_length=320, description="where it goes: your own address")
    channel: Channel = "email"
    variant: str | None = Field(default=None, max_length=32)


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime | None = Field(description="when to launch (with a time zone); null: back to a draft")


class DifferenceOut(BaseModel):
    target: float
    control: float
    diff: float
    low: float | None = Field(description="the 95 % interval; null when it cannot be computed")
    high: float | None
    p_value: float | None
    significant: bool


class FiguresOut(BaseModel):
    customers: int
    buyers: int
    orders: int
    revenue: float
    margin: float
    conversion: float
    revenue_per_customer: float


class ComparisonOut(BaseModel):
    name: str
    target: FiguresOut
    conversion: DifferenceOut = Field(description="difference of the shares who bought")
    revenue: DifferenceOut = Field(description="incremental revenue: over the whole target group")
    margin: DifferenceOut = Field(description="incremental margin: over the whole target group")


class ReportOut(BaseModel):
    campaign_id: int
    start: datetime
    end: datetime
    complete: bool
    delivery: dict[str, int]
    control: FiguresOut
    overall: ComparisonOut
    variants: list[ComparisonOut]
    cost: float
    roi: float | None
    daily: list[dict[str, float | str]]


class ScenarioRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    enabled: bool
    channel: str | None
    variants: list[Variant]
    holdout_share: float
    delay_hours: int
    cap: int | None
    cap_days: int
    quiet_from: time | None
    quiet_until: time | None
    offer_id: int | None
    attribution_days: int
    seed: str
    checked_until: datetime | None
    updated_by: str


class CampaignPage(BaseModel):
    items: list[CampaignRead]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")
