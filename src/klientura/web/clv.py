"""The value of the base: lifetime-value models, what the base is worth, and how well the model predicted."""

from __future__ import annotations

from typing import Annotated, Any

import plotly.graph_objects as go
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from klientura import analytics, segments
from klientura.analytics import clv
from klientura.auth import require
from klientura.db import Session
from klientura.deps import SessionDep, ShopDep
from klientura.kit.errors import KlienturaError, ValidationFailed
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.charts import Chart, chart
from klientura.web.errors import DISCOUNT_AS_PERCENT, DISCOUNT_RANGE, WHOLE_NUMBERS
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="analytics:read", write="analytics:write")
GROUPS = [
    ("lifecycle", N_("By lifecycle stage")),
    ("rfm_segment", N_("By RFM segment")),
    ("saved", N_("By saved segment")),
    ("acquisition_source", N_("By acquisition channel")),
    ("cohort", N_("By first-purchase quarter")),
]
DEFAULTS = {
    "model": "bgnbd",
    "time_unit": "week",
    "holdout_weeks": "26",
    "horizon": "12",
    "discount": "1",
    "basis": "revenue",
}


def _charts(diag: dict[str, Any], _: Any) -> tuple[Chart, Chart]:
    weekly = diag["weekly"]
    weeks = list(range(1, len(weekly["actual"]) + 1))
    track = go.Figure()
    track.add_scatter(x=weeks, y=weekly["actual"], name=_("Actual"), mode="lines+markers")
    track.add_scatter(x=weeks, y=weekly["predicted"], name=_("Predicted"), mode="lines", line={"dash": "dash"})
    legend = {"orientation": "h", "y": 1.12}
    track.update_layout(
        height=300,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        legend=legend,
        xaxis={"title": _("week of the holdout")},
        yaxis={"title": _("repeat purchases")},
    )
    buckets = diag["by_frequency"]
    freq = go.Figure()
    freq.add_bar(x=[b["x"] for b in buckets], y=[b["actual"] for b in buckets], name=_("Actual"))
    freq.add_bar(x=[b["x"] for b in buckets], y=[b["predicted"] for b in buckets], name=_("Predicted"))
    freq.update_layout(
        height=300,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        legend=legend,
        xaxis={"title": _("repeat purchases before the holdout"), "type": "category"},
        yaxis={"title": _("purchases per customer in the holdout")},
    )
    return chart(track, "tracking-chart"), chart(freq, "frequency-chart")


def _form_values(form: dict[str, str]) -> dict[str, Any]:
    """The form as the service's arguments, or a readable error naming the field."""
    try:
        horizon, holdout = int(form["horizon"]), int(form["holdout_weeks"])
    except ValueError:
        raise ValidationFailed(WHOLE_NUMBERS) from None
    try:
        discount = float(form["discount"].replace(",", ".")) / 100
    except ValueError:
        raise ValidationFailed(DISCOUNT_AS_PERCENT) from None
    if not 0 <= discount < 1:
        raise ValidationFailed(DISCOUNT_RANGE)
    return {
        "model_name": form["model"],
        "time_unit": form["time_unit"],
        "holdout_weeks": holdout,
        "horizon_months": horizon,
        "discount": discount,
        "basis": form["basis"],
    }


def _page(
    request: Request, session: Session, actor: Any, form: dict[str, str], error: str | None = None, status: int = 200
) -> HTMLResponse:
    _ = gettext_for(request)
    run = clv.latest_run(session)
    ctx: dict[str, Any] = {
        "nav": "clv",
        "run": run,
        "form": form,
        "models": clv.MODELS,
        "units": list(clv.UNITS),
        "groups": GROUPS,
        "error": error,
    }
    ctx["flash"], ctx["flash_kind"] = flash.pop(request)
    if run is not None:
        fitted = clv.fit_of(session, run.fit_id)
        ctx["fit"] = fitted
        ctx["tables"] = {**run.report["groups"], "saved": segments.value_by_segment(session)}
        checked = clv.latest_checked_fit(session, fitted.model) if fitted else None
        ctx["checked"] = checked
        if checked is not None and checked.diagnostics:
            ctx["tracking_chart"], ctx["frequency_chart"] = _charts(checked.diagnostics, _)
    return render(request, "analytics/clv.html", ctx, actor=actor, status=status)


@router.get("/clv", response_class=HTMLResponse)
def clv_page(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    require(actor, "analytics:read")
    form = dict(DEFAULTS)
    run = clv.latest_run(session)
    if run is not None:  # the form starts from what was used last
        fitted = clv.fit_of(session, run.fit_id)
        form.update(horizon=str(run.horizon_months), discount=f"{run.discount * 100:g}", basis=run.basis)
        if fitted:
            form.update(model=fitted.model, time_unit=fitted.time_unit)
    return _page(request, session, actor, form)


@router.post("/clv", response_model=None)
def value_the_base(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    model: Annotated[str, Form()] = "bgnbd",
    time_unit: Annotated[str, Form()] = "week",
    holdout_weeks: Annotated[str, Form()] = "26",
    horizon: Annotated[str, Form()] = "12",
    discount: Annotated[str, Form()] = "1",
    basis: Annotated[str, Form()] = "revenue",
) -> Response:
    require(actor, "analytics:write")
    form = {
        "model": model,
        "time_unit": time_unit,
        "holdout_weeks": holdout_weeks,
        "horizon": horizon,
        "discount": discount,
        "basis": basis,
    }
    settings = request.app.state.settings
    try:
        args = _form_values(form)
        with analytics.Warehouse.of(settings) as wh:
            as_of = clv.data_end(wh, shop.today())
            run = clv.value_the_base(session, actor, wh, as_of=as_of, **args)
    except KlienturaError as exc:
        session.rollback()
        return _page(request, session, actor, form, error=explain(request, exc), status=422)
    _ = gettext_for(request)
    flash.put(request, _("%(n)s customers valued in %(s)s s") % {"n": f"{run.customers:,}", "s": run.seconds})
    return RedirectResponse("/clv", status_code=303)
