"""Campaigns, their frozen audiences, the global control group, and the outbox: every message to a customer is a
row written in the transaction that decided to send it (a campaign's launch, a scenario's trigger), delivered later
by the worker, with the history of its statuses."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal, get_args

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, JSONType, key_string, utcnow

STATUSES = ("queued", "sending", "sent", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_source", "source", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(key_string(100), unique=True)  # idempotency key, passed to the provider
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | telegram | webhook
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    source: Mapped[str] = mapped_column(String(100))  # "campaign:12", "scenario:welcome", "test"
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)  # also the end of a sending lease
    provider_id: Mapped[str | None] = mapped_column(String(200), index=True)
    delivery: Mapped[str | None] = mapped_column(
        String(16)
    )  # what the provider reported later: delivered | failed | read
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class OutboxEvent(Base):
    """One step of a message's life: queued, sending (attempt n), sent, retry (why, when next), failed (why)."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(500))


CAMPAIGN_STATUSES = ("draft", "scheduled", "launched", "cancelled")
# where a launch put each recipient: sent to, held out as the campaign's control, left out as the global control
# group, or not reached (no consent, no address, over the cap)
Group = Literal["target", "control", "global", "skipped"]
GROUPS: tuple[Group, ...] = get_args(Group)
COMPARED: tuple[Group, Group] = ("target", "control")  # the groups a report compares


class Campaign(Base):
    """A message to a segment: content (one or more A/B variants), channel, holdout, cap, quiet hours, schedule.
    At launch its audience is frozen into :class:`Recipient` rows and the target's messages written to the outbox."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id"), index=True)
    channel: Mapped[str | None] = mapped_column(String(16))  # None: the customer's preferred, then the fallbacks
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # [{name, subject, text, html}]
    holdout_share: Mapped[float] = mapped_column(default=0.1)
    global_control: Mapped[bool] = mapped_column(default=True)  # leave out the global control group
    # no Python-side defaults on these: the ORM would put the default in place of an explicit None ("switched off");
    # CampaignIn holds the defaults (a cap of 2, quiet hours 21:00-09:00)
    cap: Mapped[int | None]  # at most this many messages a customer in ``cap_days``; None: no cap
    cap_days: Mapped[int] = mapped_column(default=7)
    quiet_from: Mapped[time | None]  # None: no quiet hours
    quiet_until: Mapped[time | None]
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_offers.id"))  # a personal code per recipient
    attribution_days: Mapped[int] = mapped_column(default=7)
    seed: Mapped[str] = mapped_column(String(64))  # draws the holdout and the variants, recorded for the report
    scheduled_at: Mapped[datetime | None]
    launched_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    plan: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # counts at launch: groups, skip reasons
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Recipient(Base):
    """One customer of a launched campaign's frozen audience and what happened to them: messaged (target, with the
    variant; the message is the outbox row keyed ``campaign:<id>:<customer>``), held out (control), left out as the
    global control group, or skipped (why)."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (Index("ix_campaign_recipients_customer", "customer_id"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    grp: Mapped[str] = mapped_column(String(8))  # target | control | global | skipped
    variant: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))


class ControlPeriod(Base):
    """The global control group for a period: customers drawn by ``seed`` with ``share`` receive no marketing
    until ``ends_at``; then a new period with a new seed draws another group (rotation)."""

    __tablename__ = "global_control_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    seed: Mapped[str] = mapped_column(String(64))
    share: Mapped[float]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))


SCENARIOS = ("abandoned_cart", "expiring_points", "welcome", "birthday", "win_back", "feedback", "repeat_purchase")


class Scenario(Base):
    """A triggered message: an event or a state of a customer (a cart left, points about to expire, a new card, a
    birthday, a customer gone to sleep, an order to review, the usual time to buy again) sends it, through the
    customer's channel, with its own control group and report. Off until switched on."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str | None] = mapped_column(String(16))
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    holdout_share: Mapped[float] = mapped_column(default=0.1)
    delay_hours: Mapped[int] = mapped_column(default=0)  # after the trigger (a cart waits a few hours)
    cap: Mapped[int | None]  # None: triggered messages are not held back by the frequency cap
    cap_days: Mapped[int] = mapped_column(default=7)
    quiet_from: Mapped[time | None]  # None: none (no default here: it would replace an explicit None)
    quiet_until: Mapped[time | None]
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_offers.id"))
    attribution_days: Mapped[int] = mapped_column(default=7)
    seed: Mapped[str] = mapped_column(String(64))
    checked_until: Mapped[datetime | None]  # triggers up to here are handled
    updated_by: Mapped[str] = mapped_column(String(200), default="system")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScenarioEntry(Base):
    """One trigger of a scenario for one customer, once (``trigger`` is unique within the scenario: the cart's event,
    the order, the year of the birthday …) and what came of it: target (messaged), control, global, skipped."""

    __tablename__ = "scenario_entries"
    __table_args__ = (UniqueConstraint("scenario_id", "trigger"), Index("ix_scenario_entries_customer", "customer_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    customer_id: Mapped[int]
    trigger: Mapped[str] = mapped_column(key_string(100))
    at: Mapped[datetime]  # when it fired: the report's window starts here
    grp: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))


class DeliveryHook(Base):
    """A provider's callback address: its token names the provider and a generation; rotating it makes a new
    generation, the previous one still accepted until ``previous_until`` (the provider's settings are changed)."""

    __tablename__ = "delivery_hooks"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    generation: Mapped[int] = mapped_column(default=1)
    rotated_at: Mapped[datetime | None]
    previous_until: Mapped[datetime | None]
