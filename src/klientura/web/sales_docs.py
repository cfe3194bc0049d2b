"""The deal page's documents: product lines, quotes (made, downloaded, e-mailed, the client's answer recorded),
files and notes; the quote template's page (administrators)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote as escape

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as FormFile

from klientura import sales
from klientura.audit import Actor
from klientura.config import Settings
from klientura.db import Session
from klientura.deps import DocumentsDep, SessionDep, SettingsDep, ShopDep
from klientura.kit.bounds import Id
from klientura.web import flash
from klientura.web.render import WebActorDep, gettext_for, page_router, render
from klientura.web.sales import build, perform

router = page_router(read="sales:read", write="sales:write")
TEMPLATE_FIELDS = tuple(sales.TemplateIn.model_fields)


def download(data: bytes, content_type: str, name: str) -> Response:
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{escape(name)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return Response(data, media_type=content_type, headers=headers)


def _rows(form: Any) -> list[dict[str, Any]]:
    names, skus = form.getlist("line_name"), form.getlist("line_sku")
    columns = ("line_qty", "line_unit", "line_price", "line_discount", "line_vat")
    values = [form.getlist(c) for c in columns]
    rows = []
    for i, (name, sku) in enumerate(zip(names, skus, strict=False)):
        if not str(name).strip() and not str(sku).strip():
            continue  # an empty row of the form
        qty, unit, price, discount, vat = (str(v[i]).strip() if i < len(v) else "" for v in values)
        row: dict[str, Any] = {"name": str(name).strip() or None, "sku": str(sku).strip() or None}
        row["quantity"] = qty.replace(",", ".") or "1"
        row["unit"] = unit or "шт"
        if price:
            row["price"] = price.replace(" ", "").replace("\u00a0", "").replace(",", ".")
        row["discount"] = discount.replace(",", ".") or "0"
        row["vat_rate"] = None if vat == "none" else (vat or "20")
        rows.append(row)
    return rows


@router.post("/sales/deals/{deal_id}/lines")
async def save_lines(deal_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/sales/deals/{deal_id}#lines"
    form = await request.form()

    def work() -> tuple[str, str]:
        data = build(sales.LinesIn, lines=_rows(form), reason=str(form.get("reason") or ""))
        sales.set_lines(session, actor, deal_id, data)
        return url, _("Products saved")

    return perform(request, session, work, url)


@router.post("/sales/deals/{deal_id}/quotes")
def make_quote(
    deal_id: Id, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep, docs: DocumentsDep
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/sales/deals/{deal_id}#quotes"

    def work() -> tuple[str, str]:
        made = sales.create_quote(session, actor, deal_id, sales.QuoteIn(), shop, docs)
        return url, _("Quote %(number)s made") % {"number": made.number}

    return perform(request, session, work, url)


@router.get("/sales/quotes/{quote_id}/pdf")
def quote_pdf(quote_id: Id, session: SessionDep, actor: WebActorDep, docs: DocumentsDep) -> Response:
    found, data = sales.quote_file(session, actor, quote_id, docs)
    return download(data, "application/pdf", f"{found.number}.pdf")


@router.post("/sales/quotes/{quote_id}/send")
def send_quote(
    quote_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    docs: DocumentsDep,
    to: str = Form(""),
    text: str = Form(""),
) -> RedirectResponse:
    _ = gettext_for(request)
    deal_id = sales.get_quote(session, actor, quote_id).deal_id
    url = f"/sales/deals/{deal_id}#quotes"

    def work() -> tuple[str, str]:
        sent = sales.send_quote(session, actor, quote_id, build(sales.QuoteSend, to=to, text=text), shop, docs)
        return url, _("Quote sent to %(to)s") % {"to": sent.sent_to}

    return perform(request, session, work, url)


@router.post("/sales/quotes/{quote_id}/decision")
def decide(
    quote_id: Id, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep, decision: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)
    deal_id = sales.get_quote(session, actor, quote_id).deal_id
    url = f"/sales/deals/{deal_id}#quotes"

    def work() -> tuple[str, str]:
        sales.decide(session, actor, quote_id, build(sales.QuoteDecision, decision=decision).decision, shop)
        return url, _("The client's answer is recorded")

    return perform(request, session, work, url)


@router.post("/sales/deals/{deal_id}/files")
def upload(
    deal_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    settings: SettingsDep,
    docs: DocumentsDep,
    file: Annotated[UploadFile, File()],
) -> RedirectResponse:
    return attach_file(request, session, actor, settings, docs, file, f"/sales/deals/{deal_id}#files", deal_id=deal_id)


def attach_file(
    request: Request,
    session: Session,
    actor: Actor,
    settings: Settings,
    docs: sales.Documents,
    file: UploadFile,
    url: str,
    **target: int,
) -> RedirectResponse:
    """Attach the uploaded file to the deal or the company in ``target``; back to ``url`` with what happened."""
    _ = gettext_for(request)
    limit = settings.max_attachment_mb

    def work() -> tuple[str, str]:
        data = file.file.read(limit * 2**20 + 1)  # a byte over the limit is enough to refuse it
        sales.attach(session, actor, docs.store, file.filename or "file", data, limit_mb=limit, **target)
        return url, _("File attached")

    return perform(request, session, work, url)


@router.get("/sales/files/{file_id}")
def file(file_id: Id, session: SessionDep, actor: WebActorDep, docs: DocumentsDep) -> Response:
    row, data = sales.attachment_bytes(session, actor, docs.store, file_id)
    return download(data, row.content_type, row.name)


@router.post("/sales/files/{file_id}/remove")
def remove_file(file_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)
    row = sales.get_attachment(session, actor, file_id)
    url = f"/sales/deals/{row.deal_id}#files" if row.deal_id else f"/sales/companies/{row.company_id}#files"

    def work() -> tuple[str, str]:
        sales.remove_attachment(session, actor, file_id)
        return url, _("File removed")

    return perform(request, session, work, url)


@router.post("/sales/deals/{deal_id}/notes")
def note(
    deal_id: Id, request: Request, session: SessionDep, actor: WebActorDep, text: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/sales/deals/{deal_id}#timeline"

    def work() -> tuple[str, str]:
        sales.add_note(session, actor, build(sales.NoteIn, text=text), deal_id=deal_id)
        return url, _("Note added")

    return perform(request, session, work, url)


@router.get("/sales/quote-template", response_class=HTMLResponse, openapi_extra={"x-permission": "users:admin"})
def template_page(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    message, kind = flash.pop(request)
    found = sales.template(session)
    return render(
        request,
        "sales/quote_template.html",
        {"nav": "sales", "tab": "template", "t": found, "flash": message, "flash_kind": kind},
        actor=actor,
    )


@router.post("/sales/quote-template", openapi_extra={"x-permission": "users:admin"})
async def save_template(
    request: Request, session: SessionDep, actor: WebActorDep, docs: DocumentsDep
) -> RedirectResponse:
    _ = gettext_for(request)
    url = "/sales/quote-template"
    form = await request.form()
    logo = form.get("logo")
    try:
        image = await logo.read(5 * 2**20) if isinstance(logo, FormFile) and logo.filename else None
    finally:
        await form.close()

    def work() -> tuple[str, str]:
        values = {k: str(form.get(k) or "").strip() for k in TEMPLATE_FIELDS}
        data = build(sales.TemplateIn, None, **values)
        sales.set_template(session, actor, data, docs, image)
        return url, _("Quote template saved")

    return perform(request, session, work, url)
