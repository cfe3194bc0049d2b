"""The loyalty processing API (calculate, confirm, cancel, refund) and the accounts behind it."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from klientura import asyncdb
from klientura.api import idempotency
from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.deps import ActorDep, SessionDep, ShopDep, cached_actor, get_shop, in_one_thread, new_router
from klientura.kit.bounds import Code, Id, Identifier, JsonBody, Name
from klientura.kit.errors import BETWEEN, ValidationFailed
from klientura.loyalty import (
    AdjustIn,
    Calculation,
    Cart,
    Confirmation,
    ConfirmIn,
    IdempotencyKey,
    Operation,
    Programme,
    SimulationIn,
    TillFallback,
    account_view,
    adjust_points,
    as_dict,
    calculate,
    cancel,
    confirm,
    daily_effectiveness,
    load_programme,
    refund,
    run_check,
    save_programme,
    search_operations,
    simulate,
    till_calculate,
    till_confirm,
)
from klientura.orders import ReturnIn

router = new_router(read="loyalty:read", write="loyalty:write", prefix="/loyalty", tags=["loyalty"])


def _fast(request: Request) -> tuple[Any, Actor] | None:
    """The pool and the actor for the till's fast path (PostgreSQL, served, an API key this process knows)."""
    pool = request.app.state.pg_pool
    actor = cached_actor(request) if pool is not None else None
    return (pool, actor) if actor is not None else None


@router.post(
    "/calculate",
    response_model=Calculation,
    summary="Price a cart with points: nothing is written",
    openapi_extra={"x-permission": "loyalty:process", "x-checked-in-handler": True},
)
async def calculate_cart(data: Cart, request: Request, shop: ShopDep) -> Calculation:
    if fast := _fast(request):
        try:
            async with asyncdb.connection(fast[0]) as conn:
                return await till_calculate(
                    conn, fast[1], data, get_shop(request).now(), shop=get_shop(request), memos=request.app.state.memos
                )
        except (TillFallback, asyncdb.Duplicate):
            pass

    def work(session: Session, actor: Actor) -> Calculation:
        shop = get_shop(request)
        return calculate(session, actor, load_programme(session), data, shop.now(), region=shop.region)

    return await anyio.to_thread.run_sync(partial(in_one_thread, request, work))


@router.post(
    "/confirm",
    status_code=201,
    response_model=Confirmation,
    summary="Record the order, spend and earn its points (idempotent by external id and Idempotency-Key)",
    openapi_extra={"x-permission": "loyalty:process", "x-checked-in-handler": True},
)
async def confirm_order(data: ConfirmIn, request: Request) -> Response:
    if fast := _fast(request):
        given = idempotency.key_of(request, data)
        key = IdempotencyKey(given[0], given[1], jsonable_encoder) if given else None
        try:
            async with asyncdb.connection(fast[0]) as conn:
                result = await till_confirm(
                    conn, fast[1], data, key, shop=get_shop(request), memos=request.app.state.memos
                )
            return JSONResponse(jsonable_encoder(result), status_code=201)
        except (TillFallback, asyncdb.Duplicate):
            pass

    def work(session: Session, actor: Actor) -> Response:
        require(actor, "loyalty:process")

        def action() -> tuple[int, Confirmation]:
            result = confirm(session, actor, load_programme(session), data, shop=get_shop(request))
            return (200 if result.repeated else 201), result

        return idempotency.run(request, session, actor, data, action)

    return await anyio.to_thread.run_sync(partial(in_one_thread, request, work))


@router.post(
    "/orders/{source}/{external_id}/cancel",
    summary="Undo an order: earned points back, spent points returned",
    openapi_extra={"x-permission": "loyalty:process", "x-checked-in-handler": True},
)
async def cancel_order(source: Code, external_id: Identifier, request: Request) -> Response:
    def work(session: Session, actor: Actor) -> Response:
        def action() -> tuple[int, dict[str, int]]:
            taken, given = cancel(session, actor, source, external_id, get_shop(request).now())
            return 200, {"points_taken_back": taken, "points_given_back": given}

        return idempotency.run(request, session, actor, {"cancel": [source, external_id]}, action)

    return await anyio.to_thread.run_sync(partial(in_one_thread, request, work))


@router.post(
    "/orders/{source}/{external_id}/refund",
    summary="A return of the whole order or of lines; points follow the money",
    openapi_extra={"x-permission": "loyalty:process", "x-checked-in-handler": True},
)
async def refund_order(source: Code, external_id: Identifier, data: ReturnIn, request: Request) -> Response:
    def work(session: Session, actor: Actor) -> Response:
        def action() -> tuple[int, dict[str, int]]:
            taken, given = refund(session, actor, source, external_id, data)
            return 200, {"points_taken_back": taken, "points_given_back": given}

        return idempotency.run(request, session, actor, data, action)

    return await anyio.to_thread.run_sync(partial(in_one_thread, request, work))


@router.get("/accounts/{customer_id}", summary="A customer's balance and every lot with what consumed it")
def account(customer_id: Id, session: SessionDep, actor: ActorDep, shop: ShopDep) -> dict[str, Any]:
    return account_view(session, actor, customer_id, shop.now())


@router.post("/accounts/{customer_id}/adjust", status_code=201, summary="A manual correction with a reason")
def adjust(customer_id: Id, data: AdjustIn, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    def action() -> tuple[int, dict[str, int]]:
        return 201, {"entry_id": adjust_points(session, actor, customer_id, data, get_shop(request).now())}

    return idempotency.run(request, session, actor, data, action)


@router.get("/programme", response_model=Programme, summary="The programme's rules")
def get_programme(session: SessionDep, actor: ActorDep) -> Programme:
    require(actor, "loyalty:read")
    return load_programme(session)


@router.put("/programme", response_model=Programme, summary="Change the programme's rules (audited)")
def put_programme(data: JsonBody, session: SessionDep, actor: ActorDep) -> Programme:
    saved = save_programme(session, actor, data)
    return saved


@router.get("/check", summary="Prove balance == ledger for every account; the breaks found")
def check_ledger(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    report = run_check(session, actor)
    return {
        "accounts": report.accounts,
        "entries": report.entries,
        "ok": report.ok,
        "breaks": [b.__dict__ for b in report.breaks],
    }


@router.get(
    "/effectiveness",
    summary="Points flows, liability and breakage, members vs non-members, matched effect, ROI",
    openapi_extra={"x-permission": "analytics:read"},
)
def get_effectiveness(
    session: SessionDep, actor: ActorDep, shop: ShopDep, margin_rate: Annotated[float, Query(gt=0, le=1)] = 0.35
) -> dict[str, Any]:
    return as_dict(daily_effectiveness(session, actor, shop.today(), margin_rate))


@router.post(
    "/simulate",
    summary="Replay a year of orders under the discounts given and under a bonus programme",
    openapi_extra={"x-permission": "analytics:read"},
)
def simulate_switch(data: SimulationIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return simulate(session, actor, load_programme(session), data).as_dict()


@router.get("/operations", response_model=list[Operation], summary="Ledger entries, newest first, filtered")
def operations(
    session: SessionDep,
    actor: ActorDep,
    customer_id: Id | None = None,
    order: Identifier | None = None,
    kind: Code | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    author: Name | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[Operation]:
    if not 1 <= limit <= 1000:
        raise ValidationFailed(BETWEEN, field="limit", low=1, high=1000)
    return search_operations(
        session,
        actor,
        customer_id=customer_id,
        order=order,
        kind=kind,
        since=since,
        until=until,
        author=author,
        limit=limit,
    )
