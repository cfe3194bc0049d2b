"""The loyalty programme in the browser: effectiveness, the switch simulator, the programme's rules, the ledger's
operations, and a customer's points on the card (explained lot by lot, adjusted with a reason)."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from klientura.auth import require
from klientura.catalog import list_categories
from klientura.db import Session
from klientura.deps import SessionDep, new_router
from klientura.kit.errors import BETWEEN, NOT_A_NUMBER, KlienturaError, ValidationFailed
from klientura.loyalty import (
    ADJUSTMENT_WITHOUT_REASON,
    KINDS,
    AdjustIn,
    SimulationIn,
    adjust_points,
    effectiveness,
    giftcards,
    load_programme,
    offers,
    referrals,
    save_programme,
    search_operations,
    simulate,
)
from klientura.web import flash
from klientura.web.clv import OPTS
from klientura.web.errors import (
    CARD_NUMBER_EXPECTED,
    DATE_EXPECTED,
    RATES_PER_TIER,
    WHOLE_POINTS,
)
from klientura.web.render import WebActorDep, explain, gettext_for, open_warehouse, render

router = new_router()


def _zone(request: Request) -> ZoneInfo:
    """The shop's time zone: dates in forms and on pages are its calendar days."""
    return ZoneInfo(request.app.state.settings.timezone)


def _flows_chart(flows: list[Any], _: Any) -> str:
    months = [f.month for f in flows]
    fig = go.Figure()
    for attr, label, sign in (("earned", _("Earned on purchases"), 1), ("bonuses", _("Bonuses"), 1),
                              ("redeemed", _("Redeemed"), -1), ("expired", _("Expired"), -1),
                              ("taken_back", _("Taken back"), -1)):  # fmt: skip
        fig.add_bar(x=months, y=[sign * getattr(f, attr) for f in flows], name=label)
    fig.update_layout(barmode="relative", height=320, margin={"l": 60, "r": 10, "t": 30, "b": 40},
                      legend={"orientation": "h", "y": 1.15}, yaxis={"title": _("points")})  # fmt: skip
    return str(fig.to_html(div_id="flows-chart", **OPTS))


@router.get("/loyalty", response_class=HTMLResponse)
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
            report = effectiveness(session, actor, margin_rate=rate, wh=wh)
    except KlienturaError:  # no warehouse yet, or being written: the store answers (slower on a large base)
        report = effectiveness(session, actor, margin_rate=rate)
    ctx = {"nav": "loyalty", "r": report, "margin": margin, "error": error,
           "flows_chart": _flows_chart(report.flows, _) if report.flows else None}  # fmt: skip
    return render(request, "loyalty/dashboard.html", ctx, actor=actor)


def _number(raw: str, what: str, lo: float, hi: float) -> float:
    try:
        value = float(raw.replace(",", ".").replace(" ", ""))
    except ValueError:
        raise ValidationFailed(NOT_A_NUMBER, field=what) from None
    if not lo <= value <= hi:
        raise ValidationFailed(BETWEEN, field=what, low=f"{lo:g}", high=f"{hi:g}")
    return value


@router.get("/loyalty/simulator", response_class=HTMLResponse)
def simulator(request: Request, session: SessionDep, actor: WebActorDep, kept: str = "80", redemption: str = "", rates: str = "",
              run: str = "") -> HTMLResponse:  # fmt: skip
    require(actor, "loyalty:read")
    current = load_programme(session)
    form = {"kept": kept, "redemption": redemption,
            "rates": rates or " / ".join(f"{t.earn_percent:g}" for t in current.tiers)}  # fmt: skip
    ctx: dict[str, Any] = {"nav": "loyalty", "form": form, "tiers": current.tiers, "sim": None, "error": None}
    if run:
        try:
            parts = [p for p in form["rates"].replace(",", ".").split("/") if p.strip()]
            if len(parts) != len(current.tiers):
                raise ValidationFailed(RATES_PER_TIER, tiers=len(current.tiers))
            proposed = current.model_copy(deep=True)
            for tier, part in zip(proposed.tiers, parts, strict=True):
                tier.earn_percent = type(tier.earn_percent)(str(_number(part, "rates", 0, 100)))
            data = SimulationIn(programme=proposed, discount_orders_kept=_number(kept, "kept", 0, 100) / 100,
                                redemption_rate=_number(redemption, "redemption", 0, 100) / 100 if redemption.strip() else None)  # fmt: skip
            ctx["sim"] = simulate(session, actor, current, data)
        except KlienturaError as exc:
            ctx["error"] = explain(request, exc)
    return render(request, "loyalty/simulator.html", ctx, actor=actor, status=422 if ctx["error"] else 200)


def _settings_page(request: Request, session: Session, actor: Any, values: dict[str, Any], error: str | None = None,
                   status: int = 200) -> HTMLResponse:  # fmt: skip
    message, kind = flash.pop(request)
    zone = _zone(request)

    def local_input(value: str | None) -> str:  # an aware ISO datetime as the shop's datetime-local value
        try:
            return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""
        except (TypeError, ValueError):
            return str(value or "")

    ctx = {"nav": "loyalty", "p": values, "categories": list_categories(session), "error": error, "flash": message,
           "flash_kind": kind, "local_input": local_input}  # fmt: skip
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
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in (
        "tier_window_days", "max_redeem_share", "activation_days", "expiry_days", "reminder_days", "welcome_bonus",
        "birthday_bonus", "bonus_days", "referrer_bonus", "friend_bonus", "referral_link")}  # fmt: skip
    shown = values["max_redeem_share"]
    with contextlib.suppress(ValueError):  # if not a number, the programme's validation names the field
        values["max_redeem_share"] = str(float(shown.replace(",", ".")) / 100)
    values["excluded_categories"] = [int(str(c)) for c in form.getlist("excluded_categories") if str(c).isdigit()]
    values["tiers"] = [{"name": r["tier_name"].strip(), "min_spend": r["tier_min"].replace(" ", "").replace(",", ".") or "0",
                        "earn_percent": r["tier_rate"].replace(",", ".")}
                       for r in _rows(form, "tier_name", "tier_min", "tier_rate")]  # fmt: skip
    zone = _zone(request)
    values["multipliers"] = [{"name": r["m_name"].strip(), "factor": r["m_factor"].replace(",", "."),
                              "starts": _local(r["m_starts"], zone), "ends": _local(r["m_ends"], zone),
                              "category_ids": [int(x) for x in r["m_categories"].replace(",", " ").split() if x.isdigit()],
                              "tiers": [x for x in r["m_tiers"].replace(",", " ").split() if x]}
                             for r in _rows(form, "m_name", "m_factor", "m_starts", "m_ends", "m_categories", "m_tiers")]  # fmt: skip
    try:
        save_programme(session, actor, values)
    except KlienturaError as exc:
        session.rollback()
        return _settings_page(request, session, actor, {**values, "share_percent": shown}, error=explain(request, exc),
                              status=422)  # fmt: skip
    flash.put(request, _("The programme's rules are saved"))
    return RedirectResponse("/loyalty/settings", status_code=303)


def _day(request: Request, raw: str, what: str) -> datetime | None:
    """The start of a date typed in a form, in the shop's time zone."""
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed(DATE_EXPECTED, field=what, example="2026-11-01") from None
    return datetime.combine(day, time(), _zone(request))


@router.get("/loyalty/operations", response_class=HTMLResponse)
def operations(request: Request, session: SessionDep, actor: WebActorDep, customer: str = "", order: str = "", kind: str = "",
               since: str = "", until: str = "", author: str = "") -> HTMLResponse:  # fmt: skip
    require(actor, "loyalty:read")
    form = {"customer": customer, "order": order, "kind": kind, "since": since, "until": until, "author": author}
    rows, error = [], None
    try:
        if customer.strip() and not customer.strip().isdigit():
            raise ValidationFailed(CARD_NUMBER_EXPECTED)
        rows = search_operations(session, actor, customer_id=int(customer) if customer.strip() else None, order=order,
                                 kind=kind or None, since=_day(request, since, "since"),
                                 until=_day(request, until, "until"),
                                 author=author or None)  # fmt: skip
    except KlienturaError as exc:
        error = explain(request, exc)
    ctx = {"nav": "loyalty", "form": form, "rows": rows, "kinds": KINDS, "error": error}
    return render(request, "loyalty/operations.html", ctx, actor=actor, status=422 if error else 200)


@router.post("/customers/{customer_id}/loyalty/adjust")
def adjust(customer_id: int, request: Request, session: SessionDep, actor: WebActorDep, points: Annotated[str, Form()] = "",
           reason: Annotated[str, Form()] = "") -> RedirectResponse:  # fmt: skip
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        try:
            n = int(points.strip().replace(" ", "").replace("+", ""))
        except ValueError:
            raise ValidationFailed(WHOLE_POINTS) from None
        if not reason.strip():
            raise ValidationFailed(ADJUSTMENT_WITHOUT_REASON)
        adjust_points(
            session, actor, customer_id, AdjustIn(points=n, reason=reason.strip()), datetime.now().astimezone()
        )
        return f"/customers/{customer_id}#loyalty", _("Points adjusted")

    return flash.perform(request, session, work, f"/customers/{customer_id}#loyalty")


@router.post("/customers/{customer_id}/loyalty/invite")
def invite(customer_id: int, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        referrals.issue_code(session, actor, customer_id)
        return f"/customers/{customer_id}#loyalty", _("Invitation code made")

    return flash.perform(request, session, work, f"/customers/{customer_id}#loyalty")


def invitation_block(request: Request, session: Session, code: str | None) -> dict[str, Any]:
    """The card's referral part: the code, its link and the QR image (inline SVG)."""
    if code is None:
        return {"code": None}
    template = load_programme(session).referral_link
    link = template.replace("{code}", code) if template else f"{str(request.base_url).rstrip('/')}/r/{code}"
    svg = referrals.qr_svg(link)
    return {"code": code, "link": link, "qr": svg[svg.index("<svg") :]}


@router.get("/r/{code}", response_class=HTMLResponse)
def invitation_landing(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Where a friend's QR code leads (no login): the code to give at the first purchase."""
    _ = gettext_for(request)
    try:
        referrals.referrer_of(session, code)
    except KlienturaError:
        return render(request, "message.html", {"title": _("Not found"), "message": _("This invitation is not valid")},
                      status=404)  # fmt: skip
    bonus = load_programme(session).friend_bonus
    text = _("Give the code %(code)s at your first purchase") % {"code": offers.normalise(code)}
    if bonus:
        text += " — " + _("%(n)s bonus points are yours after it") % {"n": bonus}
    return render(request, "message.html", {"title": _("You are invited"), "message": text})


def _offers_page(request: Request, session: Session, actor: Any, form: dict[str, Any], error: str | None = None,
                 card: Any = None, status: int = 200) -> HTMLResponse:  # fmt: skip
    message, kind = flash.pop(request)
    zone = _zone(request)
    found = offers.list_offers(session, actor)
    # the shop's calendar days: an offer "until 31 December" runs to the end of that day
    days = {o.id: (o.valid_from.astimezone(zone).date() if o.valid_from else None,
                   (o.valid_until.astimezone(zone) - timedelta(microseconds=1)).date() if o.valid_until else None)
            for o in found}  # fmt: skip
    ctx = {"nav": "loyalty", "offers": found, "days": days, "categories": list_categories(session),
           "form": form, "error": error, "card": card, "flash": message, "flash_kind": kind}  # fmt: skip
    return render(request, "loyalty/offers.html", ctx, actor=actor, status=status)


@router.get("/loyalty/offers", response_class=HTMLResponse)
def offers_page(request: Request, session: SessionDep, actor: WebActorDep, card: str = "") -> HTMLResponse:
    require(actor, "loyalty:read")
    found, error = None, None
    if card.strip():
        try:
            found = giftcards.get_card(session, actor, card)
        except KlienturaError as exc:
            error = explain(request, exc)
    return _offers_page(request, session, actor, {"kind": "percent", "card": card}, error=error, card=found,
                        status=404 if error else 200)  # fmt: skip


@router.post("/loyalty/offers", response_model=None)
async def create_offer(request: Request, session: SessionDep, actor: WebActorDep) -> Response:
    require(actor, "loyalty:write")
    _ = gettext_for(request)
    form = await request.form()
    raw = {k: str(form.get(k, "")).strip() for k in ("name", "kind", "value", "min_total", "valid_from", "valid_until",
                                                      "per_customer", "code", "max_uses", "unique_codes")}  # fmt: skip
    data: dict[str, Any] = {"name": raw["name"], "code": raw["code"] or None,
                            "category_ids": [int(str(c)) for c in form.getlist("category_ids") if str(c).isdigit()]}  # fmt: skip
    data["discount_percent" if raw["kind"] == "percent" else "discount_amount"] = raw["value"].replace(",", ".") or None
    for key in ("min_total", "per_customer", "max_uses", "unique_codes"):
        if raw[key]:
            data[key] = raw[key].replace(",", ".").replace(" ", "")
    try:
        for key in ("valid_from", "valid_until"):  # from the start of the first day to the end of the last
            if first := _day(request, raw[key], key):
                data[key] = (first + timedelta(days=1 if key == "valid_until" else 0)).isoformat()
        made = offers.create_offer(session, actor, data)
    except KlienturaError as exc:
        session.rollback()
        return _offers_page(request, session, actor, raw, error=explain(request, exc), status=422)
    flash.put(request, _("Offer %(name)s created with %(n)s codes") % {"name": made.name, "n": made.codes})
    return RedirectResponse("/loyalty/offers", status_code=303)


@router.post("/loyalty/offers/{offer_id}/active")
def switch_offer(offer_id: int, request: Request, session: SessionDep, actor: WebActorDep,
                 active: Annotated[str, Form()] = "") -> RedirectResponse:  # fmt: skip
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        offers.set_active(session, actor, offer_id, active == "1")
        return "/loyalty/offers", _("Offer switched on") if active == "1" else _("Offer switched off")

    return flash.perform(request, session, work, "/loyalty/offers")


@router.post("/loyalty/gift-cards")
def issue_gift_card(request: Request, session: SessionDep, actor: WebActorDep, amount: Annotated[str, Form()] = "",
                    number: Annotated[str, Form()] = "", expires: Annotated[str, Form()] = "") -> RedirectResponse:  # fmt: skip
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        value = _number(amount, "amount", 1, 1_000_000)
        until = _day(request, expires, "expires")
        card = giftcards.issue(session, actor, giftcards.GiftCardIn(
            amount=Decimal(str(value)), number=number.strip() or None, expires_at=until), datetime.now(UTC))  # fmt: skip
        return f"/loyalty/offers?card={card.number}", _("Gift card %(n)s issued") % {"n": card.number}

    return flash.perform(request, session, work, "/loyalty/offers")
