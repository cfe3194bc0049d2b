"""Files attached to deals and companies: size-limited, kept in the file store by their digest, seen by those who see
the deal or the company; removing one is soft (the bytes stay for the audit)."""

from __future__ import annotations

import mimetypes
import unicodedata

from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, utcnow
from klientura.kit.errors import NotFound, TooLarge, ValidationFailed, code
from klientura.kit.i18n import N_
from klientura.kit.storage import FileStore
from klientura.sales.companies import get_company
from klientura.sales.deals import get_deal
from klientura.sales.doc_models import Attachment

FILE_NOT_FOUND = code("file.not_found", N_("file %(id)s not found"))
FILE_TOO_LARGE = code("file.too_large", N_("the file is larger than %(limit)s MB"))
FILE_EMPTY = code("file.empty", N_("the file is empty"))


def _clean_name(name: str) -> str:
    """The name as a file name: no folders, no control characters, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    return (base or "file")[:255]


def attach(
    session: Session,
    actor: Actor,
    store: FileStore,
    name: str,
    data: bytes,
    *,
    limit_mb: int,
    deal_id: int | None = None,
    company_id: int | None = None,
) -> Attachment:
    require(actor, "sales:write")
    if deal_id is not None:
        get_deal(session, actor, deal_id)
    if company_id is not None:
        get_company(session, actor, company_id)
    if len(data) > limit_mb * 2**20:
        raise TooLarge(FILE_TOO_LARGE, field="file", limit=limit_mb)
    if not data:
        raise ValidationFailed(FILE_EMPTY, field="file")
    clean = _clean_name(name)
    row = Attachment(
        deal_id=deal_id,
        company_id=company_id,
        name=clean,
        content_type=mimetypes.guess_type(clean)[0] or "application/octet-stream",
        size=len(data),
        file_key=store.put(data),
        uploaded_by_id=actor.id if actor.is_user else None,
        uploaded_by=actor.name[:200],
    )
    session.add(row)
    session.flush()
    target, target_id = ("deal", deal_id) if deal_id is not None else ("company", company_id)
    record(session, actor, "file.attach", target, target_id, None, {"file": row.id, "name": clean, "size": row.size})
    return row


def get_attachment(session: Session, actor: Actor, file_id: int) -> Attachment:
    row = session.get(Attachment, file_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(FILE_NOT_FOUND, id=file_id)
    try:
        if row.deal_id is not None:
            get_deal(session, actor, row.deal_id)
        if row.company_id is not None:
            get_company(session, actor, row.company_id)
    except NotFound:
        raise NotFound(FILE_NOT_FOUND, id=file_id) from None
    return row


def attachment_bytes(session: Session, actor: Actor, store: FileStore, file_id: int) -> tuple[Attachment, bytes]:
    row = get_attachment(session, actor, file_id)
    return row, store.get(row.file_key)


def attachments_of(
    session: Session, actor: Actor, *, deal_id: int | None = None, company_id: int | None = None
) -> list[Attachment]:
    query = select(Attachment).where(Attachment.deleted_at.is_(None)).order_by(Attachment.id.desc())
    if deal_id is not None:
        get_deal(session, actor, deal_id)
        query = query.where(Attachment.deal_id == deal_id)
    else:
        get_company(session, actor, company_id or 0)
        query = query.where(Attachment.company_id == company_id)
    return list(session.scalars(query))


def remove_attachment(session: Session, actor: Actor, file_id: int) -> None:
    require(actor, "sales:write")
    row = get_attachment(session, actor, file_id)
    row.deleted_at = utcnow()
    session.flush()
    target, target_id = ("deal", row.deal_id) if row.deal_id is not None else ("company", row.company_id)
    record(session, actor, "file.remove", target, target_id, {"file": row.id, "name": row.name}, None)
