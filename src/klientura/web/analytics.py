"""The picture of the base: each segment family's groups with their explanation, the RFM map, migrations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
from fastapi import Request
from fastapi.responses import HTMLResponse

from klientura import analytics
from klientura.auth import require
from klientura.deps import SessionDep, ShopDep
from klientura.kit.errors import KlienturaError
from klientura.web.charts import Chart, chart
from klientura.web.render import WebActorDep, explain, gettext_for, open_warehouse, page_router, render

router = page_router(read="analytics:read", write="analytics:write")


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


@router.get("/analytics", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    start: str | None = None,
    end: str | None = None,
) -> HTMLResponse:
    require(actor, "analytics:read")
    today = analytics.last_as_of(session) or shop.today()
    end_day = _day(end, today)
    start_day = _day(start, end_day - timedelta(days=90))
    families = {f: analytics.groups(session, f) for f in analytics.FAMILIES}
    ctx: dict[str, Any] = {
        "nav": "analytics",
        "families": families,
        "start": start_day,
        "end": end_day,
        "as_of": today,
        "trend": analytics.trend(session, "temperature", 90),
    }
    try:
        with open_warehouse(request) as wh:
            settings = analytics.load_settings(session)
            ctx["grid"] = analytics.rfm_grid(wh, settings, today)
            ctx["rfm"] = settings.rfm
            if start or end:  # two RFM computations of the whole base: only when asked for
                ctx["moves"] = analytics.rfm_migration(wh, settings, start_day, end_day)
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    ctx["asked"] = "moves" in ctx
    if "moves" in ctx:
        sources = sorted({m["source"] for m in ctx["moves"]}, key=_order)
        targets = sorted({m["target"] for m in ctx["moves"]}, key=_order)
        ctx["matrix"] = {(m["source"], m["target"]): m["customers"] for m in ctx["moves"]}
        ctx["sources"], ctx["targets"] = sources, targets
    ctx["trend_chart"] = _trend_chart(ctx["trend"], gettext_for(request)) if ctx["trend"] else None
    return render(request, "analytics/overview.html", ctx, actor=actor)


def _trend_chart(trend: list[tuple[date, str, int]], _: Any) -> Chart:
    """The share of hot, warm and cold customers day by day (one point per recompute)."""
    days = sorted({d for d, _v, _n in trend})
    totals = {d: sum(n for d2, _v, n in trend if d2 == d) or 1 for d in days}
    fig = go.Figure()
    for value in ("hot", "warm", "cold"):
        counts = {d: n for d, v, n in trend if v == value}
        name = _(analytics.label("temperature", value)[0])
        fig.add_scatter(
            x=days,
            y=[round(100 * counts.get(d, 0) / totals[d], 1) for d in days],
            name=name,
            mode="lines+markers",
            stackgroup="one",
        )
    xaxis: dict[str, Any] = {"type": "date", "tickformat": "%d.%m.%Y"}
    if len(days) == 1:  # one recompute so far: a week around it, not hours of an empty axis
        xaxis["range"] = [days[0] - timedelta(days=3), days[0] + timedelta(days=3)]
        xaxis["dtick"] = 86_400_000
    fig.update_layout(
        height=260,
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        yaxis={"ticksuffix": "%"},
        xaxis=xaxis,
        legend={"orientation": "h"},
    )
    return chart(fig, "temperature-trend")


def _order(name: str) -> int:
    order = [*analytics.RFM_SEGMENTS, "none"]
    return order.index(name) if name in order else len(order)
