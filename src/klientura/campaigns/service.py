"""Campaigns as a marketer edits them: create, change while a draft, schedule, cancel; the global control group."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from klientura import loyalty, segments
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.campaigns.errors import (
    CAMPAIGN_NOT_FOUND,
    EMAIL_WITHOUT_SUBJECT,
    NAIVE_SCHEDULE,
    NOT_CHANGEABLE,
    SUBJECT_ONE_LINE,
    in_variant,
)
from klientura.campaigns.models import Campaign, ControlPeriod
from klientura.campaigns.outbox import stop
from klientura.campaigns.schemas import CampaignIn, GlobalControlIn, Variant
from klientura.campaigns.templates import check
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed, invalid
from klientura.kit.pagination import decode_cursor, encode_cursor


def _validated(raw: dict[str, Any] | CampaignIn) -> CampaignIn:
    try:
        data = raw if isinstance(raw, CampaignIn) else CampaignIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid(exc) from exc
    check_variants(data.variants)
    if data.channel == "email" and not all(v.subject for v in data.variants):
        raise ValidationFailed(EMAIL_WITHOUT_SUBJECT)
    return data


def check_variants(variants: Sequence[Variant]) -> None:
    """A template that would fail when sent is refused now, with its variant, its part and the reason."""
    for v in variants:
        if "\r" in v.subject or "\n" in v.subject:  # a header with a line break could add headers of its own
            raise ValidationFailed(SUBJECT_ONE_LINE, field=f"variants.{v.name}.subject")
        for part, source, html in (("subject", v.subject, False), ("text", v.text, False), ("html", v.html, True)):
            if source:
                try:
                    check(source, html=html)
                except ValidationFailed as exc:
                    raise in_variant(exc, v.name, part) from exc


def _apply(session: Session, actor: Actor, campaign: Campaign, data: CampaignIn) -> None:
    segments.get_segment(session, actor, data.segment_id)
    if data.offer_id is not None and not loyalty.offer_exists(session, data.offer_id):
        raise ValidationFailed(loyalty.NO_OFFER, field="offer_id", id=data.offer_id)
    values = data.model_dump(exclude={"variants", "scheduled_at"})
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.variants = [v.model_dump() for v in data.variants]


def create_campaign(session: Session, actor: Actor, raw: dict[str, Any] | CampaignIn) -> Campaign:
    require(actor, "campaigns:write")
    data = _validated(raw)
    campaign = Campaign(seed=secrets.token_hex(8), created_by=actor.name, status="draft")
    _apply(session, actor, campaign, data)
    session.add(campaign)
    session.flush()
    record(session, actor, "campaign.create", "campaigns", campaign.id, None, data.model_dump(mode="json"))
    if data.scheduled_at is not None:
        schedule(session, actor, campaign.id, data.scheduled_at)
    return campaign


def get_campaign(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    require(actor, "campaigns:read")
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(CAMPAIGN_NOT_FOUND, id=campaign_id)
    return campaign


def _editable(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    require(actor, "campaigns:write")
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.status not in ("draft", "scheduled"):
        raise Conflict(NOT_CHANGEABLE, id=campaign_id, status=campaign.status)
    return campaign


def update_campaign(session: Session, actor: Actor, campaign_id: int, raw: dict[str, Any] | CampaignIn) -> Campaign:
    campaign = _editable(session, actor, campaign_id)
    data = _validated(raw)
    before = {"name": campaign.name, "segment_id": campaign.segment_id, "variants": campaign.variants}
    _apply(session, actor, campaign, data)
    session.flush()
    record(session, actor, "campaign.update", "campaigns", campaign.id, before, data.model_dump(mode="json"))
    if data.scheduled_at is not None and data.scheduled_at != campaign.scheduled_at:
        schedule(session, actor, campaign.id, data.scheduled_at)
    return campaign


def schedule(session: Session, actor: Actor, campaign_id: int, at: datetime | None) -> Campaign:
    """Launch at ``at`` (the worker launches due campaigns), or back to a draft with None."""
    campaign = _editable(session, actor, campaign_id)
    if at is not None and at.tzinfo is None:
        raise ValidationFailed(NAIVE_SCHEDULE)
    before = {"status": campaign.status, "scheduled_at": campaign.scheduled_at}
    campaign.scheduled_at, campaign.status = at, "scheduled" if at is not None else "draft"
    session.flush()
    record(
        session,
        actor,
        "campaign.schedule",
        "campaigns",
        campaign.id,
        before,
        {"status": campaign.status, "scheduled_at": at},
    )
    return campaign


def cancel(session: Session, actor: Actor, campaign_id: int, now: datetime) -> Campaign:
    """A draft or scheduled campaign never goes; a launched one stops: its messages not yet sent are failed as
    cancelled (the ones sent stay in the report)."""
    require(actor, "campaigns:write")
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.status == "cancelled":
        return campaign
    before = campaign.status
    stopped = 0
    if campaign.status == "launched":
        stopped = stop(session, f"campaign:{campaign.id}", now)
    campaign.status, campaign.cancelled_at = "cancelled", now
    session.flush()
    record(
        session,
        actor,
        "campaign.cancel",
        "campaigns",
        campaign.id,
        {"status": before},
        {"status": "cancelled", "messages_stopped": stopped},
    )
    return campaign


def list_campaigns(
    session: Session, actor: Actor, status: str | None = None, *, cursor: str | None = None, limit: int = 100
) -> tuple[list[Campaign], str | None]:
    """A page of campaigns, newest first, and the cursor of the next page (None at the end)."""
    require(actor, "campaigns:read")
    query = select(Campaign).order_by(Campaign.id.desc())  # ids grow with creation: newest first
    if status is not None:
        query = query.where(Campaign.status == status)
    if cursor:
        (after,) = decode_cursor(cursor, (int,))
        query = query.where(Campaign.id < after)
    rows = list(session.scalars(query.limit(limit + 1)))
    return rows[:limit], encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None


def due(session: Session, now: datetime) -> list[int]:
    """Scheduled campaigns whose time has come, for the worker to launch."""
    return list(
        session.scalars(
            select(Campaign.id)
            .where(Campaign.status == "scheduled", Campaign.scheduled_at <= now)
            .order_by(Campaign.scheduled_at)
        )
    )


def global_control(session: Session, now: datetime, *, draw: bool = True) -> ControlPeriod | None:
    """The period in force at ``now``; when the last one has ended a new draw begins (rotation), same share and
    length, a new seed — nobody stays out of marketing for ever. ``draw=False`` (a page, a report: reads never
    write) shows the period a draw would begin without saving it; launches and scenarios draw."""
    last = session.scalars(
        select(ControlPeriod).order_by(ControlPeriod.starts_at.desc(), ControlPeriod.id.desc())
    ).first()
    if last is None or last.share == 0 or last.starts_at > now:
        return None
    if last.ends_at > now:
        return last
    length = last.ends_at - last.starts_at
    periods = (now - last.starts_at) // length
    start = last.starts_at + length * periods
    current = ControlPeriod(
        seed=secrets.token_hex(8), share=last.share, starts_at=start, ends_at=start + length, created_by="rotation"
    )
    if draw:
        session.add(current)
        session.flush()
    return current


def set_global_control(session: Session, actor: Actor, raw: dict[str, Any], now: datetime) -> ControlPeriod:
    """A new draw from now on with this share and period length (share 0 is refused: turn it off with
    :func:`stop_global_control`)."""
    require(actor, "campaigns:write")
    try:
        data = GlobalControlIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid(exc) from exc
    current = global_control(session, now)
    if current is not None:
        current.ends_at = now
    period = ControlPeriod(
        seed=secrets.token_hex(8),
        share=data.share,
        starts_at=now,
        ends_at=now + timedelta(days=data.days),
        created_by=actor.name,
    )
    session.add(period)
    session.flush()
    record(
        session,
        actor,
        "campaign.global_control",
        "global_control_periods",
        period.id,
        None if current is None else {"share": current.share},
        data.model_dump(),
    )
    return period


def stop_global_control(session: Session, actor: Actor, now: datetime) -> None:
    require(actor, "campaigns:write")
    current = global_control(session, now)
    if current is None:
        return
    current.ends_at = now
    session.add(
        ControlPeriod(seed="off", share=0, starts_at=now, ends_at=now + timedelta(days=36500), created_by=actor.name)
    )
    session.flush()
    record(
        session,
        actor,
        "campaign.global_control",
        "global_control_periods",
        current.id,
        {"share": current.share},
        {"share": 0},
    )


def count_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Campaign.status, func.count()).group_by(Campaign.status)).all())


def require_write(actor: Actor) -> None:
    require(actor, "campaigns:write")
