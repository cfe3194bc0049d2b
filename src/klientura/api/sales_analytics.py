"""The sales analytics over HTTP: the funnel, the managers' figures, sources (and our campaigns beside them), signals,
the forecast, plans — computed in the warehouse."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query, Response
from pydantic import BaseModel

from klientura import analytics, campaigns, sales
from klientura.auth import can
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, WarehouseDep, new_router
from klientura.kit.bounds import Id, Name
from klientura.sales import PlanIn, PlanRead

router = new_router(read="analytics:read", write="analytics:write", prefix="/sales", tags=["sales analytics"])


class FunnelStage(BaseModel):
    stage_id: int
    name: str
    kind: str
    entered: int
    moved_on: int
    lost: int
    lost_reasons: dict[str, int]
    skipped: int
    returned: int
    here: int | None
    conversion: float | None
    median_hours: float | None
    p90_hours: float | None


class FunnelLink(BaseModel):
    source_id: int | None
    to_stage_id: int
    moves: int


class FunnelSummary(BaseModel):
    deals: int
    won: int
    lost: int
    open: int | None
    won_amount: float
    reopened: int
    conversion: float | None


class Funnel(FunnelSummary):
    mode: str
    pipeline_id: int
    date_from: date
    date_to: date
    stages: list[FunnelStage]
    links: list[FunnelLink]
    previous: FunnelSummary


def _period(shop: ShopDep, date_from: date | None, date_to: date | None) -> analytics.Period:
    end = date_to or shop.today()
    return analytics.Period(date_from or end - timedelta(days=29), end)


@router.get(
    "/funnel", response_model=Funnel, summary="The funnel of a pipeline: cohort or flow (see docs/sales-analytics.md)"
)
def funnel(
    pipeline_id: Id,
    actor: ActorDep,
    wh: WarehouseDep,
    shop: ShopDep,
    date_from: date | None = None,
    date_to: date | None = None,
    mode: Literal["cohort", "flow"] = "cohort",
    source: Name | None = None,
    owner_id: Id | None = None,
) -> Funnel:
    period = _period(shop, date_from, date_to)
    data = analytics.sales_funnel(
        wh,
        actor,
        pipeline_id=pipeline_id,
        period=period,
        mode=mode,
        source=source,
        owners=frozenset({owner_id}) if owner_id is not None else None,
    )
    return Funnel(**data, date_from=period.start, date_to=period.end)


class ManagerFigures(BaseModel):
    won: int
    lost: int
    won_amount: float
    paid: float
    paid_orders: int
    conversion: float | None
    average_deal: float | None
    cycle_days: float | None
    in_work: int
    in_work_amount: float
    leads: int
    answered: int
    first_response_minutes: float | None
    tasks: int
    overdue: int
    akb: int


class Manager(ManagerFigures):
    user_id: int
    name: str
    team_id: int | None
    team_name: str | None
    contribution: float | None
    temperature: dict[str, float]
    base: int
    before: ManagerFigures


class Managers(BaseModel):
    date_from: date
    date_to: date
    akb_days: int
    managers: list[Manager]


@router.get("/managers", response_model=Managers, summary="Each manager's figures, credited to the owner at the time")
def managers(
    actor: ActorDep,
    wh: WarehouseDep,
    shop: ShopDep,
    session: SessionDep,
    date_from: date | None = None,
    date_to: date | None = None,
    pipeline_id: Id | None = None,
    akb_days: Annotated[int | None, Query(ge=1, le=730)] = None,
) -> Managers:
    period = _period(shop, date_from, date_to)
    days = akb_days or analytics.load_settings(session).active_days
    data = analytics.sales_managers(wh, actor, period=period, now=shop.now(), akb_days=days, pipeline_id=pipeline_id)
    return Managers(date_from=period.start, date_to=period.end, akb_days=days, managers=data["managers"])


class SourceRow(BaseModel):
    source: str
    campaign: str | None
    spend: float
    clicks: int
    impressions: int
    leads: int
    deals: int
    won: int
    won_amount: float
    orders: int
    revenue: float
    margin: float
    uncosted_orders: int  # orders with goods of no known cost (or no lines): counted at their whole revenue
    uncosted_revenue: float
    cpl: float | None
    cost_per_order: float | None
    romi: float | None
    romi_low: float | None
    romi_high: float | None
    drr: float | None
    verdict: Literal["pays", "loses", "unclear"] | None


class CampaignEarned(BaseModel):
    """One of our campaigns launched in the period with a control group: what its recipients bought in the window
    (credited) and what they bought over the control group (added, with its 95 % interval)."""

    campaign_id: int
    name: str
    launched_at: datetime
    complete: bool
    target: int
    control: int
    credited: float
    added: float
    added_low: float | None
    added_high: float | None
    verdict: Literal["added", "took", "unclear"]
    cost: float
    roi: float | None


class Sources(BaseModel):
    date_from: date
    date_to: date
    model: str
    window_days: int
    sources: list[SourceRow]
    previous: list[SourceRow]
    campaigns: list[CampaignEarned] | None  # None: the caller may not read the campaigns


@router.get(
    "/sources",
    response_model=Sources,
    summary="Per advertising source and campaign: spend, leads, deals, won, revenue, CPL, ROMI with its interval",
)
def sources(
    actor: ActorDep,
    wh: WarehouseDep,
    shop: ShopDep,
    session: SessionDep,
    settings: SettingsDep,
    date_from: date | None = None,
    date_to: date | None = None,
    model: Literal["first", "last"] = "last",
    window_days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> Sources:
    period = _period(shop, date_from, date_to)
    data = analytics.sales_sources(wh, actor, period=period, model=model, window_days=window_days)
    earned = None
    if can(actor, "campaigns:read"):
        found = campaigns.earned_between(
            session, actor, shop.start_of(period.start), shop.start_of(period.end + timedelta(days=1)),
            now=shop.now(), costs=settings.channel_costs, timezone=shop.timezone,
        )  # fmt: skip
        earned = [
            CampaignEarned(campaign_id=e.campaign_id, name=e.name, launched_at=e.launched_at, complete=e.complete,
                           target=e.target, control=e.control, credited=e.attributed, added=e.incremental.diff,
                           added_low=e.bounds[0] if e.bounds else None, added_high=e.bounds[1] if e.bounds else None,
                           verdict=e.verdict, cost=e.cost, roi=e.roi)
            for e in found
        ]  # fmt: skip
    return Sources(
        date_from=period.start,
        date_to=period.end,
        model=model,
        window_days=window_days,
        sources=data["sources"],
        previous=data["previous"],
        campaigns=earned,
    )


class SignalDeal(BaseModel):
    deal_id: int
    owner_id: int | None
    ts: datetime
    amount: float
    title: str | None


class Signal(BaseModel):
    total: int
    by_owner: dict[int, int]
    deals: list[SignalDeal]


class Signals(BaseModel):
    date_from: date
    date_to: date
    straight_to_won: Signal
    won_again: Signal
    lost_at_once: Signal
    other_reason: Signal
    rotting: Signal
    won_not_paid: Signal
    other_share: dict[int, tuple[int, int]]


@router.get("/signals", response_model=Signals, summary="Signs of gamed numbers, each with the deals behind it")
def signals(
    actor: ActorDep,
    wh: WarehouseDep,
    shop: ShopDep,
    date_from: date | None = None,
    date_to: date | None = None,
    pipeline_id: Id | None = None,
    quick_minutes: Annotated[int, Query(ge=1, le=1440)] = 10,
    rot_days: Annotated[int, Query(ge=1, le=365)] = 14,
    unpaid_days: Annotated[int, Query(ge=0, le=365)] = 14,
) -> Signals:
    period = _period(shop, date_from, date_to)
    limits = analytics.SignalThresholds(quick_minutes=quick_minutes, rot_days=rot_days, unpaid_days=unpaid_days)
    data = analytics.sales_signals(wh, actor, period=period, now=shop.now(), pipeline_id=pipeline_id, limits=limits)
    out = {k: {**data[k], "deals": [{**d, "amount": d["amount_k"] / 100} for d in data[k]["deals"]]}
           for k in analytics.SIGNAL_KINDS}  # fmt: skip
    return Signals(date_from=period.start, date_to=period.end, other_share=data["other_share"], **out)


plans_router = new_router(read="analytics:read", write="sales:write", prefix="/sales/plans", tags=["sales analytics"])


class PlanFigures(PlanRead):
    period_end: date
    actual: float
    done: float | None
    projection: float | None
    projected: float | None


@plans_router.get("", response_model=list[PlanFigures], summary="Plans starting in a period, against what was won")
def list_plans(
    session: SessionDep, actor: ActorDep, wh: WarehouseDep, shop: ShopDep, date_from: date, date_to: date
) -> list[PlanFigures]:
    rows = [PlanRead.model_validate(p).model_dump() for p in sales.list_plans(session, actor, date_from=date_from,
                                                                              date_to=date_to)]  # fmt: skip
    return [PlanFigures(**r) for r in analytics.plan_actuals(wh, actor, rows, shop.today())]


@plans_router.put("", response_model=PlanRead, summary="Set a target (heads of sales for their teams, administrators)")
def put_plan(data: PlanIn, session: SessionDep, actor: ActorDep) -> PlanRead:
    return PlanRead.model_validate(sales.set_plan(session, actor, data))


@plans_router.delete("/{plan_id}", status_code=204, summary="Remove a target")
def delete_plan(plan_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    sales.delete_plan(session, actor, plan_id)
    return Response(status_code=204)


class ForecastStage(BaseModel):
    stage_id: int
    name: str
    static_probability: float
    learned_probability: float | None
    closed: int
    deals: int
    amount: float
    learned: float
    static: float


class ForecastNow(BaseModel):
    as_of: date
    deals: int
    amount: float
    learned: float
    static: float
    stages: list[ForecastStage]


class BacktestMonth(BaseModel):
    as_of: date
    deals: int
    amount: float
    learned: float
    static: float
    won_amount: float
    still_open: float | None
    settled: bool


class Backtest(BaseModel):
    months: list[BacktestMonth]
    errors: dict[str, float | None]
    better: Literal["learned", "static"] | None
    settled_months: int


class Forecast(BaseModel):
    now: ForecastNow
    backtest: Backtest


@router.get("/forecast", response_model=Forecast, summary="The weighted pipeline (learned and static) and its backtest")
def forecast(pipeline_id: Id, actor: ActorDep, wh: WarehouseDep, shop: ShopDep) -> Forecast:
    data = analytics.sales_forecast(wh, actor, pipeline_id=pipeline_id, today=shop.today())
    return Forecast.model_validate(data)
