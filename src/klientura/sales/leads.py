"""Requests (leads) and the repeat-request rule: a request always lands on the person's one card; from someone with
an open deal it is attached to that deal, from someone whose deal was won lately it opens a repeat deal for the same
owner, from someone with an open lead it joins that lead; otherwise it is a new lead. Whoever owns what it reached
gets a task to answer it. Never a second card, never a second open deal or lead for one person's one need."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, or_, select

from klientura import auth, customers
from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.db import Session, utcnow
from klientura.kit.errors import Conflict, ValidationFailed
from klientura.kit.pagination import decode_cursor, encode_cursor
from klientura.kit.shop import Shop
from klientura.sales.companies import companies_of, get_company
from klientura.sales.deals import create_deal, insert_deal, open_stage
from klientura.sales.errors import LEAD_NEEDS_PERSON, LEAD_NOT_OPEN, OWNER_FORBIDDEN
from klientura.sales.lead_access import get_lead
from klientura.sales.models import Deal, Lead
from klientura.sales.owners import owner_for
from klientura.sales.routing import Roster, route
from klientura.sales.schemas import ConvertIn, DealIn, LeadClose, LeadIn, LeadOutcome
from klientura.sales.tasks import follow_up


def submit_request(
    session: Session, actor: Actor, data: LeadIn, shop: Shop, *, repeat_days: int, roster: Roster | None = None
) -> LeadOutcome:
    """Route one request by the repeat-request rule; what it became, with the ids. A new person's request, nobody's
    by that rule, goes to a manager on duty by the routing rule when ``roster`` (the shop's working time) is given."""
    require(actor, "sales:write")
    if data.customer_id is not None:
        customer_id, created = customers.get_customer(session, actor, data.customer_id).id, False
    elif data.customer is not None:
        found = customers.resolve(
            session, actor, customers.prepare(data.customer, shop=shop, source=data.channel), source=data.channel
        )
        customer_id, created = found.customer_id, found.created
    else:
        raise ValidationFailed(LEAD_NEEDS_PERSON, field="customer")
    company_id = get_company(session, actor, data.company_id).id if data.company_id is not None else None
    customers.lock_card(session, customer_id)  # two requests from one person take turns deciding
    lead = Lead(
        customer_id=customer_id,
        company_id=company_id,
        channel=data.channel,
        text=data.text,
        source=data.source or data.channel,
        utm_source=data.utm_source,
        utm_medium=data.utm_medium,
        utm_campaign=data.utm_campaign,
    )
    now = shop.now()  # the shop's clock: a request landed by a backfill or a replay keeps its own time
    lead.created_at = now
    if (deal := _open_deal(session, customer_id)) is not None:
        lead.status, lead.outcome, lead.deal_id, lead.owner_id = "attached", "attached", deal.id, deal.owner_id
        lead.closed_at = now
    elif (won := _recently_won(session, customer_id, now - timedelta(days=repeat_days))) is not None:
        deal = _repeat_deal(session, actor, won, lead)
        lead.status, lead.outcome, lead.deal_id, lead.owner_id = "attached", "repeat", deal.id, deal.owner_id
        lead.closed_at = now
    elif (parent := _open_lead(session, customer_id)) is not None:
        lead.status, lead.outcome, lead.parent_id, lead.owner_id = "attached", "joined", parent.id, parent.owner_id
        lead.closed_at = now
    else:
        card_owner = customers.owner_of(session, customer_id)
        lead.owner_id = card_owner if card_owner is not None else owner_for(session, actor, None)
        if (
            lead.owner_id is None
            and roster is not None
            and (routed := route(session, roster, lead.source or data.channel, shop.now()))
        ):
            # a new person: the manager on duty whose turn it is takes the request and the card (to see whom
            # they answer), as a head handing it over would
            lead.owner_id = routed
            router = Actor(type="system", id=None, name="routing", role="admin", scopes=frozenset({"*"}))
            customers.update_customer(session, router, customer_id, customers.CustomerUpdate(owner_id=routed))
    session.add(lead)
    session.flush()
    task_id = None
    if lead.owner_id is not None and auth.get_user(session, lead.owner_id) is not None:
        task = follow_up(session, actor, lead, deal_id=lead.deal_id, due=now)
        task_id = task.id
    record(session, actor, "lead.create", "lead", lead.id, None, {"outcome": lead.outcome, "deal_id": lead.deal_id})
    return LeadOutcome(
        outcome=lead.outcome,
        lead_id=lead.id,
        parent_lead_id=lead.parent_id,
        deal_id=lead.deal_id,
        customer_id=customer_id,
        customer_created=created,
        owner_id=lead.owner_id,
        task_id=task_id,
    )


def _open_deal(session: Session, customer_id: int) -> Deal | None:
    """The person's open deal: their own first, else one of a company they are a contact of; the latest."""
    mine = Deal.customer_id == customer_id
    theirs = Deal.company_id.in_(companies_of(session, customer_id))
    return session.scalars(
        select(Deal)
        .where(or_(mine, theirs), Deal.status == "open", Deal.deleted_at.is_(None))
        .order_by(case((mine, 1), else_=0).desc(), Deal.updated_at.desc(), Deal.id.desc())  # NULL is no match
        .limit(1)
    ).first()


def _recently_won(session: Session, customer_id: int, since: object) -> Deal | None:
    return session.scalars(
        select(Deal)
        .where(
            Deal.customer_id == customer_id,
            Deal.status == "won",
            Deal.deleted_at.is_(None),
            Deal.closed_at >= since,
        )
        .order_by(Deal.closed_at.desc(), Deal.id.desc())
        .limit(1)
    ).first()


def _open_lead(session: Session, customer_id: int) -> Lead | None:
    return session.scalars(
        select(Lead)
        .where(Lead.customer_id == customer_id, Lead.status == "open", Lead.deleted_at.is_(None))
        .order_by(Lead.id.desc())
        .limit(1)
    ).first()


def _repeat_deal(session: Session, actor: Actor, won: Deal, lead: Lead) -> Deal:
    """A new deal for the owner of the person's recently won one (whoever sent the request), in its pipeline's
    first open stage."""
    stage = open_stage(session, won.pipeline_id)
    owner = won.owner_id if won.owner_id is not None and auth.get_user(session, won.owner_id) else None
    deal = Deal(
        pipeline_id=won.pipeline_id,
        stage_id=stage.id,
        status=stage.kind,
        title=won.title,
        customer_id=won.customer_id,
        company_id=won.company_id,
        owner_id=owner,
        source=lead.source,
        utm_source=lead.utm_source,
        utm_medium=lead.utm_medium,
        utm_campaign=lead.utm_campaign,
        repeat_of_id=won.id,
    )
    return insert_deal(session, actor, deal, stage)


def _open(session: Session, actor: Actor, lead_id: int) -> Lead:
    require(actor, "sales:write")
    lead = get_lead(session, actor, lead_id)
    if lead.status != "open":
        raise Conflict(LEAD_NOT_OPEN, id=lead.id, status=lead.status)
    return lead


def convert_lead(session: Session, actor: Actor, lead_id: int, data: ConvertIn, shop: Shop) -> Deal:
    """Qualify an open lead into a deal on its card (its source and UTM carried over)."""
    lead = _open(session, actor, lead_id)
    deal = create_deal(
        session,
        actor,
        DealIn(
            pipeline_id=data.pipeline_id,
            stage_id=data.stage_id,
            title=data.title or (lead.text or "").strip()[:300] or f"#{lead.id}",
            amount=data.amount,
            customer_id=lead.customer_id,
            company_id=data.company_id if data.company_id is not None else lead.company_id,
            owner_id=data.owner_id if data.owner_id is not None else lead.owner_id,
            expected_close=data.expected_close,
            source=lead.source,
            utm_source=lead.utm_source,
            utm_medium=lead.utm_medium,
            utm_campaign=lead.utm_campaign,
        ),
        shop,
    )
    lead.status, lead.deal_id, lead.closed_at = "converted", deal.id, utcnow()
    session.flush()
    record(session, actor, "lead.convert", "lead", lead.id, {"status": "open"}, {"deal_id": deal.id})
    return deal


def close_lead(session: Session, actor: Actor, lead_id: int, data: LeadClose) -> Lead:
    """Close an open lead with its reason (junk, a duplicate, no need, other)."""
    lead = _open(session, actor, lead_id)
    lead.status, lead.close_reason, lead.closed_at = "closed", data.reason, utcnow()
    lead.close_note = " ".join((data.note or "").split()) or None
    session.flush()
    record(session, actor, "lead.close", "lead", lead.id, {"status": "open"}, {"reason": data.reason})
    return lead


def assign_lead(session: Session, actor: Actor, lead_id: int, owner_id: int) -> Lead:
    """Hand a lead to a manager: a head within their team, an administrator or marketer to anyone."""
    lead = get_lead(session, actor, lead_id)
    require(actor, "sales:write")
    scope = owner_scope(actor)
    if scope is not None and actor.role != "head":
        raise ValidationFailed(OWNER_FORBIDDEN, field="owner_id")
    before = lead.owner_id
    lead.owner_id = owner_for(session, actor, owner_id)
    session.flush()
    record(session, actor, "lead.assign", "lead", lead.id, {"owner_id": before}, {"owner_id": lead.owner_id})
    return lead


def list_leads(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    owner_id: int | None = None,
    channel: str | None = None,
    customer_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Lead], str | None]:
    require(actor, "sales:read")
    stmt = select(Lead).where(Lead.deleted_at.is_(None))
    if (scope := owner_scope(actor)) is not None:
        mine = Lead.owner_id.in_(sorted(scope))
        stmt = stmt.where(or_(mine, Lead.owner_id.is_(None)) if actor.role == "head" else mine)
    for column, value in (
        (Lead.status, status),
        (Lead.owner_id, owner_id),
        (Lead.channel, channel),
        (Lead.customer_id, customer_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if cursor:
        (after,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(Lead.id < after)
    rows = list(session.scalars(stmt.order_by(Lead.id.desc()).limit(limit + 1)))
    return rows[:limit], encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
