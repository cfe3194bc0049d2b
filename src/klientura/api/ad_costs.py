"""Advertising spend over HTTP: a day's cost per source and campaign, entered or corrected; listed; removed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import Query, Response

from klientura import sales
from klientura.deps import ActorDep, SessionDep, ShopDep, new_router
from klientura.kit.bounds import Id, Name
from klientura.sales import AdCostIn, AdCostRead

router = new_router(read="analytics:read", write="analytics:write", prefix="/ad-costs", tags=["sales analytics"])


@router.put("", response_model=AdCostRead, summary="A day's spend of a source on a campaign (replaces that day's)")
def put_cost(data: AdCostIn, session: SessionDep, actor: ActorDep) -> AdCostRead:
    return AdCostRead.model_validate(sales.set_cost(session, actor, data))


@router.get("", response_model=list[AdCostRead], summary="The spend of a period, newest first")
def list_costs(
    session: SessionDep,
    actor: ActorDep,
    shop: ShopDep,
    date_from: date | None = None,
    date_to: date | None = None,
    source: Name | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[AdCostRead]:
    end = date_to or shop.today()
    start = date_from or end - timedelta(days=29)
    rows = sales.list_costs(session, actor, date_from=start, date_to=end, source=source, limit=limit)
    return [AdCostRead.model_validate(r) for r in rows]


@router.delete("/{cost_id}", status_code=204, summary="Remove a day's spend (audited)")
def delete_cost(cost_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    sales.delete_cost(session, actor, cost_id)
    return Response(status_code=204)
