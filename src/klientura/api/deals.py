"""Deals over HTTP: created, listed, moved between stages, their append-only history."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

import anyio
from fastapi import Query, Request, Response

from klientura import sales
from klientura.audit import Actor
from klientura.db import Session
from klientura.deps import ActorDep, SessionDep, ShopDep, in_one_thread, new_router
from klientura.kit.bounds import Amount, Cursor, Id, Name
from klientura.sales import DealIn, DealPage, DealRead, DealUpdate, HistoryRead, MoveIn, OrderLink

router = new_router(read="sales:read", write="sales:write", prefix="/deals", tags=["deals"])


@router.post(
    "", status_code=201, response_model=DealRead, summary="A deal: a customer (or identities) and/or a company"
)
def create(data: DealIn, session: SessionDep, actor: ActorDep, shop: ShopDep) -> DealRead:
    return sales.deal_read(session, sales.create_deal(session, actor, data, shop))


@router.get("", response_model=DealPage, summary="Deals you see, newest first (cursor pagination)")
def list_all(
    session: SessionDep,
    actor: ActorDep,
    pipeline_id: Id | None = None,
    stage_id: Id | None = None,
    status: Literal["open", "won", "lost"] | None = None,
    owner_id: Id | None = None,
    company_id: Id | None = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    amount_min: Amount | None = None,
    amount_max: Amount | None = None,
    q: Name | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DealPage:
    rows, nxt = sales.list_deals(
        session,
        actor,
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        status=status,
        owner_id=owner_id,
        company_id=company_id,
        source=source,
        amount_min=amount_min,
        amount_max=amount_max,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return DealPage(items=sales.deal_reads(session, rows), next_cursor=nxt)


@router.get("/{deal_id}", response_model=DealRead)
def get(deal_id: Id, session: SessionDep, actor: ActorDep) -> DealRead:
    return sales.deal_read(session, sales.get_deal(session, actor, deal_id))


@router.post(
    "/{deal_id}/move",
    response_model=DealRead,
    summary="To another stage (lost needs its reason)",
    openapi_extra={"x-permission": "sales:write", "x-checked-in-handler": True},
)
async def move(deal_id: Id, data: MoveIn, request: Request) -> DealRead:
    # an integration's everyday move on PostgreSQL was answered before the routing (klientura.api.lane)

    def work(session: Session, actor: Actor) -> DealRead:
        return sales.deal_read(session, sales.move_deal(session, actor, deal_id, data))

    return await anyio.to_thread.run_sync(partial(in_one_thread, request, work))


@router.get("/{deal_id}/history", response_model=list[HistoryRead], summary="Every move, append-only")
def history(deal_id: Id, session: SessionDep, actor: ActorDep) -> list[HistoryRead]:
    return [HistoryRead.model_validate(h) for h in sales.deal_history(session, actor, deal_id)]


@router.patch(
    "/{deal_id}",
    response_model=DealRead,
    summary="Title, amount, expected close, probability override, owner (each change of the last three in history)",
)
def update(deal_id: Id, data: DealUpdate, session: SessionDep, actor: ActorDep) -> DealRead:
    return sales.deal_read(session, sales.update_deal(session, actor, deal_id, data))


@router.delete(
    "/{deal_id}",
    status_code=204,
    summary="Soft delete (administrators; audited, the history stays)",
    openapi_extra={"x-permission": "users:admin"},
)
def delete(deal_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    sales.delete_deal(session, actor, deal_id)
    return Response(status_code=204)


@router.post("/{deal_id}/orders", response_model=DealRead, summary="Link an order that pays for the deal")
def link(deal_id: Id, data: OrderLink, session: SessionDep, actor: ActorDep) -> DealRead:
    return sales.deal_read(session, sales.link_order(session, actor, deal_id, data.order_id))


@router.delete("/{deal_id}/orders/{order_id}", response_model=DealRead, summary="Unlink an order")
def unlink(deal_id: Id, order_id: Id, session: SessionDep, actor: ActorDep) -> DealRead:
    return sales.deal_read(session, sales.unlink_order(session, actor, deal_id, order_id))
