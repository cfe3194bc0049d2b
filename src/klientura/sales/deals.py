"""Deals through a pipeline's stages, under rules no one can game: every move is appended to the deal's history
with the server's time (no backdating), the owner and amount of that moment; a lost deal needs its reason, by any
path; a manager creates, sees and moves only their own deals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from klientura import customers
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, utcnow
from klientura.kit.errors import Code, Forbidden, NotFound, ValidationFailed
from klientura.kit.pagination import decode_cursor, encode_cursor
from klientura.kit.shop import Shop
from klientura.sales.companies import get_company
from klientura.sales.errors import (
    CLOSE_FORBIDDEN,
    DEAL_NEEDS_PARTY,
    DEAL_NOT_FOUND,
    LOST_REASON_NEEDED,
    NO_OPEN_STAGE,
    REOPEN_FORBIDDEN,
    STAGE_ELSEWHERE,
)
from klientura.sales.models import Deal, DealHistory, Pipeline, Stage
from klientura.sales.owners import owner_for, sees, visible
from klientura.sales.pipelines import get_pipeline
from klientura.sales.reasons import checked_reason
from klientura.sales.schemas import DealIn, MoveIn


def open_stage(session: Session, pipeline_id: int) -> Stage:
    """The pipeline's first live open stage: where a deal starts."""
    return _stage(session, pipeline_id, None)


def _stage(session: Session, pipeline_id: int, stage_id: int | None) -> Stage:
    if stage_id is None:
        first = session.scalars(
            select(Stage)
            .where(Stage.pipeline_id == pipeline_id, Stage.kind == "open", Stage.archived.is_(False))
            .order_by(Stage.position)
        ).first()
        if first is None:
            raise ValidationFailed(NO_OPEN_STAGE, id=pipeline_id)
        return first
    stage = session.get(Stage, stage_id)
    if stage is None or stage.pipeline_id != pipeline_id or stage.archived:
        raise ValidationFailed(STAGE_ELSEWHERE, field="stage_id", id=stage_id)
    return stage


def append_history(
    session: Session,
    actor: Actor,
    deal: Deal,
    from_stage: int | None,
    stage: Stage,
    reason: str | None,
    kind: str = "move",
    *,
    occurred_at: datetime | None = None,
) -> None:
    session.add(
        DealHistory(
            deal_id=deal.id,
            at=utcnow(),  # the server's time, whatever the client says
            actor_id=actor.id,
            actor_name=actor.name[:200],
            from_stage_id=from_stage,
            to_stage_id=stage.id,
            owner_id=deal.owner_id,
            amount=deal.amount,
            probability=deal.probability if deal.probability is not None else stage.probability,
            reason=reason,
            kind=kind,
            occurred_at=occurred_at,
        )
    )


def create_deal(session: Session, actor: Actor, data: DealIn, shop: Shop) -> Deal:
    require(actor, "sales:write")
    pipeline = get_pipeline(session, actor, data.pipeline_id)
    stage = _stage(session, pipeline.id, data.stage_id)
    owner = owner_for(session, actor, data.owner_id)
    customer_id = None
    if data.customer_id is not None:
        customer_id = customers.get_customer(session, actor, data.customer_id).id
    elif data.customer is not None:
        prepared = customers.prepare(data.customer, shop=shop)
        if prepared.owner_id is None:
            prepared.owner_id = owner  # a new card is the deal owner's
        customer_id = customers.resolve(session, actor, prepared).customer_id
    company_id = get_company(session, actor, data.company_id).id if data.company_id is not None else None
    if customer_id is None and company_id is None:
        raise ValidationFailed(DEAL_NEEDS_PARTY, field="customer")
    deal = Deal(
        pipeline_id=pipeline.id,
        stage_id=stage.id,
        status=stage.kind,
        title=" ".join(data.title.split()),
        customer_id=customer_id,
        company_id=company_id,
        amount=data.amount,
        probability=data.probability,
        expected_close=data.expected_close,
        owner_id=owner,
        source=data.source,
        utm_source=data.utm_source,
        utm_medium=data.utm_medium,
        utm_campaign=data.utm_campaign,
        closed_at=utcnow() if stage.kind != "open" else None,
    )
    if stage.kind == "lost":
        raise ValidationFailed(LOST_REASON_NEEDED, field="stage_id")
    return insert_deal(session, actor, deal, stage)


def insert_deal(session: Session, actor: Actor, deal: Deal, stage: Stage) -> Deal:
    """Store a new deal (checked by the caller) with its first history entry and its audit record."""
    session.add(deal)
    session.flush()
    append_history(session, actor, deal, None, stage, None, "create")
    record(session, actor, "deal.create", "deal", deal.id, None, {"title": deal.title, "amount": str(deal.amount)})
    return deal


def get_deal(session: Session, actor: Actor, deal_id: int) -> Deal:
    require(actor, "sales:read")
    deal = session.get(Deal, deal_id)
    if deal is None or deal.deleted_at is not None or not sees(actor, deal.owner_id):
        raise NotFound(DEAL_NOT_FOUND, id=deal_id)
    return deal


def _allowed(actor: Actor, roles: list[str] | None, refusal: Code) -> None:
    """The pipeline's rule for closing or reopening deals: administrators always, the rest when their role is listed
    (API keys as "integration"), everyone when nothing is listed."""
    role = "integration" if actor.type == "api_key" else actor.role
    if roles is not None and role != "admin" and actor.type != "system" and role not in roles:
        raise Forbidden(refusal)


def move_deal(session: Session, actor: Actor, deal_id: int, data: MoveIn) -> Deal:
    """To another live stage of its pipeline (won, lost with its reason, or back open: a reopening), appended to
    its history."""
    require(actor, "sales:write")
    deal = get_deal(session, actor, deal_id)
    stage = _stage(session, deal.pipeline_id, data.stage_id)
    reason = " ".join((data.lost_reason or "").split()) or None
    if stage.kind == "lost" and reason is None:
        raise ValidationFailed(LOST_REASON_NEEDED, field="lost_reason")
    if stage.kind == "lost" and reason is not None:
        reason = checked_reason(session, reason)
    if stage.id == deal.stage_id:
        return deal
    if deal.status != "open" or stage.kind != "open":  # the pipeline's rules, read only when they apply
        pipeline = session.get_one(Pipeline, deal.pipeline_id)
        if deal.status != "open":
            _allowed(actor, pipeline.reopen_roles, REOPEN_FORBIDDEN)
        if stage.kind != "open":
            _allowed(actor, pipeline.close_roles, CLOSE_FORBIDDEN)
    before = {"stage_id": deal.stage_id, "status": deal.status}
    from_stage = deal.stage_id
    deal.stage_id, deal.status = stage.id, stage.kind
    deal.lost_reason = reason if stage.kind == "lost" else None
    deal.closed_at = utcnow() if stage.kind != "open" else None
    session.flush()
    append_history(session, actor, deal, from_stage, stage, reason)
    record(session, actor, "deal.move", "deal", deal.id, before, {"stage_id": stage.id, "status": stage.kind})
    return deal


def deal_history(session: Session, actor: Actor, deal_id: int) -> list[DealHistory]:
    deal = get_deal(session, actor, deal_id)
    return list(session.scalars(select(DealHistory).where(DealHistory.deal_id == deal.id).order_by(DealHistory.id)))


def list_deals(
    session: Session,
    actor: Actor,
    *,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    company_id: int | None = None,
    source: str | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Deal], str | None]:
    """A page of the deals the actor sees, newest first, by pipeline, stage, status, owner, source, amount range and
    a part of the title."""
    require(actor, "sales:read")
    stmt = select(Deal).where(Deal.deleted_at.is_(None))
    stmt = stmt.where(visible(actor, Deal.owner_id))
    equal: list[tuple[Any, object]] = [
        (Deal.pipeline_id, pipeline_id),
        (Deal.stage_id, stage_id),
        (Deal.status, status),
        (Deal.owner_id, owner_id),
        (Deal.company_id, company_id),
        (Deal.source, source),
    ]
    for column, value in equal:
        if value is not None:
            stmt = stmt.where(column == value)
    if amount_min is not None:
        stmt = stmt.where(Deal.amount >= amount_min)
    if amount_max is not None:
        stmt = stmt.where(Deal.amount <= amount_max)
    if q and (words := q.replace("%", "").replace("_", "").strip()):
        stmt = stmt.where(Deal.title.ilike(f"%{words}%"))
    if cursor:
        (after,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(Deal.id < after)
    rows = list(session.scalars(stmt.order_by(Deal.id.desc()).limit(limit + 1)))
    return rows[:limit], encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
