"""A manager's day (today's tasks, overdue ones, open deals without a next step) and the leads: requests to qualify
into deals or close with a reason."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import customers, sales
from klientura.deps import SessionDep, ShopDep
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render
from klientura.web.sales import assignable, build, perform, user_names

router = page_router(read="sales:read", write="sales:write")
LEAD_STATES = {
    "open": N_("Open"),
    "converted": N_("Became deals"),
    "closed": N_("Closed"),
    "attached": N_("Repeat requests"),
}
CLOSE_REASONS = {"junk": N_("Junk"), "duplicate": N_("Duplicate"), "no_need": N_("No need"), "other": N_("Other")}


@router.get("/sales/day", response_class=HTMLResponse)
def my_day(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    start = shop.start_of(shop.today())
    day = sales.my_day(session, actor, start=start, end=start + timedelta(days=1), now=shop.now())
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/day.html",
        {
            "nav": "sales",
            "plan": day,
            "now": shop.now(),
            "users": user_names(session),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.get("/sales/leads", response_class=HTMLResponse)
def leads(
    request: Request, session: SessionDep, actor: WebActorDep, status: str = "open", cursor: str | None = None
) -> HTMLResponse:
    status = status if status in LEAD_STATES else "open"
    rows, nxt = sales.list_leads(session, actor, status=status, cursor=cursor, limit=50)
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/leads.html",
        {
            "nav": "sales",
            "leads": rows,
            "status": status,
            "states": LEAD_STATES,
            "close_reasons": CLOSE_REASONS,
            "next_cursor": nxt,
            "names": customers.names_of(session, actor, [x.customer_id for x in rows]),
            "users": user_names(session),
            "owners": assignable(session, actor),
            "pipelines": sales.list_pipelines(session, actor),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.get("/sales/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(lead_id: Id, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        lead = sales.get_lead(session, actor, lead_id)
    except KlienturaError as exc:
        context = {"title": _("Not found"), "message": explain(request, exc)}
        return render(request, "message.html", context, actor=actor, status=404)
    tasks, _next = sales.list_tasks(session, actor, state="all", links={"lead_id": lead.id}, limit=50)
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/lead.html",
        {
            "nav": "sales",
            "tab": "leads",
            "x": lead,
            "tasks": tasks,
            "now": shop.now(),
            "states": LEAD_STATES,
            "close_reasons": CLOSE_REASONS,
            "names": customers.names_of(session, actor, [lead.customer_id]),
            "users": user_names(session),
            "owners": assignable(session, actor),
            "pipelines": sales.list_pipelines(session, actor),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.post("/sales/leads/{lead_id}/convert")
def convert(
    lead_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    pipeline_id: str = Form(""),
    amount: str = Form(""),
    title: str = Form(""),
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        data = build(
            sales.ConvertIn, pipeline_id=pipeline_id, amount=amount.replace(" ", "").replace(",", "."), title=title
        )
        deal = sales.convert_lead(session, actor, lead_id, data, shop)
        return f"/sales/deals/{deal.id}", _("The lead became a deal")

    return perform(request, session, work, "/sales/leads")


@router.post("/sales/leads/{lead_id}/close")
def close(
    lead_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    reason: str = Form(""),
    note: str = Form(""),
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        sales.close_lead(session, actor, lead_id, build(sales.LeadClose, reason=reason, note=note))
        return "/sales/leads", _("Lead closed")

    return perform(request, session, work, "/sales/leads")


@router.post("/sales/leads/{lead_id}/assign")
def assign(
    lead_id: Id, request: Request, session: SessionDep, actor: WebActorDep, owner_id: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        sales.assign_lead(session, actor, lead_id, build(sales.LeadAssign, owner_id=owner_id).owner_id)
        return "/sales/leads", _("Lead handed over")

    return perform(request, session, work, "/sales/leads")
