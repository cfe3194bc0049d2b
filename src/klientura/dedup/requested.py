"""Scans of a large base handed to the worker (issue 21): a scan learns the model from every card, minutes at a
million cards — longer than a page should wait. The web asks (:func:`ask`), the worker's next round runs the oldest
request (:func:`run_asked`), the pages say it is on its way (:func:`waiting`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import active_cards
from klientura.db import Session
from klientura.dedup import service
from klientura.dedup.errors import NO_SCAN_REQUEST
from klientura.dedup.models import DedupScanRequest
from klientura.kit.errors import NotFound

INLINE_CARDS = 100_000  # a base larger than this is scanned by the worker when the web asks


def inline(session: Session) -> bool:
    """Whether a scan asked for now runs within the request."""
    return active_cards(session) <= INLINE_CARDS


def waiting(session: Session) -> DedupScanRequest | None:
    """The oldest scan asked for and not run yet."""
    query = select(DedupScanRequest).where(DedupScanRequest.done_at.is_(None)).order_by(DedupScanRequest.id)
    return session.scalars(query.limit(1)).first()


def scan_request(session: Session, actor: Actor, request_id: int) -> DedupScanRequest:
    """A scan asked for, waiting or done (what it found)."""
    require(actor, "customers:read")
    row = session.get(DedupScanRequest, request_id)
    if row is None:
        raise NotFound(NO_SCAN_REQUEST, id=request_id)
    return row


def ask(session: Session, actor: Actor, now: datetime, *, learn: bool) -> DedupScanRequest:
    """Ask the worker to scan (once: a request already waiting is the one, learning if either asked to)."""
    require(actor, "dedup:write")
    row = waiting(session)
    if row is None:
        row = DedupScanRequest(requested_at=now, requested_by=actor.name, learn=learn, cards=active_cards(session))
        session.add(row)
    row.learn = row.learn or learn
    session.flush()
    record(session, actor, "dedup.scan_asked", "dedup", row.id, None, {"learn": row.learn, "cards": row.cards})
    return row


def run_asked(session: Session, actor: Actor, now: datetime, *, precision: float) -> DedupScanRequest | None:
    """Run the oldest scan asked for, if any; returns it, done."""
    row = waiting(session)
    if row is None:
        return None
    row.found = service.scan(session, actor, now, precision=precision, learn=True if row.learn else None)
    row.done_at = now
    session.flush()
    return row
