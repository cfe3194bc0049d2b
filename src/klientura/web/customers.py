"""Customer pages: the list with search and filters, the card with everything about a person."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import analytics, conversations, customers, dedup, sales, segments
from klientura.audit import Actor
from klientura.auth import can
from klientura.catalog import list_outlets
from klientura.customers import CustomerUpdate
from klientura.db import Session
from klientura.deps import SessionDep, ShopDep, get_shop
from klientura.events import events_of
from klientura.kit.bounds import Id
from klientura.kit.channels import CONSENT_CHANNELS
from klientura.kit.dates import NOT_A_DATE
from klientura.kit.errors import KlienturaError, ValidationFailed
from klientura.kit.i18n import N_
from klientura.loyalty import account_view, referral_of
from klientura.orders import orders_of, returns_of, totals_for
from klientura.web import flash
from klientura.web.loyalty_offers import invitation_block
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render
from klientura.web.sales_view import QUOTE_STATUS, TIMELINE_KIND

router = page_router(read="customers:read", write="customers:write")
CHANNELS = CONSENT_CHANNELS


def _query(request: Request) -> customers.SearchQuery:
    p = request.query_params
    flag = {"1": True, "0": False}
    return customers.SearchQuery(
        q=p.get("q") or None,
        tag=p.get("tag") or None,
        city=p.get("city") or None,
        gender=p.get("gender") or None,
        has_email=flag.get(p.get("has_email", "")),
        sort=p.get("sort") or "-id",
        limit=50,
        cursor=p.get("cursor") or None,
    )


def _rows_context(request: Request, session: Session, actor: Actor, query: customers.SearchQuery) -> dict[str, Any]:
    page = customers.search_customers(session, actor, query, region=get_shop(request).region)
    ids = [c.id for c in page.items]
    keep = {k: v for k, v in request.query_params.items() if k not in ("cursor", "lang") and v}
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "totals": totals_for(session, ids),
        "tags_of": customers.tags_of(session, ids),
        "more_qs": urlencode(keep),
    }


@router.get("/customers", response_class=HTMLResponse)
def customer_list(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    _ = gettext_for(request)
    query = _query(request)
    try:
        ctx = _rows_context(request, session, actor, query)
    except KlienturaError as exc:
        query = customers.SearchQuery()
        ctx = {**_rows_context(request, session, actor, query), "flash": explain(request, exc), "flash_kind": "error"}
    sorts = [("-id", _("Newest first")), ("id", _("Oldest first")), ("name", _("By name"))]
    return render(
        request,
        "customers/list.html",
        {
            **ctx,
            "nav": "customers",
            "query": query,
            "tags": customers.all_tags(session),
            "sorts": sorts,
            "total": customers.count_customers(session, actor),
        },
        actor=actor,
    )


@router.get("/customers/rows", response_class=HTMLResponse)
def customer_rows(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    try:
        ctx = _rows_context(request, session, actor, _query(request))
    except KlienturaError as exc:
        # htmx swaps only a 2xx answer: the refusal takes the rows' place
        return render(request, "customers/_rows_error.html", {"error": explain(request, exc)}, actor=actor)
    return render(request, "customers/_rows.html", ctx, actor=actor)


def _timeline(session: Session, actor: Any, customer_id: Id) -> list[dict[str, Any]]:
    orders = orders_of(session, actor, customer_id, limit=200)
    outlets = {o.id: o.name for o in list_outlets(session)}
    items: list[dict[str, Any]] = [
        {"kind": "order", "at": o.placed_at, "obj": o, "outlet": outlets.get(o.outlet_id or 0)} for o in orders
    ]
    items += [{"kind": "return", "at": r.returned_at, "obj": r} for r in returns_of(session, [o.id for o in orders])]
    items += [
        {"kind": "event", "at": e.occurred_at, "obj": e} for e in events_of(session, actor, customer_id, limit=200)
    ]
    items += [{"kind": "merge", "at": m.merged_at, "obj": m} for m in dedup.merges_of(session, customer_id)]
    if can(actor, "sales:read"):  # deals' moves, tasks, notes, quotes and requests (the orders are above)
        entries = sales.customer_timeline(session, actor, customer_id)
        entries += conversations.timeline_entries(session, actor, customer_id=customer_id)
        items += [{"kind": "sales", "at": e.at, "obj": e} for e in entries if e.kind != "order"]
    items.sort(key=lambda x: x["at"], reverse=True)
    return items


@router.get("/customers/{customer_id}", response_class=HTMLResponse, response_model=None)
def customer_card(
    customer_id: Id, request: Request, session: SessionDep, actor: WebActorDep
) -> HTMLResponse | RedirectResponse:
    _ = gettext_for(request)
    try:
        customer = customers.get_customer(session, actor, customer_id)
    except KlienturaError as exc:
        return render(
            request,
            "message.html",
            {"title": _("Not found"), "message": explain(request, exc)},
            actor=actor,
            status=404,
        )
    if customer.id != customer_id:
        return RedirectResponse(f"/customers/{customer.id}", status_code=303)
    read = customers.to_read(session, customer)
    message, kind = flash.pop(request)
    fields = [
        ("last_name", _("Last name")),
        ("first_name", _("First name")),
        ("middle_name", _("Middle name")),
        ("gender", _("Gender")),
        ("birth_date", _("Birth date")),
        ("postcode", _("Postcode")),
        ("region", _("Region")),
        ("city", _("City")),
        ("address", _("Address")),
        ("timezone", _("Time zone")),
        ("preferred_channel", _("Preferred channel")),
        ("acquisition_source", _("Acquisition source")),
    ]
    return render(
        request,
        "customers/card.html",
        {
            "nav": "customers",
            "c": read,
            "fields": fields,
            "editing": request.query_params.get("edit") == "1",
            "totals": totals_for(session, [customer.id])[customer.id],
            "timeline": _timeline(session, actor, customer.id),
            "timeline_kind": TIMELINE_KIND,
            "quote_status": QUOTE_STATUS,
            "other_values": customers.field_values(session, customer.id),
            "channels": CHANNELS,
            "consents": {x.channel: x for x in read.consents},
            "consent_history": customers.consent_history(session, actor, customer.id),
            "suggestions": dedup.list_suggestions(session, actor, customer_id=customer.id, limit=10),
            "score": analytics.score_of(session, customer.id),
            "clv": analytics.clv.clv_of(session, customer.id),
            "flash": message,
            "flash_kind": kind,
            "member_of": segments.segments_of(session, customer.id) if can(actor, "segments:read") else [],
            **_loyalty(request, session, actor, customer.id),
        },
        actor=actor,
    )


def _loyalty(request: Request, session: Session, actor: Any, customer_id: Id) -> dict[str, Any]:
    """The card's points: balance, tier, every lot explained; the invitation code and its QR image."""
    if not can(actor, "loyalty:read"):
        return {"points": None}
    view = account_view(session, actor, customer_id, get_shop(request).now())
    return {"points": view, "invitation": invitation_block(request, session, referral_of(session, actor, customer_id))}


def _act(request: Request, session: Session, customer_id: Id, fn: Any, ok: str) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        fn()
        return f"/customers/{customer_id}", _(ok)

    return flash.perform(request, session, work, f"/customers/{customer_id}")


@router.post("/customers/{customer_id}/profile")
def save_profile(
    customer_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    last_name: str = Form(""),
    first_name: str = Form(""),
    middle_name: str = Form(""),
    gender: str = Form(""),
    birth_date: str = Form(""),
    city: str = Form(""),
    postcode: str = Form(""),
    region: str = Form(""),
    address: str = Form(""),
    timezone: str = Form(""),
    preferred_channel: str = Form(""),
    acquisition_source: str = Form(""),
) -> RedirectResponse:

    def run() -> None:
        try:
            bd = date.fromisoformat(birth_date) if birth_date else None
        except ValueError as exc:
            raise ValidationFailed(NOT_A_DATE, field="birth_date", value=birth_date) from exc
        patch = CustomerUpdate.model_validate(
            {
                "last_name": last_name or None,
                "first_name": first_name or None,
                "middle_name": middle_name or None,
                "gender": gender or None,
                "birth_date": bd,
                "city": city or None,
                "postcode": postcode or None,
                "region": region or None,
                "address": address or None,
                "timezone": timezone or None,
                "preferred_channel": preferred_channel or None,
                "acquisition_source": acquisition_source or None,
            }
        )
        customers.update_customer(session, actor, customer_id, patch)

    return _act(request, session, customer_id, run, "Saved.")


@router.post("/customers/{customer_id}/identities")
def add_identity(
    customer_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    kind: str = Form(...),
    value: str = Form(...),
) -> RedirectResponse:
    region = shop.region
    return _act(
        request,
        session,
        customer_id,
        lambda: customers.add_identity(session, actor, customer_id, kind, value, region),
        "Contact added.",
    )


@router.post("/customers/{customer_id}/identities/{identity_id}/delete")
def remove_identity(
    customer_id: Id, identity_id: Id, request: Request, session: SessionDep, actor: WebActorDep
) -> RedirectResponse:
    return _act(
        request,
        session,
        customer_id,
        lambda: customers.remove_identity(session, actor, customer_id, identity_id),
        "Contact removed.",
    )


@router.post("/customers/{customer_id}/identities/{identity_id}/unbounce")
def clear_bounce(
    customer_id: Id, identity_id: Id, request: Request, session: SessionDep, actor: WebActorDep
) -> RedirectResponse:
    return _act(
        request,
        session,
        customer_id,
        lambda: customers.clear_bounce(session, actor, customer_id, identity_id),
        N_("Messages go to this address again."),
    )


@router.post("/customers/{customer_id}/consents")
def set_consent(
    customer_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    channel: str = Form(...),
    granted: str = Form(...),
) -> RedirectResponse:

    def run() -> None:
        customer = customers.get_for_write(session, actor, customer_id)
        given = customers.Given(f"ui:{actor.name}"[:64], at=get_shop(request).now(), explicit=True, place="card page")
        customers.set_consent(session, actor, customer.id, channel, granted == "1", given)

    return _act(request, session, customer_id, run, "Consent updated.")


@router.post("/customers/{customer_id}/tags")
def add_tag(
    customer_id: Id, request: Request, session: SessionDep, actor: WebActorDep, tag: str = Form(...)
) -> RedirectResponse:

    def run() -> None:
        customers.add_tags(session, actor, customers.get_for_write(session, actor, customer_id).id, [tag])

    return _act(request, session, customer_id, run, "Tag added.")


@router.post("/customers/{customer_id}/tags/delete")
def remove_tag(
    customer_id: Id, request: Request, session: SessionDep, actor: WebActorDep, tag: str = Form(...)
) -> RedirectResponse:

    def run() -> None:
        customers.remove_tag(session, actor, customers.get_for_write(session, actor, customer_id).id, tag)

    return _act(request, session, customer_id, run, "Tag removed.")
