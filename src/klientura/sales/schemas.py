"""What a company is made of, as the API and the pages send it and read it back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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


SalesRole = Literal["marketer", "head", "manager", "integration"]


class PipelineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    stages: list[StageIn] = Field(min_length=3, max_length=30, description="in order; left out ones are archived")
    close_roles: list[SalesRole] | None = Field(
        default=None, max_length=4, description="who may move a deal to won or lost (admins always); none: all"
    )
    reopen_roles: list[SalesRole] | None = Field(
        default=None, max_length=4, description="who may reopen or change a closed deal (admins always); none: all"
    )


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
    close_roles: list[str] | None = None
    reopen_roles: list[str] | None = None


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


class DealUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    amount: Amount | None = Field(default=None, description="a change is kept in the history")
    expected_close: date | None = None
    probability: int | None = Field(
        default=None, ge=0, le=100, description="an override of the stage's, kept in the history; null: the stage's"
    )
    owner_id: Id | None = Field(default=None, description="a reassignment (heads within their team), in the history")
    reason: str | None = Field(default=None, max_length=200, description="why: kept with the history entry")


class OrderLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Id


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
    repeat_of_id: int | None = Field(description="the won deal a repeat request followed")
    created_at: datetime
    closed_at: datetime | None
    payment: Literal["awaiting", "paid"] | None = Field(
        default=None, description="a won deal: paid once a linked order is paid, awaiting payment till then"
    )
    paid_amount: Decimal = Field(default=Decimal(0), description="what the linked completed orders paid")
    order_ids: list[int] = Field(default_factory=list, description="the orders linked to the deal")


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
    kind: str = Field(description="create | move | reassign | probability | amount")


Channel = Literal["call", "form", "message", "email", "chat", "visit", "other"]


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Id | None = Field(default=None, description="the person's card, or their identities in customer")
    customer: CustomerIn | None = Field(default=None, description="identities, as POST /customers: found or made")
    company_id: Id | None = None
    channel: Channel
    text: str | None = Field(default=None, max_length=4000, description="what they asked")
    source: str | None = Field(default=None, max_length=64, description="by default the channel")
    utm_source: str | None = Field(default=None, max_length=100)
    utm_medium: str | None = Field(default=None, max_length=100)
    utm_campaign: str | None = Field(default=None, max_length=100)


class LeadOutcome(BaseModel):
    outcome: Literal["lead", "joined", "attached", "repeat"] = Field(
        description="lead: a new lead; joined: to the person's open lead; attached: to their open deal; "
        "repeat: a repeat deal for the owner of their recently won one"
    )
    lead_id: int
    parent_lead_id: int | None
    deal_id: int | None
    customer_id: int
    customer_created: bool
    owner_id: int | None
    task_id: int | None = Field(description="the owner's task to answer the request")


class LeadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    company_id: int | None
    channel: str
    text: str | None
    source: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    status: str
    outcome: str
    parent_id: int | None
    deal_id: int | None
    owner_id: int | None
    close_reason: str | None
    close_note: str | None
    created_at: datetime
    closed_at: datetime | None


class LeadPage(BaseModel):
    items: list[LeadRead]
    next_cursor: str | None


class ConvertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pipeline_id: Id
    stage_id: Id | None = None
    title: str | None = Field(default=None, max_length=300, description="by default the request's text")
    amount: Amount = Decimal(0)
    company_id: Id | None = None
    owner_id: Id | None = None
    expected_close: date | None = None


class LeadClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["junk", "duplicate", "no_need", "other"]
    note: str | None = Field(default=None, max_length=500)


class LeadAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: Id


TaskKind = Literal["call", "meeting", "email", "todo"]


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: TaskKind = "todo"
    title: str = Field(min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=2000)
    assignee_id: Id | None = Field(default=None, description="by default whoever creates it")
    due_at: AwareDatetime
    minutes: int | None = Field(default=None, ge=1, le=1440, description="a meeting's length")
    deal_id: Id | None = None
    lead_id: Id | None = None
    customer_id: Id | None = None
    company_id: Id | None = None


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: TaskKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=2000)
    assignee_id: Id | None = Field(default=None, description="a delegation, kept in the task's events")
    due_at: AwareDatetime | None = Field(default=None, description="a reschedule, kept in the task's events")
    minutes: int | None = Field(default=None, ge=1, le=1440)
    note_for_change: str | None = Field(default=None, max_length=2000, description="why (a reschedule's reason)")


class TaskDone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: str | None = Field(default=None, max_length=2000)


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    note: str | None
    assignee_id: int
    due_at: datetime
    minutes: int | None
    deal_id: int | None
    lead_id: int | None
    customer_id: int | None
    company_id: int | None
    created_at: datetime
    done_at: datetime | None
    result: str | None


class TaskPage(BaseModel):
    items: list[TaskRead]
    next_cursor: str | None


class TaskEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor_name: str
    kind: str
    from_user_id: int | None
    to_user_id: int | None
    due_at: datetime | None
    note: str | None
