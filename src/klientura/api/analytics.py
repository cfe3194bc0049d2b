from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from klientura import analytics
from klientura.analytics import AnalyticsSettings, GroupRead
from klientura.auth import require
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, WarehouseDep, new_router
from klientura.kit.bounds import Code, JsonBody
from klientura.kit.errors import ValidationFailed

router = new_router(read="analytics:read", write="analytics:write", prefix="/analytics", tags=["analytics"])


@router.get("/settings", response_model=AnalyticsSettings, summary="The thresholds of every segment family")
def get_settings(session: SessionDep, actor: ActorDep) -> AnalyticsSettings:
    require(actor, "analytics:read")
    return analytics.load_settings(session)


@router.put("/settings", response_model=AnalyticsSettings, summary="Change the thresholds (used by the next recompute)")
def put_settings(data: JsonBody, session: SessionDep, actor: ActorDep) -> AnalyticsSettings:
    saved = analytics.save_settings(session, actor, data)
    return saved


@router.get(
    "/groups/{family}",
    response_model=list[GroupRead],
    summary="Customers and revenue per group of a family (temperature, lifecycle, rfm_segment, behaviour)",
)
def groups(family: Code, session: SessionDep, actor: ActorDep) -> list[GroupRead]:
    require(actor, "analytics:read")
    if family not in analytics.FAMILIES:
        raise ValidationFailed(analytics.UNKNOWN_FAMILY, value=family, allowed=", ".join(analytics.FAMILIES))
    return analytics.groups(session, family)


class GridCell(BaseModel):
    r: int
    f: int
    customers: int
    share: float
    revenue_share: float


class Move(BaseModel):
    source: str
    target: str
    customers: int


@router.get("/rfm-map", response_model=list[GridCell], summary="The R x F grid: customers and revenue share per cell")
def rfm_map(
    session: SessionDep,
    actor: ActorDep,
    wh: WarehouseDep,
    settings: SettingsDep,
    shop: ShopDep,
    as_of: date | None = None,
) -> list[GridCell]:
    require(actor, "analytics:read")
    day = as_of or shop.today()
    return [GridCell(**c) for c in analytics.rfm_grid(wh, analytics.load_settings(session), day)]


@router.get("/rfm-migration", response_model=list[Move], summary="Customers moving between RFM segments")
def rfm_migration(start: date, end: date, session: SessionDep, actor: ActorDep, wh: WarehouseDep) -> list[Move]:
    require(actor, "analytics:read")
    return [Move(**m) for m in analytics.rfm_migration(wh, analytics.load_settings(session), start, end)]
