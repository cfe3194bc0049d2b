"""The sales side's tables: companies and their contacts (pipelines, leads, deals and the rest follow)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, key_string, utcnow


class Company(Base):
    """A client organisation (or an individual entrepreneur). Its INN is an identity: one company per INN."""

    __tablename__ = "companies"
    __table_args__ = (Index("ix_companies_owner", "owner_id"), Index("ix_companies_name", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str | None] = mapped_column(key_string(12), unique=True)
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    industry: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    site: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None]  # soft: an administrator's, audited


class CompanyContact(Base):
    """A person (a customer card) at a company, with their position and role there; one person, several companies."""

    __tablename__ = "company_contacts"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True, index=True)
    position: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(64))  # decision maker, buyer, accountant ...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pipeline(Base):
    """A funnel deals go through: its stages in order. Never deleted (its deals' history names it), archived."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(default=False)
    # who may close a deal (won or lost) and who may reopen or change a closed one; none: anyone who sells
    # (roles, "integration" for API keys; administrators always may)
    close_roles: Mapped[list[str] | None] = mapped_column(JSON)
    reopen_roles: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Stage(Base):
    """A step of a pipeline: open, won or lost, with the probability a deal in it closes by default. Renamed or
    reordered in place; a stage taken out is archived, never deleted (history points at it)."""

    __tablename__ = "stages"
    __table_args__ = (Index("ix_stages_pipeline", "pipeline_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # open | won | lost
    probability: Mapped[int] = mapped_column(default=0)  # per cent
    position: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(default=False)


class Deal(Base):
    """A sale being worked: a pipeline's stage, a customer and/or a company, an amount, an owner. Its moves are
    :class:`DealHistory`; ``status`` is its stage's kind, kept here for the lists."""

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_pipeline_stage", "pipeline_id", "stage_id"),
        Index("ix_deals_owner_status", "owner_id", "status"),
        Index("ix_deals_customer", "customer_id"),
        Index("ix_deals_company", "company_id"),
        Index("ix_deals_external_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | won | lost
    title: Mapped[str] = mapped_column(String(300))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    probability: Mapped[int | None]  # an override of the stage's (recorded in the history); none: the stage's
    expected_close: Mapped[date | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str | None] = mapped_column(String(64))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))  # the won deal a repeat request followed
    external_id: Mapped[str | None] = mapped_column(key_string(160))  # an import's key: re-imported, it is found
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class DealOrder(Base):
    """An order linked to a deal: its payment is the deal's revenue. An order counts for one deal only."""

    __tablename__ = "deal_orders"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(200))


class DealHistory(Base):
    """A deal's stage history, append-only: who moved it, when (the server's time: no backdating), from and to which
    stage, its owner and amount at that moment. The store refuses UPDATE and DELETE on it (a trigger on both
    SQLite and PostgreSQL); a correction is a new entry with its reason."""

    __tablename__ = "deal_history"
    __table_args__ = (Index("ix_deal_history_deal", "deal_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None]
    actor_name: Mapped[str] = mapped_column(String(200))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    owner_id: Mapped[int | None]
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    probability: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(200))  # a lost reason, a correction's
    # create | move | reassign | probability | amount | import
    kind: Mapped[str] = mapped_column(String(12), default="move", server_default="move")
    occurred_at: Mapped[datetime | None]  # an imported entry: when the system it came from says it happened


class LostReason(Base):
    """One of the reasons a deal can be lost for, as the head of sales words them; taken out, it stays inactive
    (the deals lost for it keep it)."""

    __tablename__ = "lost_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Lead(Base):
    """A request: interest someone showed (a call, a form, a message, an e-mail), always on their customer card.
    The repeat-request rule decides where it goes (``outcome``): a new lead, joined to the person's open lead,
    attached to their open deal, or a repeat deal for the owner of their recently won one."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_customer", "customer_id", "status"),
        Index("ix_leads_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    channel: Mapped[str] = mapped_column(String(16))  # call | form | message | email | chat | visit | other
    text: Mapped[str | None] = mapped_column(String(4000))
    source: Mapped[str | None] = mapped_column(String(64))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | converted | closed | attached
    outcome: Mapped[str] = mapped_column(String(12), default="lead")  # lead | joined | attached | repeat
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))  # joined: the open lead it joined
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_reason: Mapped[str | None] = mapped_column(String(16))  # junk | duplicate | no_need | other
    close_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class Task(Base):
    """Something to do by a time: a call, a meeting, an e-mail, a to-do; assigned to a user, about a deal, a lead,
    a customer or a company; done with its result. Its delegations and reschedules are :class:`TaskEvent`."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_due", "assignee_id", "done_at", "due_at"),
        Index("ix_tasks_deal", "deal_id"),
        Index("ix_tasks_lead", "lead_id"),
        Index("ix_tasks_customer", "customer_id"),
        Index("ix_tasks_company", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # call | meeting | email | todo
    title: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(2000))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime]
    minutes: Mapped[int | None]  # a meeting's length, for the calendar
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    created_by_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(2000))
    reminded_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class TaskEvent(Base):
    """What happened to a task, in order: created, delegated (from whom to whom), rescheduled, done, reopened."""

    __tablename__ = "task_events"
    __table_args__ = (Index("ix_task_events_task", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None]
    actor_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # created | delegated | rescheduled | done | reopened
    from_user_id: Mapped[int | None]
    to_user_id: Mapped[int | None]
    due_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(2000))


class CalendarFeed(Base):
    """A user's secret calendar address: the digest of its token (shown once; a new one replaces it)."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """A user's named set of filters of a list (the deals'), kept as the list's query string."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # deals
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
