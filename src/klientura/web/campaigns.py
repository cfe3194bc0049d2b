"""Campaigns in the browser: the list with progress, the wizard (segment, channel, content, control group,
schedule), a campaign's page with preview, test send, launch, live progress and the report with its chart."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import campaigns, segments
from klientura.audit import Actor
from klientura.db import Session
from klientura.deps import SessionDep, ShopDep, get_shop, previewing_of, sending_of
from klientura.kit.bounds import Cursor, Id
from klientura.kit.channels import SEND_CHANNELS
from klientura.kit.errors import KlienturaError, ValidationFailed
from klientura.loyalty import list_offers
from klientura.web import flash
from klientura.web.charts import Chart, chart
from klientura.web.errors import HOLDOUT_AND_CAP, WHEN_TO_SEND
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="campaigns:read", write="campaigns:write")
CHANNELS = ["", *SEND_CHANNELS]
BLANK = {
    "name": "",
    "segment_id": "",
    "channel": "",
    "holdout": "10",
    "global_control": "on",
    "cap": "2",
    "cap_days": "7",
    "quiet_from": "21:00",
    "quiet_until": "09:00",
    "offer_id": "",
    "attribution_days": "7",
    "when": "draft",
    "scheduled_at": "",
    "a_subject": "",
    "a_text": "",
    "a_html": "",
    "b_subject": "",
    "b_text": "",
    "b_html": "",
}


def _raw(form: dict[str, str], zone: ZoneInfo) -> dict[str, Any]:
    """The wizard's fields as the service's campaign, or a readable error naming the field."""
    variants = [
        {
            "name": name.upper(),
            "subject": form.get(f"{name}_subject", ""),
            "text": form.get(f"{name}_text", ""),
            "html": form.get(f"{name}_html") or None,
        }
        for name in ("a", "b")
        if name == "a" or form.get(f"{name}_text", "").strip()
    ]
    try:
        holdout = float(form.get("holdout") or 0) / 100
        cap = int(form["cap"]) if form.get("cap") else None
    except ValueError as exc:
        raise ValidationFailed(HOLDOUT_AND_CAP) from exc
    scheduled = None
    if form.get("when") == "later":
        if not form.get("scheduled_at"):
            raise ValidationFailed(WHEN_TO_SEND)
        scheduled = datetime.fromisoformat(form["scheduled_at"]).replace(tzinfo=zone)
    return {
        "name": form.get("name", ""),
        "segment_id": form.get("segment_id") or 0,
        "channel": form.get("channel") or None,
        "variants": variants,
        "holdout_share": holdout,
        "global_control": form.get("global_control") == "on",
        "cap": cap,
        "cap_days": form.get("cap_days") or 7,
        "quiet_from": form.get("quiet_from") or None,
        "quiet_until": form.get("quiet_until") or None,
        "offer_id": form.get("offer_id") or None,
        "attribution_days": form.get("attribution_days") or 7,
        "scheduled_at": scheduled,
    }


@router.get("/campaigns", response_class=HTMLResponse)
def list_page(
    request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep, cursor: Cursor | None = None
) -> HTMLResponse:
    rows, next_cursor = campaigns.list_campaigns(session, actor, cursor=cursor, limit=100)
    message, kind = flash.pop(request)
    period = campaigns.global_control(session, shop.now(), draw=False)
    return render(
        request,
        "campaigns/list.html",
        {
            "nav": "campaigns",
            "campaigns": rows,
            "progress": campaigns.progress(session, [c.id for c in rows]),
            "next_cursor": next_cursor,
            "segments": {s.id: s.name for s in segments.list_segments(session, actor)[0]},
            "period": period,
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


def _form_page(
    request: Request, session: Session, actor: Actor, form: dict[str, str], error: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "campaigns/new.html",
        {
            "nav": "campaigns",
            "form": form,
            "segments": segments.list_segments(session, actor)[0],
            "offers": [o for o in list_offers(session, actor) if o.active],
            "channels": CHANNELS,
            "flash": error,
            "flash_kind": "error" if error else None,
        },
        actor=actor,
        status=status,
    )


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    form = dict(BLANK)
    if request.query_params.get("segment_id"):
        form["segment_id"] = request.query_params["segment_id"]
    return _form_page(request, session, actor, form)


@router.post("/campaigns/new", response_class=HTMLResponse, response_model=None)
async def create(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse | RedirectResponse:
    form = {**BLANK, "global_control": "", **{k: str(v) for k, v in (await request.form()).items()}}
    try:
        c = campaigns.create_campaign(session, actor, _raw(form, get_shop(request).zone))
    except (KlienturaError, ValueError) as exc:
        session.rollback()
        return _form_page(
            request, session, actor, form, explain(request, exc) if isinstance(exc, KlienturaError) else str(exc), 422
        )
    _ = gettext_for(request)
    return flash.redirect(request, f"/campaigns/{c.id}", _("Campaign saved"))


def _chart(report: campaigns.CampaignReport, _: Any) -> Chart:
    fig = go.Figure()
    days = [str(row["day"]) for row in report.daily]
    fig.add_scatter(x=days, y=[row["target"] for row in report.daily], name=_("Target group"), mode="lines+markers")
    fig.add_scatter(
        x=days,
        y=[row["control"] for row in report.daily],
        name=_("Control group"),
        mode="lines+markers",
        line={"dash": "dash"},
    )
    fig.update_layout(
        height=300,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.15},
        yaxis={"title": _("revenue per customer, cumulative")},
    )
    return chart(fig, "campaign-chart")


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def detail_page(
    campaign_id: Id, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep
) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        c = campaigns.get_campaign(session, actor, campaign_id)
    except KlienturaError as exc:
        return render(
            request,
            "message.html",
            {"title": _("Not found"), "message": explain(request, exc)},
            actor=actor,
            status=404,
        )
    settings = request.app.state.settings
    report = chart = None
    if c.launched_at is not None:
        report = campaigns.report(session, actor, c.id, shop.now(), settings.channel_costs, shop.timezone)
        chart = _chart(report, _)
    message, kind = flash.pop(request)
    return render(
        request,
        "campaigns/detail.html",
        {
            "nav": "campaigns",
            "c": c,
            "report": report,
            "chart": chart,
            "segment": segments.get_segment(session, actor, c.segment_id),
            "progress": campaigns.progress(session, [c.id])[c.id],
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.get("/campaigns/{campaign_id}/progress", response_class=HTMLResponse)
def progress_fragment(campaign_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    """The live counters (HTMX polls them while messages are on their way)."""
    c = campaigns.get_campaign(session, actor, campaign_id)
    return render(
        request,
        "campaigns/_progress.html",
        {"c": c, "progress": campaigns.progress(session, [c.id])[c.id]},
        actor=actor,
    )


@router.post(
    "/campaigns/{campaign_id}/preview", response_class=HTMLResponse, openapi_extra={"x-permission": "campaigns:read"}
)
async def preview_fragment(
    campaign_id: Id, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep
) -> HTMLResponse:
    form = await request.form()
    try:
        shown = campaigns.preview(
            session,
            actor,
            campaign_id,
            int(str(form.get("customer_id") or "0")),
            shop.now(),
            previewing_of(request),
            str(form.get("variant") or "") or None,
        )
        return render(request, "campaigns/_preview.html", {"p": shown}, actor=actor)
    except (KlienturaError, ValueError) as exc:
        error = (
            explain(request, exc)
            if isinstance(exc, KlienturaError)
            else gettext_for(request)("Enter the number of a customer")
        )
        return render(request, "campaigns/_preview.html", {"error": error}, actor=actor)


def _act(
    request: Request, session: Session, actor: Actor, campaign_id: int, what: str, form: dict[str, str]
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/campaigns/{campaign_id}"

    def work() -> tuple[str, str]:
        if what == "launch":
            c = campaigns.launch(session, actor, campaign_id, get_shop(request).now(), sending_of(request))
            return url, _("Launched: %(n)s messages on their way") % {"n": c.plan.get("target", 0)}
        if what == "cancel":
            campaigns.cancel(session, actor, campaign_id, get_shop(request).now())
            return url, _("Campaign cancelled")
        if what == "unschedule":
            campaigns.schedule(session, actor, campaign_id, None)
            return url, _("Back to a draft")
        campaigns.test_send(
            session,
            actor,
            campaign_id,
            int(form.get("customer_id") or 0),
            form.get("to", ""),
            form.get("channel") or "email",
            get_shop(request).now(),
            sending_of(request),
            get_shop(request).region,
        )
        return url, _("Test message queued to %(to)s") % {"to": form.get("to", "")}

    return flash.perform(request, session, work, url)


@router.post("/campaigns/{campaign_id}/{what}", response_model=None)
async def action(
    campaign_id: Id, what: str, request: Request, session: SessionDep, actor: WebActorDep
) -> RedirectResponse:
    if what not in ("launch", "cancel", "unschedule", "test"):
        return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if what == "test" and not form.get("customer_id", "").isdigit():
        _ = gettext_for(request)
        return flash.redirect(request, f"/campaigns/{campaign_id}", _("Enter the number of a customer"), "error")
    return _act(request, session, actor, campaign_id, what, form)


@router.post("/campaigns-global-control", response_model=None)
async def global_control(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> RedirectResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        share = float(form.get("share") or 0) / 100
        if share <= 0:
            campaigns.stop_global_control(session, actor, shop.now())
            return "/campaigns", _("No global control group from now on")
        campaigns.set_global_control(session, actor, {"share": share, "days": int(form.get("days") or 90)}, shop.now())
        return "/campaigns", _("A new global control group is drawn")

    try:
        return flash.perform(request, session, work, "/campaigns")
    except ValueError:
        return flash.redirect(request, "/campaigns", _("The share and the period are numbers"), "error")
