"""The KPI dashboard: a period against the one before, revenue by day, the cohort heatmap (Plotly)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse

from klientura import analytics, catalog
from klientura.auth import require
from klientura.deps import SessionDep, ShopDep
from klientura.kit.errors import KlienturaError
from klientura.kit.i18n import N_
from klientura.web.charts import Chart, chart
from klientura.web.render import WebActorDep, explain, gettext_for, open_warehouse, page_router, render

router = page_router(read="analytics:read", write="analytics:write")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
KPIS = [
    ("revenue", N_("Revenue"), "money"),
    ("orders", N_("Orders"), "int"),
    ("average_check", N_("Average check"), "money"),
    ("items_per_order", N_("Items per order"), "dec"),
    ("purchase_frequency", N_("Purchase frequency"), "dec"),
    ("repeat_rate", N_("Repeat purchase rate"), "pct"),
    ("active_base", N_("Active client base"), "int"),
    ("new_buyers", N_("New buyers"), "int"),
    ("returning_buyers", N_("Returning buyers"), "int"),
    ("margin", N_("Margin"), "money"),
    ("margin_share", N_("Margin, share of revenue"), "pct"),
    ("identified_share", N_("Identified receipts"), "pct"),
]


@router.get("/static/plotly.min.js", openapi_extra={"x-permission": "public"})
def plotly_js() -> FileResponse:
    """Plotly's own script, from the Python package (no CDN)."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


def _charts(data: dict[str, Any], _: Any) -> tuple[Chart, Chart, Chart]:
    days_now = [d["day"] for d in data["daily"]]
    shift = data["period"].start - data["previous"].start
    fig = go.Figure()
    fig.add_bar(x=days_now, y=[d["revenue"] for d in data["daily"]], name=_("This period"))
    fig.add_scatter(
        x=[d["day"] + shift for d in data["daily_before"]],
        y=[d["revenue"] for d in data["daily_before"]],
        name=_("Previous period"),
        mode="lines",
        line={"dash": "dot"},
    )
    fig.update_layout(height=300, margin={"l": 40, "r": 10, "t": 10, "b": 30}, legend={"orientation": "h"})
    heat = _heatmap(data["cohorts"], "customers", _)
    money = _heatmap(data["cohorts"], "revenue", _)
    return chart(fig, "revenue-chart"), chart(heat, "cohort-chart"), chart(money, "cohort-revenue-chart")


def _heatmap(cohorts: list[dict[str, Any]], measure: str, _: Any) -> Any:
    """Cohort x months since: ``measure`` as a share of the cohort's first month (customers: retention;
    revenue: what the cohort spends against its first month)."""
    months = sorted({c["cohort"] for c in cohorts})
    base = {c["cohort"]: c[measure] for c in cohorts if c["age"] == 0}
    ages = list(range(0, max((c["age"] for c in cohorts), default=0) + 1))
    grid: list[list[float | None]] = [[None] * len(ages) for _m in months]
    for c in cohorts:
        if base.get(c["cohort"]):
            grid[months.index(c["cohort"])][c["age"]] = round(100 * c[measure] / base[c["cohort"]], 1)
    heat = go.Figure(
        go.Heatmap(
            z=grid,
            x=ages,
            y=[m.strftime("%Y-%m") for m in months],
            colorscale="Blues",
            text=[["" if v is None else f"{v:g}" for v in row] for row in grid],  # not "null"
            texttemplate="%{text}",
            hoverongaps=False,
            hovertemplate="%{y} +%{x}: %{z}%<extra></extra>",
        )
    )
    heat.update_layout(
        height=360,
        margin={"l": 70, "r": 10, "t": 10, "b": 40},
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"title": _("months since the first purchase"), "type": "category"},
    )
    return heat


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    start: str | None = None,
    end: str | None = None,
) -> HTMLResponse:
    require(actor, "analytics:read")
    _ = gettext_for(request)
    q = request.query_params
    today = shop.today()
    try:
        end_day = date.fromisoformat(end) if end else today
        start_day = date.fromisoformat(start) if start else end_day - timedelta(days=29)
    except ValueError:
        end_day, start_day = today, today - timedelta(days=29)
    if start_day > end_day:
        start_day, end_day = end_day, start_day
    outlets, channels = _ints(q.getlist("outlet")), _ints(q.getlist("channel"))
    ctx: dict[str, Any] = {
        "nav": "dashboard",
        "start": start_day,
        "end": end_day,
        "kpis": KPIS,
        "outlets": catalog.list_outlets(session),
        "channels": catalog.list_channels(session),
        "chosen_outlets": outlets,
        "chosen_channels": channels,
    }
    try:
        with open_warehouse(request) as wh:
            data = analytics.dashboard(
                wh,
                analytics.load_settings(session),
                analytics.Period(start_day, end_day),
                outlets=outlets,
                channels=channels,
            )
        ctx["data"] = data
        ctx["revenue_chart"], ctx["cohort_chart"], ctx["cohort_revenue_chart"] = _charts(data, _)
        ctx["cohort_json"] = json.dumps([[c["cohort"].isoformat(), c["age"], c["customers"]] for c in data["cohorts"]])
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    return render(request, "analytics/dashboard.html", ctx, actor=actor)
