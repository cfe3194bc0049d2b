"""What happened around a deal, a company or a customer card, newest first: stage moves and changes from the
append-only history, tasks set and done, notes, quotes, files, orders and requests. Notes are written here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select

from klientura import customers, orders
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import ValidationFailed
from klientura.sales.companies import contacts_ids, get_company
from klientura.sales.deals import get_deal
from klientura.sales.doc_models import Attachment, Note, Quote
from klientura.sales.doc_schemas import NoteIn, TimelineEntry
from klientura.sales.errors import DEAL_NEEDS_PARTY
from klientura.sales.models import Deal, DealHistory, DealOrder, Lead, Stage, Task
from klientura.sales.owners import visible

LIMIT = 200  # entries of each kind: a timeline is read from the top


def add_note(
    session: Session,
    actor: Actor,
    data: NoteIn,
    *,
    deal_id: int | None = None,
    company_id: int | None = None,
    customer_id: int | None = None,
) -> Note:
    require(actor, "sales:write")
    if deal_id is not None:
        get_deal(session, actor, deal_id)
    elif company_id is not None:
        get_company(session, actor, company_id)
    elif customer_id is not None:
        customers.get_customer(session, actor, customer_id)
    else:
        raise ValidationFailed(DEAL_NEEDS_PARTY)
    note = Note(
        deal_id=deal_id,
        company_id=company_id,
        customer_id=customer_id,
        text=data.text.strip(),
        author_id=actor.id if actor.is_user else None,
        author=actor.name[:200],
    )
    session.add(note)
    session.flush()
    target, target_id = next(
        (k, v) for k, v in (("deal", deal_id), ("company", company_id), ("customer", customer_id)) if v
    )
    record(session, actor, "note.add", target, target_id, None, {"note": note.id})
    return note


def _deal_entries(
    session: Session, deal_ids: Sequence[int], titles: dict[int, str], *, named: bool = True
) -> Iterable[TimelineEntry]:
    """The deals' history, quotes, orders and requests (``named``: each entry starts with its deal's title)."""
    if not deal_ids:
        return
    names = {row[0]: row[1] for row in session.execute(select(Stage.id, Stage.name))}
    rows = session.scalars(
        select(DealHistory).where(DealHistory.deal_id.in_(deal_ids)).order_by(DealHistory.id.desc()).limit(LIMIT)
    )
    for h in rows:
        prefix = f"{titles[h.deal_id]}: " if named else ""
        if h.kind == "create":
            kind, title = "created", f"{prefix}{names.get(h.to_stage_id, '')}"
        elif h.kind in ("move", "import") and h.from_stage_id != h.to_stage_id:
            kind = "stage"
            title = f"{prefix}{names.get(h.from_stage_id or 0, '—')} → {names.get(h.to_stage_id, '')}"
        else:
            kind, title = "change", h.kind  # reassign | probability | amount | import: the page words it
        detail = f"{prefix}{h.reason or ''}".strip(": ") if kind == "change" else h.reason
        yield TimelineEntry(
            at=h.occurred_at or h.at, kind=kind, title=title, detail=detail, actor=h.actor_name, deal_id=h.deal_id
        )
    for q in session.scalars(select(Quote).where(Quote.deal_id.in_(deal_ids)).order_by(Quote.id.desc()).limit(LIMIT)):
        at = q.decided_at or q.sent_at or q.created_at
        yield TimelineEntry(
            at=at, kind="quote", title=q.number, detail=q.status, actor=q.created_by,
            deal_id=q.deal_id, ref_id=q.id,
        )  # fmt: skip
    linked = list(session.scalars(select(DealOrder.order_id).where(DealOrder.deal_id.in_(deal_ids))))
    for o in orders.order_facts(session, order_ids=linked, limit=LIMIT):
        yield TimelineEntry(
            at=o.placed_at, kind="order", title=f"№ {o.number} · {o.total}", detail=o.status, ref_id=o.id
        )
    leads = select(Lead).where(Lead.deal_id.in_(deal_ids), Lead.deleted_at.is_(None))
    for lead in session.scalars(leads.order_by(Lead.id.desc()).limit(LIMIT)):
        yield TimelineEntry(
            at=lead.created_at, kind="lead", title=f"{lead.channel} · {lead.outcome}", detail=lead.text,
            deal_id=lead.deal_id, ref_id=lead.id,
        )  # fmt: skip


def _tasks(session: Session, where: object) -> Iterable[TimelineEntry]:
    query = select(Task).where(where, Task.deleted_at.is_(None)).order_by(Task.id.desc()).limit(LIMIT)  # type: ignore[arg-type]
    for t in session.scalars(query):
        yield TimelineEntry(at=t.created_at, kind="task", title=t.title, detail=t.note, deal_id=t.deal_id, ref_id=t.id)
        if t.done_at is not None:
            yield TimelineEntry(
                at=t.done_at, kind="task_done", title=t.title, detail=t.result, deal_id=t.deal_id, ref_id=t.id
            )


def _notes_and_files(session: Session, note_where: object, file_where: object | None) -> Iterable[TimelineEntry]:
    for n in session.scalars(select(Note).where(note_where).order_by(Note.id.desc()).limit(LIMIT)):  # type: ignore[arg-type]
        yield TimelineEntry(at=n.created_at, kind="note", title=n.text, actor=n.author, deal_id=n.deal_id, ref_id=n.id)
    if file_where is None:
        return
    files = select(Attachment).where(file_where, Attachment.deleted_at.is_(None))  # type: ignore[arg-type]
    for f in session.scalars(files.order_by(Attachment.id.desc()).limit(LIMIT)):
        yield TimelineEntry(
            at=f.created_at, kind="file", title=f.name, actor=f.uploaded_by, deal_id=f.deal_id, ref_id=f.id
        )


def _sorted(entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(entries, key=lambda e: e.at, reverse=True)


def deal_timeline(session: Session, actor: Actor, deal_id: int) -> list[TimelineEntry]:
    deal = get_deal(session, actor, deal_id)
    return _sorted(
        [
            *_deal_entries(session, [deal.id], {deal.id: deal.title}, named=False),
            *_tasks(session, Task.deal_id == deal.id),
            *_notes_and_files(session, Note.deal_id == deal.id, Attachment.deal_id == deal.id),
        ]
    )


def _deals_where(session: Session, actor: Actor, where: object) -> dict[int, str]:
    query = select(Deal.id, Deal.title).where(where, Deal.deleted_at.is_(None), visible(actor, Deal.owner_id))  # type: ignore[arg-type]
    return {row[0]: row[1] for row in session.execute(query.order_by(Deal.id.desc()).limit(LIMIT))}


def company_timeline(session: Session, actor: Actor, company_id: int) -> list[TimelineEntry]:
    company = get_company(session, actor, company_id)
    deals = _deals_where(session, actor, Deal.company_id == company.id)
    people = contacts_ids(session, company.id)
    return _sorted(
        [
            *_deal_entries(session, list(deals), deals),
            *_tasks(session, or_(Task.company_id == company.id, Task.deal_id.in_(list(deals) or [0]))),
            *_notes_and_files(session, Note.company_id == company.id, Attachment.company_id == company.id),
            *_orders(session, list(people)),
        ]
    )


def _orders(session: Session, people: list[int]) -> Iterable[TimelineEntry]:
    for o in orders.order_facts(session, customers=people, limit=LIMIT):
        yield TimelineEntry(
            at=o.placed_at, kind="order", title=f"№ {o.number} · {o.total}", detail=o.status, ref_id=o.id
        )


def customer_timeline(session: Session, actor: Actor, customer_id: int) -> list[TimelineEntry]:
    card = customers.get_customer(session, actor, customer_id)
    deals = _deals_where(session, actor, Deal.customer_id == card.id)
    leads = select(Lead).where(
        Lead.customer_id == card.id, Lead.deal_id.is_(None), Lead.deleted_at.is_(None), visible(actor, Lead.owner_id)
    )
    lone = [
        TimelineEntry(at=x.created_at, kind="lead", title=f"{x.channel} · {x.status}", detail=x.text, ref_id=x.id)
        for x in session.scalars(leads.order_by(Lead.id.desc()).limit(LIMIT))
    ]
    return _sorted(
        [
            *_deal_entries(session, list(deals), deals),
            *_tasks(session, or_(Task.customer_id == card.id, Task.deal_id.in_(list(deals) or [0]))),
            *_notes_and_files(session, Note.customer_id == card.id, None),
            *_orders(session, [card.id]),
            *lone,
        ]
    )


def since(entries: list[TimelineEntry], moment: datetime | None) -> list[TimelineEntry]:
    return entries if moment is None else [e for e in entries if e.at >= moment]
