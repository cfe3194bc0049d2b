"""Where the money comes from, on a page: per advertising source and campaign the spend, the requests, deals, won
deals, paid revenue and margin, CPL, ROMI with its interval and ДРР; and the spend itself — an ad system's export
uploaded, a day entered by hand, a wrong day removed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from klientura import analytics, campaigns, imports, sales
from klientura.auth import can
from klientura.deps import SessionDep, ShopDep
from klientura.kit.errors import KlienturaError, ValidationFailed, invalid
from klientura.kit.money import parse_money
from klientura.web import flash
from klientura.web.charts import Chart, chart
from klientura.web.imports import FormDep
from klientura.web.render import WebActorDep, explain, gettext_for, open_warehouse, page_router, render, why
from klientura.web.sales_analytics import int_of, period_of, warn_period

router = page_router(read="analytics:read", write="analytics:write")
PAGE = "/sales/analytics/sources"
LATEST = 20  # days of spend listed one by one


def _chart(rows: list[dict[str, Any]], _: Any) -> Chart | None:
    top = [r for r in rows if r["campaign"] is None and (r["spend"] or r["margin"])][:12]
    if not top:
        return None  # an empty plot's bare axes say nothing
    names = [_("no source") if r["source"] == "(none)" else r["source"] for r in top]
    fig = go.Figure()
    fig.add_bar(x=names, y=[r["spend"] for r in top], name=_("Spend"))
    fig.add_bar(x=names, y=[r["margin"] for r in top], name=_("Margin"))
    fig.update_layout(height=300, margin={"l": 50, "r": 10, "t": 10, "b": 60}, barmode="group",
                      legend={"orientation": "h"})  # fmt: skip
    return chart(fig, "sources-chart")


@router.get(PAGE, response_class=HTMLResponse)
def sources_page(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    _ = gettext_for(request)
    q = request.query_params
    period = period_of(request, shop)
    model = str(q.get("model")) if q.get("model") in analytics.ATTRIBUTION_MODELS else "last"
    window = int_of(q.get("window_days"))
    window = window if window is not None and 1 <= window <= 365 else 30
    message, kind = flash.pop(request)
    ctx: dict[str, Any] = {"nav": "sales", "tab": "sources", "period": period, "model": model, "window_days": window,
                           "flash": message, "flash_kind": kind, "today": shop.today()}  # fmt: skip
    costs = sales.list_costs(session, actor, date_from=period.start, date_to=period.end, limit=5000)
    ctx["costs"] = costs[:LATEST]  # the latest days, each removable; the rest summed per source and campaign
    ctx["more_costs"] = len(costs) - len(ctx["costs"])
    sums: dict[tuple[str, str], dict[str, Any]] = {}
    for c in costs:
        got = sums.setdefault((c.source, c.campaign), {"cost": 0, "clicks": 0, "days": 0})
        got["cost"] += c.cost
        got["clicks"] += c.clicks or 0
        got["days"] += 1
    ctx["cost_sums"] = sorted(sums.items(), key=lambda kv: -kv[1]["cost"])
    try:
        with open_warehouse(request) as wh:
            data = analytics.sales_sources(wh, actor, period=period, model=model, window_days=window)
        ctx["data"] = data
        ctx["before"] = {(r["source"], r["campaign"]): r for r in data["previous"]}
        ctx["sources_chart"] = _chart(data["sources"], _)
        totals = [r for r in data["sources"] if r["campaign"] is None]
        ctx["uncosted"] = (sum(r["uncosted_orders"] for r in totals), sum(r["uncosted_revenue"] for r in totals))
    except KlienturaError as exc:
        ctx["error"] = explain(request, exc)
    if can(actor, "campaigns:read"):  # our own campaigns: what attribution credits them beside what they added
        ctx["earned"] = campaigns.earned_between(
            session, actor, shop.start_of(period.start), shop.start_of(period.end + timedelta(days=1)),
            now=shop.now(), costs=request.app.state.settings.channel_costs, timezone=shop.timezone,
        )  # fmt: skip
    warn_period(request, ctx)
    return render(request, "sales/sources.html", ctx, actor=actor)


def _back(form: Any) -> str:
    start, end = str(form.get("date_from") or ""), str(form.get("date_to") or "")
    try:
        return f"{PAGE}?date_from={date.fromisoformat(start)}&date_to={date.fromisoformat(end)}"
    except ValueError:
        return PAGE


@router.post("/sales/analytics/costs")
def add_cost(request: Request, session: SessionDep, actor: WebActorDep, form: FormDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        try:
            data = sales.AdCostIn.model_validate(
                {
                    "day": str(form.get("day") or ""),
                    "source": str(form.get("source") or ""),
                    "campaign": str(form.get("campaign") or ""),
                    "cost": parse_money(str(form.get("cost") or "")),
                    "clicks": int_of(str(form.get("clicks") or "")),
                    "impressions": int_of(str(form.get("impressions") or "")),
                }
            )
        except ValidationError as exc:
            raise invalid(exc) from None
        row = sales.set_cost(session, actor, data)
        return _back(form), _("Spend of %(source)s on %(day)s saved") % {
            "source": row.source,
            "day": row.day.isoformat(),
        }

    return flash.perform(request, session, work, _back(form))


@router.post("/sales/analytics/costs/import")
def import_costs(request: Request, session: SessionDep, actor: WebActorDep, form: FormDep) -> RedirectResponse:
    _ = gettext_for(request)
    upload = form.get("file")

    def work() -> tuple[str, str]:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed(sales.AD_COST_NO_FILE, field="file")
        folder = Path(request.app.state.settings.upload_dir)
        path = imports.save_upload(upload.file, upload.filename, folder)
        try:
            report = sales.import_costs(session, actor, path, source=str(form.get("source") or "") or None,
                                        display_name=upload.filename)  # fmt: skip
        finally:
            path.unlink(missing_ok=True)
        text = _("%(file)s: %(rows)s rows, %(created)s days added, %(updated)s changed, %(rejected)s refused") % {
            "file": upload.filename, "rows": report.total, "created": report.created, "updated": report.updated,
            "rejected": report.rejected}  # fmt: skip
        if report.rejections:
            first = report.rejections[0]
            text += " — " + _("row %(n)s: %(reason)s") % {"n": first.row_no, "reason": flash_reason(request, first)}
        return _back(form), text

    return flash.perform(request, session, work, _back(form))


def flash_reason(request: Request, rejection: Any) -> str:
    return str(why(rejection, gettext_for(request)))


@router.post("/sales/analytics/costs/{cost_id}/delete")
def delete_cost(
    cost_id: int, request: Request, session: SessionDep, actor: WebActorDep, form: FormDep
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        sales.delete_cost(session, actor, cost_id)
        return _back(form), _("The day's spend removed")

    return flash.perform(request, session, work, _back(form))
