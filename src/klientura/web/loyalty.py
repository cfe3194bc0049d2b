"""The loyalty programme in the browser: effectiveness, the switch simulator, the programme's rules, the ledger's
operations, and a customer's points on the card (explained lot by lot, adjusted with a reason)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from klientura.auth import require
from klientura.catalog import list_categories
from klientura.db import Session
from klientura.deps import SessionDep, get_shop
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError, ValidationFailed
from klientura.loyalty import (
    ADJUSTMENT_WITHOUT_REASON,
    KINDS,
    AdjustIn,
    SimulationIn,
    adjust_points,
    daily_effectiveness,
    load_programme,
    save_programme,
    search_operations,
    simulate,
)
from klientura.web import flash
from klientura.web.charts import Chart, chart
from klientura.web.errors import (
    CARD_NUMBER_EXPECTED,
    RATES_PER_TIER,
    WHOLE_POINTS,
)
from klientura.web.forms import number_in, shop_day, shop_zone
from klientura.web.render import WebActorDep, explain, gettext_for, open_warehouse, page_router, render

router = page_router(read="loyalty:read", write="loyalty:write")


def _flows_chart(flows: list[Any], _: Any) -> Chart:
    months = [f.month for f in flows]
    fig = go.Figure()
    for attr, label, sign in (
        ("earned", _("Earned on purchases"), 1),
        ("bonuses", _("Bonuses"), 1),
        ("redeemed", _("Redeemed"), -1),
        ("expired", _("Expired"), -1),
        ("taken_back", _("Taken back"), -1),
    ):
        fig.add_bar(x=months, y=[sign * getattr(f, attr) for f in flows], name=label)
    fig.update_layout(
        barmode="relative",
        height=320,
        margin={"l": 60, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.15},
        yaxis={"title": _("points")},
    )
    return chart(fig, "flows-chart")


@router.get("/loyalty", response_class=HTMLResponse, openapi_extra={"x-permission": "analytics:read"})
def dashboard(request: Request, session: SessionDep, actor: WebActorDep, margin: str = "35") -> HTMLResponse:
    require(actor, "loyalty:read")
    _ = gettext_for(request)
    error = None
    try:
        rate = float(margin.replace(",", ".")) / 100
        if not 0 < rate <= 1:
            raise ValueError
    except ValueError:
        error, rate = _("The margin is a percentage between 0 and 100"), 0.35
    try:
        with open_warehouse(request) as wh:
            report = daily_effectiveness(session, actor, get_shop(request).today(), rate, wh)
    except KlienturaError:  # no warehouse yet, or being written: the store answers (slower on a large base)
        report = daily_effectiveness(session, actor, get_shop(request).today(), rate)
    ctx = {
        "nav": "loyalty",
        "r": report,
        "margin": margin,
        "error": error,
        "flows_chart": _flows_chart(report.flows, _) if report.flows else None,
    }
    return render(request, "loyalty/dashboard.html", ctx, actor=actor)


@router.get("/loyalty/simulator", response_class=HTMLResponse, openapi_extra={"x-permission": "analytics:read"})
def simulator(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    kept: str = "80",
    redemption: str = "",
    rates: str = "",
    run: str = "",
) -> HTMLResponse:
    require(actor, "loyalty:read")
    current = load_programme(session)
    form = {
        "kept": kept,
        "redemption": redemption,
        "rates": rates or " / ".join(f"{t.earn_percent:g}" for t in current.tiers),
    }
    ctx: dict[str, Any] = {"nav": "loyalty", "form": form, "tiers": current.tiers, "sim": None, "error": None}
    if run:
        try:
            parts = [p for p in form["rates"].replace(",", ".").split("/") if p.strip()]
            if len(parts) != len(current.tiers):
                raise ValidationFailed(RATES_PER_TIER, tiers=len(current.tiers))
            proposed = current.model_copy(deep=True)
            for tier, part in zip(proposed.tiers, parts, strict=True):
                tier.earn_percent = type(tier.earn_percent)(str(number_in(part, "rates", 0, 100)))
            data = SimulationIn(
                programme=proposed,
                discount_orders_kept=number_in(kept, "kept", 0, 100) / 100,
                redemption_rate=number_in(redemption, "redemption", 0, 100) / 100 if redemption.strip() else None,
            )
            ctx["sim"] = simulate(session, actor, current, data)
        except KlienturaError as exc:
            ctx["error"] = explain(request, exc)
    return render(request, "loyalty/simulator.html", ctx, actor=actor, status=422 if ctx["error"] else 200)


def _settings_page(
    request: Request, session: Session, actor: Any, values: dict[str, Any], error: str | None = None, status: int = 200
) -> HTMLResponse:
    message, kind = flash.pop(request)
    zone = shop_zone(request)

    def local_input(value: str | None) -> str:  # an aware ISO datetime as the shop's datetime-local value
        try:
            return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""
        except (TypeError, ValueError):
            return str(value or "")

    ctx = {
        "nav": "loyalty",
        "p": values,
        "categories": list_categories(session),
        "error": error,
        "flash": message,
        "flash_kind": kind,
        "local_input": local_input,
    }
    return render(request, "loyalty/settings.html", ctx, actor=actor, status=status)


@router.get("/loyalty/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    require(actor, "loyalty:read")
    programme = load_programme(session)
    values = programme.model_dump(mode="json")
    values["share_percent"] = f"{float(programme.max_redeem_share) * 100:g}"
    return _settings_page(request, session, actor, values)


def _local(raw: str, zone: ZoneInfo) -> str | None:
    """A datetime-local field in the shop's time zone (the programme keeps aware datetimes)."""
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=zone).isoformat() if raw.strip() else None
    except ValueError:
        return raw  # the programme's validation says what is wrong


def _rows(form: Any, *names: str) -> list[dict[str, str]]:
    columns = [form.getlist(n) for n in names]
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=False)]
    return [r for r in rows if any(v.strip() for v in r.values())]


@router.post("/loyalty/settings", response_model=None)
async def save_settings(request: Request, session: SessionDep, actor: WebActorDep) -> Response:
    require(actor, "loyalty:write")
    form = await request.form()
    _ = gettext_for(request)
    values: dict[str, Any] = {
        k: str(form.get(k, "")).strip()
        for k in (
            "tier_window_days",
            "max_redeem_share",
            "activation_days",
            "expiry_days",
            "reminder_days",
            "welcome_bonus",
            "birthday_bonus",
            "bonus_days",
            "referrer_bonus",
            "friend_bonus",
            "referral_link",
        )
    }
    shown = values["max_redeem_share"]
    with contextlib.suppress(ValueError):  # if not a number, the programme's validation names the field
        values["max_redeem_share"] = str(float(shown.replace(",", ".")) / 100)
    values["excluded_categories"] = [int(str(c)) for c in form.getlist("excluded_categories") if str(c).isdigit()]
    values["tiers"] = [
        {
            "name": r["tier_name"].strip(),
            "min_spend": r["tier_min"].replace(" ", "").replace(",", ".") or "0",
            "earn_percent": r["tier_rate"].replace(",", "."),
        }
        for r in _rows(form, "tier_name", "tier_min", "tier_rate")
    ]
    zone = shop_zone(request)
    values["multipliers"] = [
        {
            "name": r["m_name"].strip(),
            "factor": r["m_factor"].replace(",", "."),
            "starts": _local(r["m_starts"], zone),
            "ends": _local(r["m_ends"], zone),
            "category_ids": [int(x) for x in r["m_categories"].replace(",", " ").split() if x.isdigit()],
            "tiers": [x for x in r["m_tiers"].replace(",", " ").split() if x],
        }
        for r in _rows(form, "m_name", "m_factor", "m_starts", "m_ends", "m_categories", "m_tiers")
    ]
    try:
        save_programme(session, actor, values)
    except KlienturaError as exc:
        session.rollback()
        return _settings_page(
            request, session, actor, {**values, "share_percent": shown}, error=explain(request, exc), status=422
        )
    flash.put(request, _("The programme's rules are saved"))
    return RedirectResponse("/loyalty/settings", status_code=303)


@router.get("/loyalty/operations", response_class=HTMLResponse)
def operations(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    customer: str = "",
    order: str = "",
    kind: str = "",
    since: str = "",
    until: str = "",
    author: str = "",
) -> HTMLResponse:
    require(actor, "loyalty:read")
    form = {"customer": customer, "order": order, "kind": kind, "since": since, "until": until, "author": author}
    rows, error = [], None
    try:
        if customer.strip() and not customer.strip().isdigit():
            raise ValidationFailed(CARD_NUMBER_EXPECTED)
        rows = search_operations(
            session,
            actor,
            customer_id=int(customer) if customer.strip() else None,
            order=order,
            kind=kind or None,
            since=shop_day(request, since, "since"),
            until=shop_day(request, until, "until"),
            author=author or None,
        )
    except KlienturaError as exc:
        error = explain(request, exc)
    ctx = {"nav": "loyalty", "form": form, "rows": rows, "kinds": KINDS, "error": error}
    return render(request, "loyalty/operations.html", ctx, actor=actor, status=422 if error else 200)


@router.post("/customers/{customer_id}/loyalty/adjust")
def adjust(
    customer_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    points: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        try:
            n = int(points.strip().replace(" ", "").replace("+", ""))
        except ValueError:
            raise ValidationFailed(WHOLE_POINTS) from None
        if not reason.strip():
            raise ValidationFailed(ADJUSTMENT_WITHOUT_REASON)
        adjust_points(session, actor, customer_id, AdjustIn(points=n, reason=reason.strip()), get_shop(request).now())
        return f"/customers/{customer_id}#loyalty", _("Points adjusted")

    return flash.perform(request, session, work, f"/customers/{customer_id}#loyalty")
