"""A deal's lines, quotes and files, notes and timelines over HTTP; the quote template (administrators)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote as escape

from fastapi import File, Response, UploadFile

from klientura import sales
from klientura.audit import Actor
from klientura.config import Settings
from klientura.db import Session
from klientura.deps import ActorDep, DocumentsDep, SessionDep, SettingsDep, ShopDep, new_router
from klientura.kit.bounds import Id
from klientura.kit.storage import DiskStore
from klientura.sales import (
    AttachmentRead,
    LinesIn,
    LinesRead,
    NoteIn,
    QuoteDecision,
    QuoteIn,
    QuoteRead,
    QuoteSend,
    TemplateIn,
    TemplateRead,
    TimelineEntry,
)

router = new_router(read="sales:read", write="sales:write", tags=["quotes and documents"])
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "the PDF"}}


@router.get("/deals/{deal_id}/lines", response_model=LinesRead, summary="The deal's product lines and totals")
def lines(deal_id: Id, session: SessionDep, actor: ActorDep) -> LinesRead:
    return sales.lines_read(sales.deal_lines(session, actor, deal_id))


@router.put(
    "/deals/{deal_id}/lines",
    response_model=LinesRead,
    summary="Replace the lines; the deal's amount becomes their total (in the history)",
)
def set_lines(deal_id: Id, data: LinesIn, session: SessionDep, actor: ActorDep) -> LinesRead:
    return sales.set_lines(session, actor, deal_id, data)


@router.get("/deals/{deal_id}/quotes", response_model=list[QuoteRead], summary="The deal's quotes, newest first")
def quotes(deal_id: Id, session: SessionDep, actor: ActorDep) -> list[QuoteRead]:
    return [QuoteRead.model_validate(q) for q in sales.quotes_of(session, actor, deal_id)]


@router.post(
    "/deals/{deal_id}/quotes",
    status_code=201,
    response_model=QuoteRead,
    summary="A new version of the proposal from the deal's lines, rendered to PDF",
)
def create_quote(
    deal_id: Id, data: QuoteIn, session: SessionDep, actor: ActorDep, shop: ShopDep, docs: DocumentsDep
) -> QuoteRead:
    return QuoteRead.model_validate(sales.create_quote(session, actor, deal_id, data, shop, docs))


@router.get("/quotes/{quote_id}", response_model=QuoteRead)
def quote(quote_id: Id, session: SessionDep, actor: ActorDep) -> QuoteRead:
    return QuoteRead.model_validate(sales.get_quote(session, actor, quote_id))


@router.get("/quotes/{quote_id}/pdf", response_class=Response, responses=PDF, summary="The quote's PDF")
def quote_pdf(quote_id: Id, session: SessionDep, actor: ActorDep, docs: DocumentsDep) -> Response:
    found, data = sales.quote_file(session, actor, quote_id, docs)
    return _file(data, "application/pdf", f"{found.number}.pdf")


@router.post("/quotes/{quote_id}/send", response_model=QuoteRead, summary="By e-mail, the PDF attached")
def send(
    quote_id: Id, data: QuoteSend, session: SessionDep, actor: ActorDep, shop: ShopDep, docs: DocumentsDep
) -> QuoteRead:
    return QuoteRead.model_validate(sales.send_quote(session, actor, quote_id, data, shop, docs))


@router.post(
    "/quotes/{quote_id}/decision",
    response_model=QuoteRead,
    summary="The client's answer; accepted moves the deal to its next open stage",
)
def decision(quote_id: Id, data: QuoteDecision, session: SessionDep, actor: ActorDep, shop: ShopDep) -> QuoteRead:
    return QuoteRead.model_validate(sales.decide(session, actor, quote_id, data.decision, shop))


@router.get("/quote-template", response_model=TemplateRead, summary="The seller's requisites and texts on quotes")
def template(session: SessionDep, actor: ActorDep) -> TemplateRead:
    found = sales.template(session)
    read = TemplateRead.model_validate(found)
    read.has_logo = found.logo_key is not None
    return read


@router.put(
    "/quote-template",
    response_model=TemplateRead,
    summary="Set the template (administrators)",
    openapi_extra={"x-permission": "users:admin"},
)
def set_template(data: TemplateIn, session: SessionDep, actor: ActorDep, docs: DocumentsDep) -> TemplateRead:
    found = sales.set_template(session, actor, data, docs)
    read = TemplateRead.model_validate(found)
    read.has_logo = found.logo_key is not None
    return read


def _file(data: bytes, content_type: str, name: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{escape(name)}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=content_type, headers=headers)


@router.get("/deals/{deal_id}/files", response_model=list[AttachmentRead])
def deal_files(deal_id: Id, session: SessionDep, actor: ActorDep) -> list[AttachmentRead]:
    return [AttachmentRead.model_validate(f) for f in sales.attachments_of(session, actor, deal_id=deal_id)]


@router.post("/deals/{deal_id}/files", status_code=201, response_model=AttachmentRead, summary="Attach a file")
def attach_to_deal(
    deal_id: Id, file: Annotated[UploadFile, File()], session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> AttachmentRead:
    return _attach(session, actor, settings, file, deal_id=deal_id)


def _attach(session: Session, actor: Actor, settings: Settings, file: UploadFile, **target: int) -> AttachmentRead:
    limit = settings.max_attachment_mb
    data = file.file.read(limit * 2**20 + 1)  # a byte over the limit is enough to refuse it
    store = DiskStore(settings.files_dir)
    row = sales.attach(session, actor, store, file.filename or "file", data, limit_mb=limit, **target)
    return AttachmentRead.model_validate(row)


@router.get("/companies/{company_id}/files", response_model=list[AttachmentRead])
def company_files(company_id: Id, session: SessionDep, actor: ActorDep) -> list[AttachmentRead]:
    return [AttachmentRead.model_validate(f) for f in sales.attachments_of(session, actor, company_id=company_id)]


@router.post("/companies/{company_id}/files", status_code=201, response_model=AttachmentRead)
def attach_to_company(
    company_id: Id, file: Annotated[UploadFile, File()], session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> AttachmentRead:
    return _attach(session, actor, settings, file, company_id=company_id)


@router.get("/files/{file_id}", response_class=Response, summary="The file itself")
def download(file_id: Id, session: SessionDep, actor: ActorDep, docs: DocumentsDep) -> Response:
    row, data = sales.attachment_bytes(session, actor, docs.store, file_id)
    return _file(data, row.content_type, row.name)


@router.delete("/files/{file_id}", status_code=204, summary="Remove (soft, audited)")
def remove(file_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    sales.remove_attachment(session, actor, file_id)
    return Response(status_code=204)


@router.post("/deals/{deal_id}/notes", status_code=201, response_model=TimelineEntry, summary="A note on the deal")
def deal_note(deal_id: Id, data: NoteIn, session: SessionDep, actor: ActorDep) -> TimelineEntry:
    note = sales.add_note(session, actor, data, deal_id=deal_id)
    return TimelineEntry(at=note.created_at, kind="note", title=note.text, actor=note.author, ref_id=note.id)


@router.post("/companies/{company_id}/notes", status_code=201, response_model=TimelineEntry)
def company_note(company_id: Id, data: NoteIn, session: SessionDep, actor: ActorDep) -> TimelineEntry:
    note = sales.add_note(session, actor, data, company_id=company_id)
    return TimelineEntry(at=note.created_at, kind="note", title=note.text, actor=note.author, ref_id=note.id)


@router.get("/deals/{deal_id}/timeline", response_model=list[TimelineEntry], summary="What happened, newest first")
def deal_timeline(deal_id: Id, session: SessionDep, actor: ActorDep) -> list[TimelineEntry]:
    return sales.deal_timeline(session, actor, deal_id)


@router.get("/companies/{company_id}/timeline", response_model=list[TimelineEntry])
def company_timeline(company_id: Id, session: SessionDep, actor: ActorDep) -> list[TimelineEntry]:
    return sales.company_timeline(session, actor, company_id)


@router.get("/customers/{customer_id}/timeline", response_model=list[TimelineEntry])
def customer_timeline(customer_id: Id, session: SessionDep, actor: ActorDep) -> list[TimelineEntry]:
    return sales.customer_timeline(session, actor, customer_id)
