"""Offers, gift cards and invitations in the browser: promo codes and coupons, gift cards issued and looked up, a
customer's invitation code and the page its QR code leads to."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from klientura import loyalty
from klientura.auth import require
from klientura.catalog import list_categories
from klientura.db import Session
from klientura.deps import SessionDep, ShopDep
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.loyalty import (
    load_programme,
)
from klientura.web import flash
from klientura.web.forms import number_in, shop_day, shop_zone
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="loyalty:read", write="loyalty:write")


@router.post("/customers/{customer_id}/loyalty/invite")
def invite(customer_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        loyalty.issue_referral_code(session, actor, customer_id)
        return f"/customers/{customer_id}#loyalty", _("Invitation code made")

    return flash.perform(request, session, work, f"/customers/{customer_id}#loyalty")


def invitation_block(request: Request, session: Session, code: str | None) -> dict[str, Any]:
    """The card's referral part: the code, its link and the QR image (an SVG as a data: address of an img)."""
    if code is None:
        return {"code": None}
    template = load_programme(session).referral_link
    link = template.replace("{code}", code) if template else f"{str(request.base_url).rstrip('/')}/r/{code}"
    svg = loyalty.referral_qr_svg(link).encode()
    return {"code": code, "link": link, "qr": "data:image/svg+xml;base64," + base64.b64encode(svg).decode()}


@router.get("/r/{code}", response_class=HTMLResponse, openapi_extra={"x-permission": "public"})
def invitation_landing(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Where a friend's QR code leads (no login): the code to give at the first purchase."""
    _ = gettext_for(request)
    try:
        loyalty.referrer_of(session, code)
    except KlienturaError:
        return render(
            request, "message.html", {"title": _("Not found"), "message": _("This invitation is not valid")}, status=404
        )
    bonus = load_programme(session).friend_bonus
    text = _("Give the code %(code)s at your first purchase") % {"code": loyalty.normalise_code(code)}
    if bonus:
        text += " — " + _("%(n)s bonus points are yours after it") % {"n": bonus}
    return render(request, "message.html", {"title": _("You are invited"), "message": text})


def _offers_page(
    request: Request,
    session: Session,
    actor: Any,
    form: dict[str, Any],
    error: str | None = None,
    card: Any = None,
    status: int = 200,
) -> HTMLResponse:
    message, kind = flash.pop(request)
    zone = shop_zone(request)
    found = loyalty.list_offers(session, actor)
    # the shop's calendar days: an offer "until 31 December" runs to the end of that day
    days = {
        o.id: (
            o.valid_from.astimezone(zone).date() if o.valid_from else None,
            (o.valid_until.astimezone(zone) - timedelta(microseconds=1)).date() if o.valid_until else None,
        )
        for o in found
    }
    ctx = {
        "nav": "loyalty",
        "offers": found,
        "days": days,
        "categories": list_categories(session),
        "form": form,
        "error": error,
        "card": card,
        "flash": message,
        "flash_kind": kind,
    }
    return render(request, "loyalty/offers.html", ctx, actor=actor, status=status)


@router.get("/loyalty/offers", response_class=HTMLResponse)
def offers_page(request: Request, session: SessionDep, actor: WebActorDep, card: str = "") -> HTMLResponse:
    require(actor, "loyalty:read")
    found, error = None, None
    if card.strip():
        try:
            found = loyalty.get_gift_card(session, actor, card)
        except KlienturaError as exc:
            error = explain(request, exc)
    return _offers_page(
        request,
        session,
        actor,
        {"kind": "percent", "card": card},
        error=error,
        card=found,
        status=404 if error else 200,
    )


@router.post("/loyalty/offers", response_model=None)
async def create_offer(request: Request, session: SessionDep, actor: WebActorDep) -> Response:
    require(actor, "loyalty:write")
    _ = gettext_for(request)
    form = await request.form()
    raw = {
        k: str(form.get(k, "")).strip()
        for k in (
            "name",
            "kind",
            "value",
            "min_total",
            "valid_from",
            "valid_until",
            "per_customer",
            "code",
            "max_uses",
            "unique_codes",
        )
    }
    data: dict[str, Any] = {
        "name": raw["name"],
        "code": raw["code"] or None,
        "category_ids": [int(str(c)) for c in form.getlist("category_ids") if str(c).isdigit()],
    }
    data["discount_percent" if raw["kind"] == "percent" else "discount_amount"] = raw["value"].replace(",", ".") or None
    for key in ("min_total", "per_customer", "max_uses", "unique_codes"):
        if raw[key]:
            data[key] = raw[key].replace(",", ".").replace(" ", "")
    try:
        for key in ("valid_from", "valid_until"):  # from the start of the first day to the end of the last
            if first := shop_day(request, raw[key], key):
                data[key] = (first + timedelta(days=1 if key == "valid_until" else 0)).isoformat()
        made = loyalty.create_offer(session, actor, data)
    except KlienturaError as exc:
        session.rollback()
        return _offers_page(request, session, actor, raw, error=explain(request, exc), status=422)
    flash.put(request, _("Offer %(name)s created with %(n)s codes") % {"name": made.name, "n": made.codes})
    return RedirectResponse("/loyalty/offers", status_code=303)


@router.post("/loyalty/offers/{offer_id}/active")
def switch_offer(
    offer_id: Id, request: Request, session: SessionDep, actor: WebActorDep, active: Annotated[str, Form()] = ""
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        loyalty.set_offer_active(session, actor, offer_id, active == "1")
        return "/loyalty/offers", _("Offer switched on") if active == "1" else _("Offer switched off")

    return flash.perform(request, session, work, "/loyalty/offers")


@router.post("/loyalty/gift-cards")
def issue_gift_card(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    amount: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    expires: Annotated[str, Form()] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        value = number_in(amount, "amount", 1, 1_000_000)
        until = shop_day(request, expires, "expires")
        card = loyalty.issue_gift_card(
            session,
            actor,
            loyalty.GiftCardIn(amount=Decimal(str(value)), number=number.strip() or None, expires_at=until),
            shop.now(),
        )
        return f"/loyalty/offers?card={card.number}", _("Gift card %(n)s issued") % {"n": card.number}

    return flash.perform(request, session, work, "/loyalty/offers")
