from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError

from klientura import orders
from klientura.api import idempotency
from klientura.api.schemas import BulkOrdersIn
from klientura.auth import require
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, new_router
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.orders import OrderIn, OrderRead, OrderResult, ReturnIn, ReturnRead

router = new_router(read="orders:read", write="orders:write", prefix="/orders", tags=["orders"])


@router.post("", status_code=201, response_model=OrderResult, summary="Record a receipt (idempotent by external id)")
def create_order(
    data: OrderIn, request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep, shop: ShopDep
) -> Response:
    """The same ``(source, external_id)`` twice records one order; the repeat answers 200 with the first."""
    require(actor, "orders:write")

    def action() -> tuple[int, OrderResult]:
        result = orders.ingest_order(session, actor, data, shop=shop)
        return (201 if result.created else 200), result

    return idempotency.run(request, session, actor, data, action)


@router.post("/bulk", summary="Up to 1,000 receipts; each gets its own result or error")
def create_orders_bulk(
    data: BulkOrdersIn, request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep, shop: ShopDep
) -> Response:
    require(actor, "orders:write")

    def action() -> tuple[int, dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for i, raw in enumerate(data.orders):
            try:
                order = OrderIn.model_validate(raw)
                with session.begin_nested():
                    res = orders.ingest_order(session, actor, order, shop=shop)
                results.append(
                    {
                        "index": i,
                        "status": "created" if res.created else "exists",
                        "order_id": res.order.id,
                        "external_id": res.order.external_id,
                    }
                )
            except ValidationError as exc:
                results.append(
                    {
                        "index": i,
                        "status": "rejected",
                        "detail": "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()),
                    }
                )
            except KlienturaError as exc:
                results.append({"index": i, "status": "rejected", "detail": exc.detail})
        counts = {s: sum(1 for r in results if r["status"] == s) for s in ("created", "exists", "rejected")}
        return 200, {"results": results, **counts}

    return idempotency.run(request, session, actor, data, action)


@router.get("/{order_id}", response_model=OrderRead)
def get_order(order_id: Id, session: SessionDep, actor: ActorDep) -> OrderRead:
    return OrderRead.model_validate(orders.get_order(session, actor, order_id))


@router.post(
    "/{order_id}/returns", status_code=201, response_model=ReturnRead, summary="Return a whole order or some lines"
)
def create_return(order_id: Id, data: ReturnIn, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    def action() -> tuple[int, ReturnRead]:
        return 201, ReturnRead.model_validate(orders.create_return(session, actor, order_id, data))

    return idempotency.run(request, session, actor, data, action)
