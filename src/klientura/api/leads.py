"""Requests (leads) over HTTP: submitted and routed by the repeat-request rule, listed, converted, closed, assigned."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

import anyio
from fastapi import Query, Request, Response

from klientura import sales
from klientura.api import idempotency
from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.deps import ActorDep, SessionDep, ShopDep, in_one_thread, new_router
from klientura.kit.bounds import Cursor, Id
from klientura.sales import ConvertIn, DealRead, LeadAssign, LeadClose, LeadIn, LeadOutcome, LeadPage, LeadRead

router = new_router(read="sales:read", write="sales:write", prefix="/leads", tags=["leads"])


@router.post(
    "",
    status_code=201,
    response_model=LeadOutcome,
    summary="A request on the person's card, routed: a new lead, joined, attached to an open deal, or a repeat deal",
    openapi_extra={"x-checked-in-handler": True},
)
async def submit(data: LeadIn, request: Request) -> Response:
    """Never a second card and never a second open deal or lead for the person: a request from someone with an open
    deal is attached to it (its owner gets a task to answer), from someone whose deal was won within
    KLIENTURA_SALES_REPEAT_DAYS it opens a repeat deal for that deal's owner, from someone with an open lead it
    joins that lead. Honours Idempotency-Key (a form re-sent is one request)."""
    settings = request.app.state.settings
    shop = request.app.state.shop
    # an integration's everyday request on PostgreSQL was answered before the routing (klientura.api.lane)

    def work(session: Session, actor: Actor) -> Response:
        require(actor, "sales:write")

        def action() -> tuple[int, LeadOutcome]:
            return 201, sales.submit_request(session, actor, data, shop, repeat_days=settings.sales_repeat_days,
                                        roster=sales.roster_of(settings))  # fmt: skip

        return idempotency.run(request, session, actor, data, action)

    return await anyio.to_thread.run_sync(partial(in_one_thread, request, work))


@router.get("", response_model=LeadPage, summary="Leads you see, newest first (cursor pagination)")
def list_all(
    session: SessionDep,
    actor: ActorDep,
    status: Literal["open", "converted", "closed", "attached"] | None = None,
    owner_id: Id | None = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    customer_id: Id | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LeadPage:
    rows, nxt = sales.list_leads(
        session,
        actor,
        status=status,
        owner_id=owner_id,
        channel=channel,
        customer_id=customer_id,
        cursor=cursor,
        limit=limit,
    )
    return LeadPage(items=[LeadRead.model_validate(x) for x in rows], next_cursor=nxt)


@router.get("/{lead_id}", response_model=LeadRead)
def get(lead_id: Id, session: SessionDep, actor: ActorDep) -> LeadRead:
    return LeadRead.model_validate(sales.get_lead(session, actor, lead_id))


@router.post("/{lead_id}/convert", status_code=201, response_model=DealRead, summary="Qualify into a deal")
def convert(lead_id: Id, data: ConvertIn, session: SessionDep, actor: ActorDep, shop: ShopDep) -> DealRead:
    return sales.deal_read(session, sales.convert_lead(session, actor, lead_id, data, shop))


@router.post("/{lead_id}/close", response_model=LeadRead, summary="Close with a reason: junk, duplicate, no need")
def close(lead_id: Id, data: LeadClose, session: SessionDep, actor: ActorDep) -> LeadRead:
    return LeadRead.model_validate(sales.close_lead(session, actor, lead_id, data))


@router.post("/{lead_id}/assign", response_model=LeadRead, summary="Hand to a manager (heads: within their team)")
def assign(lead_id: Id, data: LeadAssign, session: SessionDep, actor: ActorDep) -> LeadRead:
    return LeadRead.model_validate(sales.assign_lead(session, actor, lead_id, data.owner_id))


@router.delete(
    "/{lead_id}",
    status_code=204,
    summary="Soft delete (administrators; audited)",
    openapi_extra={"x-permission": "users:admin"},
)
def delete(lead_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    sales.delete_lead(session, actor, lead_id)
    return Response(status_code=204)
