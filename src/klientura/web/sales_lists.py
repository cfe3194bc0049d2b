"""The deal list (filters, cursor pages, saved views), the companies (a list, the company's page with its contacts,
deals, files and timeline, the companies that may be the same) and the base's likely company duplicates."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import urlencode

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import sales
from klientura.deps import DocumentsDep, SessionDep, SettingsDep, ShopDep
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render
from klientura.web.sales import build, perform, user_names
from klientura.web.sales_docs import attach_file
from klientura.web.sales_view import QUOTE_STATUS, TIMELINE_KIND

router = page_router(read="sales:read", write="sales:write")
Text = Annotated[str, Query(max_length=200)]


def _int(raw: str) -> int | None:
    return int(raw) if raw.strip().isdigit() and len(raw.strip()) < 10 else None


def _money(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(" ", "").replace(",", ".")) if raw.strip() else None
    except InvalidOperation:
        return None
    return value if value is not None and value.is_finite() and 0 <= value < 10**12 else None


@router.get("/sales/deals", response_class=HTMLResponse)
def deal_list(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    pipeline_id: Text = "",
    stage_id: Text = "",
    status: Text = "",
    owner_id: Text = "",
    source: Text = "",
    amount_min: Text = "",
    amount_max: Text = "",
    q: Text = "",
    cursor: Text = "",
) -> HTMLResponse:
    filters = {
        "pipeline_id": pipeline_id,
        "stage_id": stage_id,
        "status": status if status in ("open", "won", "lost") else "",
        "owner_id": owner_id,
        "source": source.strip(),
        "amount_min": amount_min,
        "amount_max": amount_max,
        "q": q.strip(),
    }
    rows, next_cursor = sales.list_deals(
        session,
        actor,
        pipeline_id=_int(pipeline_id),
        stage_id=_int(stage_id),
        status=filters["status"] or None,
        owner_id=_int(owner_id),
        source=filters["source"][:64] or None,
        amount_min=_money(amount_min),
        amount_max=_money(amount_max),
        q=filters["q"][:100] or None,
        cursor=cursor or None,
        limit=50,
    )
    pipelines = sales.list_pipelines(session, actor)
    stages = {s.id: s.name for p in pipelines for s in p.stages}
    query = sales.clean_query(urlencode(filters))
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/deals.html",
        {
            "nav": "sales",
            "tab": "list",
            "deals": sales.deal_reads(session, rows),
            "next_cursor": next_cursor,
            "filters": filters,
            "query": query,
            "pipelines": pipelines,
            "stages": stages,
            "users": user_names(session),
            "companies": sales.company_names(session, actor, [d.company_id for d in rows if d.company_id]),
            "views": sales.list_views(session, actor),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.post("/sales/views", openapi_extra={"x-permission": "sales:read"})
def save_view(
    request: Request, session: SessionDep, actor: WebActorDep, name: str = Form(""), query: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        view = sales.save_view(session, actor, name, query)
        return f"/sales/deals?{view.query}", _("View “%(name)s” saved") % {"name": view.name}

    return perform(request, session, work, f"/sales/deals?{sales.clean_query(query)}")


@router.post("/sales/views/{view_id}/delete", openapi_extra={"x-permission": "sales:read"})
def delete_view(view_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        sales.delete_view(session, actor, view_id)
        return "/sales/deals", _("View deleted")

    return perform(request, session, work, "/sales/deals")


@router.get("/sales/companies", response_class=HTMLResponse)
def company_list(
    request: Request, session: SessionDep, actor: WebActorDep, q: Text = "", cursor: Text = ""
) -> HTMLResponse:
    rows, next_cursor = sales.list_companies(session, actor, q=q.strip() or None, cursor=cursor or None, limit=50)
    return render(
        request,
        "sales/companies.html",
        {
            "nav": "sales",
            "tab": "companies",
            "rows": rows,
            "q": q,
            "next_cursor": next_cursor,
            "users": user_names(session),
        },
        actor=actor,
    )


@router.get("/sales/companies/duplicates", response_class=HTMLResponse)
def duplicates(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    pairs = sales.company_duplicates(session, actor, precision=request.app.state.settings.dedup_precision, limit=200)
    ids = {i for p in pairs for i in (p.left, p.right)}
    return render(
        request,
        "sales/company_duplicates.html",
        {"nav": "sales", "tab": "companies", "pairs": pairs, "names": sales.company_names(session, actor, list(ids))},
        actor=actor,
    )


@router.get("/sales/companies/{company_id}", response_class=HTMLResponse)
def company_page(company_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        company = sales.get_company(session, actor, company_id)
    except KlienturaError as exc:
        context = {"title": _("Not found"), "message": explain(request, exc)}
        return render(request, "message.html", context, actor=actor, status=404)
    deals, _next = sales.list_deals(session, actor, company_id=company.id, limit=100)
    similar = sales.similar_companies(session, actor, company.id, precision=request.app.state.settings.dedup_precision)
    ids = [s.left if s.right == company.id else s.right for s in similar]
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/company.html",
        {
            "nav": "sales",
            "tab": "companies",
            "c": company,
            "contacts": sales.contacts_of(session, actor, company.id),
            "deals": deals,
            "files": sales.attachments_of(session, actor, company_id=company.id),
            "timeline": sales.company_timeline(session, actor, company.id),
            "similar": list(zip(similar, ids, strict=True)),
            "names": sales.company_names(session, actor, ids),
            "users": user_names(session),
            "quote_status": QUOTE_STATUS,
            "timeline_kind": TIMELINE_KIND,
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.post("/sales/companies/{company_id}/notes")
def company_note(
    company_id: Id, request: Request, session: SessionDep, actor: WebActorDep, text: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/sales/companies/{company_id}#timeline"

    def work() -> tuple[str, str]:
        sales.add_note(session, actor, build(sales.NoteIn, text=text), company_id=company_id)
        return url, _("Note added")

    return perform(request, session, work, url)


@router.post("/sales/companies/{company_id}/contacts")
def company_contact(
    company_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    full_name: str = Form(""),
    phone: str = Form(""),
    email: str = Form(""),
    position: str = Form(""),
    role: str = Form(""),
) -> RedirectResponse:
    """A person of the company: their card found by phone or e-mail (or made), linked with a position and role."""
    _ = gettext_for(request)
    url = f"/sales/companies/{company_id}#contacts"

    def work() -> tuple[str, str]:
        person = {k: v.strip() for k, v in (("full_name", full_name), ("phone", phone), ("email", email)) if v.strip()}
        data = build(sales.ContactIn, customer=person or None, position=position, role=role)
        sales.add_contact(session, actor, company_id, data, shop)
        return url, _("Contact added")

    return perform(request, session, work, url)


@router.post("/sales/customers/{customer_id}/notes")
def customer_note(
    customer_id: Id, request: Request, session: SessionDep, actor: WebActorDep, text: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/customers/{customer_id}#timeline"

    def work() -> tuple[str, str]:
        sales.add_note(session, actor, build(sales.NoteIn, text=text), customer_id=customer_id)
        return url, _("Note added")

    return perform(request, session, work, url)


@router.post("/sales/companies/{company_id}/files")
def company_file(
    company_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    settings: SettingsDep,
    docs: DocumentsDep,
    file: Annotated[UploadFile, File()],
) -> RedirectResponse:
    url = f"/sales/companies/{company_id}#files"
    return attach_file(request, session, actor, settings, docs, file, url, company_id=company_id)
