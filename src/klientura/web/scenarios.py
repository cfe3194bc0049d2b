"""Triggered scenarios in the browser: each with its switch, its numbers against its control group, its text."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import campaigns
from klientura.deps import SessionDep, ShopDep
from klientura.kit.errors import KlienturaError
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.charts import Chart, chart
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="campaigns:read", write="campaigns:write")
TITLES = {
    "abandoned_cart": N_("Abandoned cart"),
    "expiring_points": N_("Points about to expire"),
    "welcome": N_("Welcome"),
    "birthday": N_("Birthday"),
    "win_back": N_("Win-back when a customer falls asleep"),
    "feedback": N_("Review request after a purchase"),
    "repeat_purchase": N_("Time to buy again"),
}


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    found = campaigns.list_scenarios(session, actor)
    settings = request.app.state.settings
    now = shop.now()
    reports = {s.key: campaigns.scenario_report(session, actor, s.key, now, settings.channel_costs) for s in found}
    message, kind = flash.pop(request)
    return render(
        request,
        "campaigns/scenarios.html",
        {
            "nav": "campaigns",
            "scenarios": found,
            "reports": reports,
            "titles": TITLES,
            "flash": message,
            "flash_kind": kind,
            "chart": _chart(found, reports, gettext_for(request)),
        },
        actor=actor,
    )


def _chart(found: list[Any], reports: dict[str, campaigns.CampaignReport], _: Any) -> Chart | None:
    """Each scenario that has fired: its incremental revenue against its control group with the 95 % interval
    (green where significant), side by side."""
    rows = [
        (s, reports[s.key].overall.revenue)
        for s in found
        if reports[s.key].overall.target.customers and reports[s.key].control.customers
    ]
    if not rows:
        return None
    fig = go.Figure()
    fig.add_bar(
        y=[_(TITLES[s.key]) for s, _d in rows],
        x=[d.diff for _s, d in rows],
        orientation="h",
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [d.high - d.diff if math.isfinite(d.high) else 0 for _s, d in rows],
            "arrayminus": [d.diff - d.low if math.isfinite(d.low) else 0 for _s, d in rows],
        },
        marker_color=["#2a9d8f" if d.significant else "#adb5bd" for _s, d in rows],
    )
    fig.update_layout(
        height=90 + 45 * len(rows),
        margin={"l": 10, "r": 10, "t": 20, "b": 50},
        xaxis={"title": _("incremental revenue against the control group, interval of 95%")},
        yaxis={"automargin": True},
    )
    return chart(fig, "scenarios-chart")


@router.get("/scenarios/{key}", response_class=HTMLResponse)
def scenario_page(key: str, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    """One scenario's settings and its whole report: target against control, increments, ROI, delivery."""
    _ = gettext_for(request)
    try:
        scenario = campaigns.get_scenario(session, actor, key)
    except KlienturaError as exc:
        return render(
            request,
            "message.html",
            {"title": _("Not found"), "message": explain(request, exc)},
            actor=actor,
            status=404,
        )
    report = campaigns.scenario_report(session, actor, key, shop.now(), request.app.state.settings.channel_costs)
    return render(
        request,
        "campaigns/scenario.html",
        {
            "nav": "campaigns",
            "s": scenario,
            "title": TITLES[key],
            "report": report,
            "chart": None,
        },
        actor=actor,
    )


@router.post("/scenarios/{key}", response_model=None)
async def save_scenario(
    key: str, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep
) -> RedirectResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        raw: dict[str, Any] = {"enabled": form.get("enabled") == "on"}
        if "text" in form:
            try:
                raw.update(
                    delay_hours=int(form.get("delay_hours") or 0), holdout_share=float(form.get("holdout") or 0) / 100
                )
            except ValueError:
                raw.update(delay_hours=-1)  # refused by the checks with the field's name
            raw.update(
                channel=form.get("channel") or None,
                variants=[
                    {
                        "name": "A",
                        "subject": form.get("subject", ""),
                        "text": form.get("text", ""),
                        "html": form.get("html") or None,
                    }
                ],
            )
        campaigns.update_scenario(session, actor, key, raw, shop.now())
        return "/scenarios", _("Scenario saved")

    return flash.perform(request, session, work, "/scenarios")
