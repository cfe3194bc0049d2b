"""Customer lifetime value over the API: fit a model, predict every customer, read the base valuation."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from klientura import analytics
from klientura.analytics import clv
from klientura.auth import require
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, WritableWarehouseDep, new_router
from klientura.kit.bounds import Id
from klientura.kit.errors import NotFound

router = new_router(read="analytics:read", write="analytics:write", prefix="/clv", tags=["lifetime value"])


class FitIn(BaseModel):
    model: Literal["bgnbd", "mbgnbd", "pareto"] = "bgnbd"
    time_unit: Literal["day", "week", "month"] = "week"
    calibration_end: date | None = Field(
        default=None, description="the last day to fit on; the last day with purchases by default"
    )
    holdout_end: date | None = Field(default=None, description="check predictions against purchases up to this day")


class PredictIn(BaseModel):
    fit_id: Id | None = Field(default=None, description="the latest fit by default")
    horizon_months: int = Field(default=12, ge=1, le=120)
    discount: float = Field(default=0.01, ge=0, lt=1, description="per month: 0.01 = 1%")
    basis: Literal["revenue", "margin"] = "revenue"
    as_of: date | None = None


def _run(run: Any) -> dict[str, Any]:
    return {
        "id": run.id,
        "fit_id": run.fit_id,
        "as_of": run.as_of.isoformat(),
        "horizon_months": run.horizon_months,
        "discount": run.discount,
        "basis": run.basis,
        "customers": run.customers,
        "seconds": run.seconds,
        **run.report,
    }


@router.post("/fit", status_code=201, summary="Fit a purchase-count model and the spend model on the warehouse")
def fit(
    data: FitIn, session: SessionDep, actor: ActorDep, wh: WritableWarehouseDep, settings: SettingsDep, shop: ShopDep
) -> dict[str, Any]:
    last = clv.data_end(wh, shop.today())
    end = data.calibration_end or last
    row = clv.fit(
        session,
        actor,
        wh,
        model_name=data.model,
        time_unit=data.time_unit,
        calibration_end=end,
        holdout_end=data.holdout_end,
    )
    return clv.fit_summary(row)


@router.post("/predict", status_code=201, summary="Predict every customer and write the figures back")
def predict(
    data: PredictIn,
    session: SessionDep,
    actor: ActorDep,
    wh: WritableWarehouseDep,
    settings: SettingsDep,
    shop: ShopDep,
) -> dict[str, Any]:
    day = data.as_of or clv.data_end(wh, shop.today())
    run = clv.run_predictions(
        session,
        actor,
        wh,
        as_of=day,
        fit_id=data.fit_id,
        horizon_months=data.horizon_months,
        discount=data.discount,
        basis=data.basis,
    )
    return _run(run)


@router.get("", summary="The latest base valuation: totals, breakdowns, retention, and the fit behind it")
def latest(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    require(actor, "analytics:read")
    run = clv.latest_run(session)
    if run is None:
        raise NotFound(analytics.NOT_VALUED_YET)
    fitted = clv.fit_of(session, run.fit_id)
    return {**_run(run), "fit": clv.fit_summary(fitted) if fitted else None}
