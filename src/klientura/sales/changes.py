"""Changes to a deal besides its moves, each kept where a head of sales looks for it: a reassignment, an override of
the probability and a new amount are entries in the append-only history (with the reason given); linking the orders
that pay for a won deal; an administrator's soft delete, audited."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from klientura import orders
from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.db import Session, utcnow
from klientura.kit.errors import Conflict, ValidationFailed
from klientura.sales.companies import contacts_ids, get_company
from klientura.sales.deals import append_history, get_deal
from klientura.sales.errors import (
    DEAL_HANDOVER_FORBIDDEN,
    DEAL_LOST,
    ORDER_ELSEWHERE,
    ORDER_NOT_LINKED,
    ORDER_NOT_THEIRS,
)
from klientura.sales.lead_access import get_lead
from klientura.sales.models import Deal, DealOrder, Stage
from klientura.sales.owners import owner_for
from klientura.sales.schemas import DealRead, DealUpdate


def update_deal(session: Session, actor: Actor, deal_id: int, data: DealUpdate) -> Deal:
    require(actor, "sales:write")
    deal = get_deal(session, actor, deal_id)
    changes = data.model_dump(exclude_unset=True)
    reason = " ".join((changes.pop("reason", None) or "").split()) or None
    stage = session.get_one(Stage, deal.stage_id)
    before = {"owner_id": deal.owner_id, "amount": str(deal.amount), "probability": deal.probability}
    if "owner_id" in changes and changes["owner_id"] != deal.owner_id:
        if changes["owner_id"] is None:
            raise ValidationFailed(DEAL_HANDOVER_FORBIDDEN, field="owner_id")
        scope = owner_scope(actor)
        if scope is not None and actor.role != "head":
            raise ValidationFailed(DEAL_HANDOVER_FORBIDDEN, field="owner_id")
        deal.owner_id = owner_for(session, actor, changes["owner_id"])
        append_history(session, actor, deal, deal.stage_id, stage, reason, "reassign")
    if "probability" in changes and changes["probability"] != deal.probability:
        deal.probability = changes["probability"]
        append_history(session, actor, deal, deal.stage_id, stage, reason, "probability")
    if changes.get("amount") is not None and changes["amount"] != deal.amount:
        deal.amount = changes["amount"]
        append_history(session, actor, deal, deal.stage_id, stage, reason, "amount")
    if changes.get("title"):
        deal.title = " ".join(changes["title"].split())
    if "expected_close" in changes:
        deal.expected_close = changes["expected_close"]
    session.flush()
    after = {"owner_id": deal.owner_id, "amount": str(deal.amount), "probability": deal.probability}
    record(session, actor, "deal.update", "deal", deal.id, before, {**after, "title": deal.title, "reason": reason})
    return deal


def delete_deal(session: Session, actor: Actor, deal_id: int) -> None:
    """Soft: the deal leaves every list and page, its history and audit stay; administrators only."""
    require(actor, "users:admin")
    deal = get_deal(session, actor, deal_id)
    deal.deleted_at = utcnow()
    session.flush()
    record(session, actor, "deal.delete", "deal", deal.id, {"title": deal.title, "amount": str(deal.amount)}, None)


def delete_lead(session: Session, actor: Actor, lead_id: int) -> None:
    require(actor, "users:admin")
    lead = get_lead(session, actor, lead_id)
    lead.deleted_at = utcnow()
    session.flush()
    record(session, actor, "lead.delete", "lead", lead.id, {"status": lead.status}, None)


def delete_company(session: Session, actor: Actor, company_id: int) -> None:
    """Soft; its INN stays taken (a new company with it is this one, restored by an administrator)."""
    require(actor, "users:admin")
    company = get_company(session, actor, company_id)
    company.deleted_at = utcnow()
    session.flush()
    record(session, actor, "company.delete", "company", company.id, {"name": company.name, "inn": company.inn}, None)


def link_order(session: Session, actor: Actor, deal_id: int, order_id: int) -> Deal:
    """Link an order of the deal's customer (or of a contact of its company) to the deal: its payment is the deal's
    revenue. An order pays for one deal only."""
    require(actor, "sales:write")
    deal = get_deal(session, actor, deal_id)
    if deal.status == "lost":
        raise Conflict(DEAL_LOST, id=deal.id)
    order = orders.get_order(session, actor, order_id)
    people = {deal.customer_id} | (set(contacts_ids(session, deal.company_id)) if deal.company_id else set())
    if order.customer_id is None or order.customer_id not in people:
        raise ValidationFailed(ORDER_NOT_THEIRS, field="order_id", id=order_id)
    linked = session.get(DealOrder, order.id)
    if linked is not None and linked.deal_id != deal.id:
        raise Conflict(ORDER_ELSEWHERE, id=order.id, deal=linked.deal_id)
    if linked is None:
        session.add(DealOrder(order_id=order.id, deal_id=deal.id, linked_by=actor.name[:200]))
        session.flush()
        record(session, actor, "deal.link_order", "deal", deal.id, None, {"order_id": order.id})
    return deal


def unlink_order(session: Session, actor: Actor, deal_id: int, order_id: int) -> Deal:
    require(actor, "sales:write")
    deal = get_deal(session, actor, deal_id)
    linked = session.get(DealOrder, order_id)
    if linked is None or linked.deal_id != deal.id:
        raise ValidationFailed(ORDER_NOT_LINKED, field="order_id", id=order_id)
    session.delete(linked)
    session.flush()
    record(session, actor, "deal.unlink_order", "deal", deal.id, {"order_id": order_id}, None)
    return deal


def deal_reads(session: Session, deals: list[Deal]) -> list[DealRead]:
    """The deals as read, with their linked orders and payment: a won deal is paid once a linked order is
    completed, awaiting payment till then."""
    links: dict[int, list[int]] = {}
    ids = [d.id for d in deals]
    if ids:
        for order_id, deal_id in session.execute(
            select(DealOrder.order_id, DealOrder.deal_id).where(DealOrder.deal_id.in_(ids))
        ):
            links.setdefault(deal_id, []).append(order_id)
    pays = orders.payments_of(session, [o for found in links.values() for o in found])
    out = []
    for deal in deals:
        read = DealRead.model_validate(deal)
        read.order_ids = sorted(links.get(deal.id, []))
        read.paid_amount = sum(
            (pays[o][2] for o in read.order_ids if o in pays and pays[o][1] == "completed"), Decimal(0)
        )
        if deal.status == "won":
            read.payment = "paid" if read.paid_amount > 0 else "awaiting"
        out.append(read)
    return out


def deal_read(session: Session, deal: Deal) -> DealRead:
    return deal_reads(session, [deal])[0]
