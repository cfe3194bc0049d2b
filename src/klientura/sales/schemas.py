"""What a company is made of, as the API and the pages send it and read it back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from klientura.customers import CustomerIn
from klientura.kit.bounds import Amount, Id, Identifier


class CompanyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    inn: str | None = Field(default=None, max_length=40, description="10 digits (a company) or 12 (a person)")
    kpp: str | None = Field(default=None, max_length=40)
    ogrn: str | None = Field(default=None, max_length=40)
    industry: str | None = Field(default=None, max_length=100)
    size: str | None = Field(default=None, max_length=32, description="e.g. 11-50")
    address: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=100)
    phone: Identifier | None = None
    site: str | None = Field(default=None, max_length=200)
    owner_id: Id | None = Field(default=None, description="a manager's own companies are theirs whatever is sent")


class CompanyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    kpp: str | None = Field(default=None, max_length=40)
    ogrn: str | None = Field(default=None, max_length=40)
    industry: str | None = Field(default=None, max_length=100)
    size: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=100)
    phone: Identifier | None = None
    site: str | None = Field(default=None, max_length=200)
    owner_id: Id | None = None


class CompanyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    inn: str | None
    kpp: str | None
    ogrn: str | None
    industry: str | None
    size: str | None
    address: str | None
    city: str | None
    phone: str | None
    site: str | None
    owner_id: int | None
    created_at: datetime
    updated_at: datetime


class CompanyCreated(BaseModel):
    company: CompanyRead
    created: bool = Field(description="false: a company with this INN was there already (it is the answer)")


class CompanyPage(BaseModel):
    items: list[CompanyRead]
    next_cursor: str | None


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Id | None = Field(default=None, description="the person's card, or their identities in customer")
    customer: CustomerIn | None = None
    position: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=64)


class ContactRead(BaseModel):
    customer_id: int
    name: str
    position: str | None
    role: str | None


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id | None = Field(default=None, description="an existing stage (renamed or moved in place); none: a new one")
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["open", "won", "lost"] = "open"
    probability: int | None = Field(default=None, ge=0, le=100, description="per cent; by default 100 won, 0 lost")


class PipelineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    stages: list[StageIn] = Field(min_length=3, max_length=30, description="in order; left out ones are archived")


class StageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    probability: int
    position: int


class PipelineRead(BaseModel):
    id: int
    name: str
    stages: list[StageRead]


class DealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pipeline_id: Id
    stage_id: Id | None = Field(default=None, description="the pipeline's first open stage by default")
    title: str = Field(min_length=1, max_length=300)
    amount: Amount = Decimal(0)
    customer_id: Id | None = None
    customer: CustomerIn | None = Field(default=None, description="identities, as POST /customers: found or made")
    company_id: Id | None = None
    owner_id: Id | None = Field(default=None, description="a manager's deals are theirs whatever is sent")
    expected_close: date | None = None
    probability: int | None = Field(default=None, ge=0, le=100, description="overrides the stage's (recorded)")
    source: str | None = Field(default=None, max_length=64)
    utm_source: str | None = Field(default=None, max_length=100)
    utm_medium: str | None = Field(default=None, max_length=100)
    utm_campaign: str | None = Field(default=None, max_length=100)


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage_id: Id
    lost_reason: str | None = Field(default=None, max_length=200, description="required to a lost stage")


class DealRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    pipeline_id: int
    stage_id: int
    status: str
    title: str
    customer_id: int | None
    company_id: int | None
    amount: Decimal
    probability: int | None
    expected_close: date | None
    owner_id: int | None
    source: str | None
    lost_reason: str | None
    created_at: datetime
    closed_at: datetime | None


class DealPage(BaseModel):
    items: list[DealRead]
    next_cursor: str | None


class HistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor_name: str
    from_stage_id: int | None
    to_stage_id: int
    owner_id: int | None
    amount: Decimal
    probability: int
    reason: str | None
