"""Events: what a customer did (visits, carts, forms, calls, reviews), landing on their card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor
from klientura.auth import require
from klientura.customers import get_customer, prepare, resolve, sees
from klientura.db import Session
from klientura.events.errors import EVENT_ELSEWHERE
from klientura.events.models import Event
from klientura.events.schemas import EventIn
from klientura.kit.errors import Conflict
from klientura.kit.shop import Shop


def record_event(session: Session, actor: Actor, data: EventIn, *, shop: Shop) -> tuple[Event, bool]:
    """Store the event once per (source, external_id); a form carrying a new identity creates the card (a phone
    without its country code read in the shop's region)."""
    return _record(session, actor, data, shop)


def record_known_event(session: Session, actor: Actor, data: EventIn) -> tuple[Event, bool]:
    """:func:`record_event` for an event of a card known by its id (a message opened, points expiring): no identity
    to read, so no shop's context."""
    if data.customer is not None:
        raise ValueError("an event naming its customer by identity needs the shop's context: record_event")
    return _record(session, actor, data, None)


def _record(session: Session, actor: Actor, data: EventIn, shop: Shop | None) -> tuple[Event, bool]:
    require(actor, "events:write")
    if data.external_id:
        dup = session.scalars(
            select(Event).where(Event.source == data.source, Event.external_id == data.external_id)
        ).first()
        if dup is not None:
            return _repeat(session, actor, dup)
    customer_id = None
    if data.customer_id is not None:
        customer_id = get_customer(session, actor, data.customer_id).id
    elif data.customer is not None and shop is not None:
        prepared = prepare(data.customer, shop=shop, source=data.source)
        if prepared.identities:
            customer_id = resolve(session, actor, prepared, source=data.source).customer_id
    event = Event(
        customer_id=customer_id,
        type=data.type,
        channel=data.channel,
        payload=data.payload,
        occurred_at=data.occurred_at,
        source=data.source,
        external_id=data.external_id,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        dup = session.scalars(
            select(Event).where(Event.source == data.source, Event.external_id == data.external_id)
        ).first()
        if dup is None:
            raise
        return _repeat(session, actor, dup)
    return event, True


def _repeat(session: Session, actor: Actor, dup: Event) -> tuple[Event, bool]:
    """A repeat answers the recorded event — unless its card is one the actor does not see: a 409 naming nobody."""
    if not sees(session, actor, dup.customer_id):
        raise Conflict(EVENT_ELSEWHERE, value=dup.external_id, source=dup.source)
    return dup, False


def events_of(session: Session, actor: Actor, customer_id: int, limit: int = 200) -> list[Event]:
    require(actor, "events:read")
    customer = get_customer(session, actor, customer_id)
    stmt = select(Event).where(Event.customer_id == customer.id).order_by(Event.occurred_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def count_events(session: Session, source: str, external_id_prefix: str) -> int:
    """How many events ``source`` recorded under external ids beginning with ``external_id_prefix`` (a campaign's
    opens and clicks: ``opened:campaign:7:``)."""
    escaped = external_id_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found = session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.source == source, Event.external_id.like(escaped + "%", escape="\\"))
    )
    return int(found or 0)


def events_between(session: Session, kind: str, since: datetime, until: datetime) -> list[tuple[int, int, datetime]]:
    """(event, customer, when) of the events of ``kind`` of known customers that occurred after ``since`` up to
    ``until``: what triggers a scenario."""
    rows = session.execute(
        select(Event.id, Event.customer_id, Event.occurred_at).where(
            Event.type == kind, Event.customer_id.is_not(None), Event.occurred_at > since, Event.occurred_at <= until
        )
    )
    return [(eid, cid, at) for eid, cid, at in rows if cid is not None]
