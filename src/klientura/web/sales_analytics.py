"""The sales analytics pages: the funnel of a pipeline (cohort or flow, with its Sankey of moves) and the managers'
figures credited to the owner at the time. Computed in the warehouse; nothing is written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import plotly.graph_objects as go
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from klientura import analytics, catalog, conversations, sales
from klientura.deps import SessionDep, ShopDep
from klientura.kit.errors import KlienturaError, invalid
from klientura.kit.i18n import N_
from klientura.kit.money import parse_money
from klientura.web import flash
from klientura.web.charts import Chart, chart
from klientura.web.imports import FormDep
from klientura.web.render import WebActorDep, explain, gettext_for, open_warehouse, page_router, render

router = page_router(read="analytics:read", write="analytics:write")


def int_of(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() and len(value.strip()) < 12 else None


def period_of(request: Request, shop: ShopDep) -> analytics.Period:
    q = request.query_params
    today = shop.today()
    try:
        end = date.fromisoformat(q["date_to"]) if q.get("date_to") else today
        start = date.fromisoformat(q["date_from"]) if q.get("date_from") else end - timedelta(days=89)
    except ValueError:
        end, start = today, today - timedelta(days=89)
        request.state.period_unread = True
    if start > end:
        start, end = end, start
    return analytics.Period(start, end)


def warn_period(request: Request, ctx: dict[str, Any]) -> None:
    """A date the page could not read is said, not passed over: the page shows the last 90 days instead."""
    if getattr(request.state, "period_unread", False) and not ctx.get("flash"):
        _ = gettext_for(request)
        ctx["flash"] = _("The dates could not be read (a date is YYYY-MM-DD): the page shows the last 90 days.")
        ctx["flash_kind"] = "warn"


def _charts(data: dict[str, Any], _: Any) -> tuple[Chart, Chart]:
    steps = [s for s in data["stages"] if s["kind"] != "lost" and (not s["archived"] or s["entered"])]
    funnel = go.Figure(
        go.Funnel(y=[s["name"] for s in steps], x=[s["entered"] for s in steps], textinfo="value+percent initial")
    )
    funnel.update_layout(height=80 + 48 * len(steps), margin={"l": 140, "r": 20, "t": 10, "b": 10})
    names = {s["stage_id"]: s["name"] for s in data["stages"]}
    nodes = [_("Created"), *names.values()]
    index = {None: 0, **{sid: i + 1 for i, sid in enumerate(names)}}
    kinds = {s["stage_id"]: s["kind"] for s in data["stages"]}
    rank = {s["stage_id"]: i for i, s in enumerate(data["stages"])}
    # forward only: returns and reopenings would draw loops (they are in the table)
    links = [
        x
        for x in data["links"]
        if x["to_stage_id"] in index
        and x["source_id"] in index
        and (
            x["source_id"] is None
            or (kinds[x["source_id"]] == "open" and rank[x["to_stage_id"]] > rank[x["source_id"]])
        )
    ]
    sankey = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": nodes, "pad": 14, "thickness": 14},
            link={
                "source": [index[x["source_id"]] for x in links],
                "target": [index[x["to_stage_id"]] for x in links],
                "value": [x["moves"] for x in links],
            },
        )
    )
    sankey.update_layout(height=80 + 48 * len(steps), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return chart(funnel, "funnel-chart"), chart(sankey, "sankey-chart")


def _owners(request: Request, options: dict[str, Any]) -> tuple[frozenset[int] | None, int | None, int | None]:
    manager, team = int_of(request.query_params.get("manager")), int_of(request.query_params.get("team"))
    if manager is not None:
        return frozenset({manager}), manager, None
    if team is not None:
        return frozenset(u["id"] for u in options["people"] if u["team_id"] == team), None, team
    return None, None, None


@router.get("/sales/analytics", response_class=HTMLResponse)
def funnel_page(request: Request, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    _ = gettext_for(request)
    q = request.query_params
    period = period_of(request, shop)
    mode = str(q.get("mode")) if q.get("mode") in analytics.FUNNEL_MODES else "cohort"
    ctx: dict[str, Any] = {
        "nav": "sales",
        "tab": "analytics",
        "period": period,
        "mode": mode,
        "source": q.get("source"),
    }
    try:
        with open_warehouse(request) as wh:
            options = analytics.sales_choices(wh, actor)
            ctx.update(options)
            pipeline = int_of(q.get("pipeline_id")) or (options["pipelines"][0]["id"] if options["pipelines"] else None)
            owners, ctx["manager"], ctx["team"] = _owners(request, options)
            ctx["pipeline_id"] = pipeline
            if pipeline is not None:
                data = analytics.sales_funnel(
                    wh, actor, pipeline_id=pipeline, period=period, mode=mode, source=q.get("source") or None,
                    owners=owners,
                )  # fmt: skip
                ctx["data"] = data
                if any(
                    s["entered"] for s in data["stages"]
                ):  # empty charts draw bare axes (and Plotly's Sankey throws)
                    ctx["funnel_chart"], ctx["sankey_chart"] = _charts(data, _)
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    warn_period(request, ctx)
    return render(request, "sales/funnel.html", ctx, actor=actor)


@router.get("/sales/analytics/managers", response_class=HTMLResponse)
def managers_page(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    q = request.query_params
    period = period_of(request, shop)
    akb = int_of(q.get("akb_days"))
    days = akb if akb is not None and 1 <= akb <= 730 else analytics.load_settings(session).active_days
    message, kind = flash.pop(request)
    ctx: dict[str, Any] = {"nav": "sales", "tab": "managers", "period": period, "akb_days": days, "flash": message,
                           "flash_kind": kind}  # fmt: skip
    try:
        with open_warehouse(request) as wh:
            options = analytics.sales_choices(wh, actor)
            ctx.update(options)
            ctx["pipeline_id"] = pipeline = int_of(q.get("pipeline_id"))
            ctx["data"] = analytics.sales_managers(
                wh, actor, period=period, now=shop.now(), akb_days=days, pipeline_id=pipeline
            )
            # the targets of the month and the quarter the period ends in
            end = period.end
            plans = sales.list_plans(session, actor, date_from=analytics.quarter_start(end), date_to=end.replace(day=1))
            rows = [sales.PlanRead.model_validate(p).model_dump() for p in plans]
            ctx["plans"] = [p for p in analytics.plan_actuals(wh, actor, rows, shop.today()) if p["period_end"] >= end]
            ctx["teams_all"] = options["teams"]
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    warn_period(request, ctx)
    return render(request, "sales/managers.html", ctx, actor=actor)


SIGNALS = {
    "straight_to_won": N_("Straight to won: won without passing any stage — a sale nobody worked, or a win typed in"),
    "won_again": N_("Won again: won, reopened and won once more — the same sale counted twice"),
    "lost_at_once": N_("Lost at once: lost within minutes of being made — a request thrown away, not worked"),
    "other_reason": N_('"Other" reason: lost for a reason that says nothing — it hides why deals are lost'),
    "rotting": N_("Rotting: open, and nothing done on it (no move, no change, no task done) for days"),
    "won_not_paid": N_("Won, not paid: won long enough ago, and no paid order linked"),
}


@router.get("/sales/analytics/signals", response_class=HTMLResponse)
def signals_page(request: Request, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    q = request.query_params
    period = period_of(request, shop)
    limits = analytics.SignalThresholds(
        quick_minutes=_bounded(q.get("quick_minutes"), 1, 1440, 10),
        rot_days=_bounded(q.get("rot_days"), 1, 365, 14),
        unpaid_days=_bounded(q.get("unpaid_days"), 0, 365, 14),
    )
    ctx: dict[str, Any] = {"nav": "sales", "tab": "signals", "period": period, "limits": limits, "signals": SIGNALS}
    try:
        with open_warehouse(request) as wh:
            options = analytics.sales_choices(wh, actor)
            ctx.update(options)
            ctx["pipeline_id"] = pipeline = int_of(q.get("pipeline_id"))
            ctx["data"] = analytics.sales_signals(
                wh, actor, period=period, now=shop.now(), pipeline_id=pipeline, limits=limits
            )
            ctx["names"] = {u["id"]: u["name"] for u in options["people"]}
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    warn_period(request, ctx)
    return render(request, "sales/signals.html", ctx, actor=actor)


def _bounded(value: str | None, low: int, high: int, default: int) -> int:
    got = int_of(value)
    return got if got is not None and low <= got <= high else default


plans_router = page_router(read="analytics:read", write="sales:write")  # heads set plans (the service checks whom for)


@plans_router.post("/sales/analytics/plans")
def set_plan(request: Request, session: SessionDep, actor: WebActorDep, form: FormDep) -> RedirectResponse:
    _ = gettext_for(request)
    back = "/sales/analytics/managers?" + urlencode({k: str(form.get(k) or "") for k in ("date_from", "date_to")})

    def work() -> tuple[str, str]:
        scope, _sep, ident = str(form.get("whom") or "").partition(":")
        month = str(form.get("month") or "")
        try:
            data = sales.PlanIn.model_validate(
                {
                    "period_start": f"{month}-01" if len(month) == 7 else month,
                    "months": int_of(str(form.get("months") or "1")),
                    "scope": scope,
                    "scope_id": ident or "0",
                    "measure": str(form.get("measure") or ""),
                    "target": parse_money(str(form.get("target") or "")),
                }
            )
        except ValidationError as exc:
            raise invalid(exc) from None
        sales.set_plan(session, actor, data)
        return back, _("Plan saved")

    return flash.perform(request, session, work, back)


@router.get("/sales/analytics/forecast", response_class=HTMLResponse)
def forecast_page(request: Request, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    _ = gettext_for(request)
    ctx: dict[str, Any] = {"nav": "sales", "tab": "forecast"}
    try:
        with open_warehouse(request) as wh:
            options = analytics.sales_choices(wh, actor)
            ctx.update(options)
            chosen = int_of(request.query_params.get("pipeline_id"))
            pipeline = chosen or (options["pipelines"][0]["id"] if options["pipelines"] else None)
            ctx["pipeline_id"] = pipeline
            if pipeline is not None:
                data = analytics.sales_forecast(wh, actor, pipeline_id=pipeline, today=shop.today())
                ctx["data"] = data
                ctx["backtest_chart"] = _backtest_chart(data["backtest"]["months"], _)
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    return render(request, "sales/forecast.html", ctx, actor=actor)


def _backtest_chart(months: list[dict[str, Any]], _: Any) -> Chart:
    x = [m["as_of"] for m in months]
    fig = go.Figure()
    fig.add_bar(x=x, y=[m["won_amount"] for m in months], name=_("Won from those deals"))
    fig.add_scatter(x=x, y=[m["learned"] for m in months], name=_("Forecast, learned"), mode="lines+markers")
    fig.add_scatter(x=x, y=[m["static"] for m in months], name=_("Forecast, stages' own"), mode="lines+markers",
                    line={"dash": "dot"})  # fmt: skip
    fig.update_layout(height=320, margin={"l": 60, "r": 10, "t": 10, "b": 40}, legend={"orientation": "h"})
    return chart(fig, "backtest-chart")


@router.get("/sales/analytics/staff", response_class=HTMLResponse)
def staff_page(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    by: Literal["outlet", "staff"] = "staff" if request.query_params.get("by") == "staff" else "outlet"
    period = period_of(request, shop)
    ctx: dict[str, Any] = {"nav": "sales", "tab": "staff", "period": period, "by": by}
    try:
        with open_warehouse(request) as wh:
            rows = analytics.staff_figures(wh, actor, period=period, by=by)
        names = {o.id: o.name for o in catalog.list_outlets(session)}
        start, end = shop.start_of(period.start), shop.start_of(period.end + timedelta(days=1))
        _total, nps = conversations.survey_report(session, actor, "nps", by, start=start, end=end, zone=shop.zone)
        scores = {r.key: r for r in nps}
        for r in rows:
            r["name"] = names.get(r["key"], r["key"]) if by == "outlet" else r["key"]
            r["nps"] = scores.get(str(r["name"])) if r["name"] is not None else None
        ctx["rows"] = rows
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    warn_period(request, ctx)
    return render(request, "sales/staff.html", ctx, actor=actor)
