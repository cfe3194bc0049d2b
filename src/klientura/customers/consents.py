"""Consents to be contacted, with their proof: every grant and withdrawal is kept (:class:`ConsentEvent`) — when it
was given, through what, under which wording, where — and a withdrawal wins.

The rule (152-FZ, the advertising law): once a person has withdrawn their consent on a channel, only their own,
explicit grant given after the withdrawal gives it back — a form's box, a request recorded by a manager, the API's
consent call. A file's "consent" column, an order's or a form's card data (``CustomerIn.consents``) are not
explicit: they are kept as history (``applied`` false) and change nothing, so an unsubscribe cannot be undone by an
import or a later create. A withdrawal always applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers.models import Consent, ConsentEvent
from klientura.db import Session, bulk_insert, utcnow


@dataclass(frozen=True)
class Given:
    """How a consent decision came. ``at`` None: its source does not say (a file's column): the time it is
    recorded. ``explicit``: the person's own act (see the module)."""

    source: str | None
    at: datetime | None = None
    explicit: bool = False
    wording: str | None = None
    place: str | None = None


def set_consent(
    session: Session, actor: Actor, customer_id: int, channel: str, granted: bool, given: Given
) -> Consent | None:
    """Record the decision and apply it by the rule; the consent as it stands (None: there is none)."""
    consent = session.scalars(
        select(Consent).where(Consent.customer_id == customer_id, Consent.channel == channel)
    ).first()
    at = given.at or utcnow()
    same = consent is not None and consent.granted == granted
    if same and not given.explicit:
        return consent  # a file repeating what stands: nothing to prove anew (a re-import changes nothing)
    withdrawn_at = consent.changed_at if consent is not None and not consent.granted else None
    applied = not same and (not granted or withdrawn_at is None or (given.explicit and at > withdrawn_at))
    session.add(_event(customer_id, channel, granted, given, at, applied, actor))
    if applied:
        before = None if consent is None else {"channel": channel, "granted": consent.granted}
        if consent is None:
            consent = Consent(customer_id=customer_id, channel=channel)
            session.add(consent)
        consent.granted, consent.source, consent.changed_at, consent.explicit = (
            granted,
            given.source,
            at,
            given.explicit,
        )
        session.flush()
        after = {"channel": channel, "granted": granted, "source": given.source}
        record(session, actor, "consent.set", "customer", customer_id, before, after)
    elif same and consent is not None:  # an explicit repeat: the newer proof is what stands
        consent.source, consent.changed_at, consent.explicit = given.source, max(at, consent.changed_at), True
    session.flush()
    return consent


def add_fresh_consents(session: Session, actor: Actor, rows: Sequence[tuple[int, str, bool]], given: Given) -> None:
    """Consents of cards that had none on these channels (an import), in bulk, each with its history."""
    at = given.at or utcnow()
    bulk_insert(
        session,
        Consent,
        [
            {"customer_id": c, "channel": ch, "granted": g, "source": given.source, "changed_at": at, "explicit": False}
            for c, ch, g in rows
        ],
    )
    bulk_insert(session, ConsentEvent, [_event_row(c, ch, g, given, at, True, actor) for c, ch, g in rows])
    for c, ch, g in rows:
        record(
            session, actor, "consent.set", "customer", c, None, {"channel": ch, "granted": g, "source": given.source}
        )


def consent_history(session: Session, actor: Actor, customer_id: int) -> list[ConsentEvent]:
    """Every grant and withdrawal recorded for the card, newest first (the caller has checked the card)."""
    require(actor, "customers:read")
    stmt = select(ConsentEvent).where(ConsentEvent.customer_id == customer_id)
    return list(session.scalars(stmt.order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())))


def _event_row(
    customer_id: int, channel: str, granted: bool, given: Given, at: datetime, applied: bool, actor: Actor
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "channel": channel,
        "granted": granted,
        "explicit": given.explicit,
        "applied": applied,
        "at": at,
        "source": (given.source or "")[:64] or None,
        "wording": given.wording,
        "place": given.place,
        "recorded_by": actor.name[:200],
        "recorded_at": utcnow(),
    }


def _event(
    customer_id: int, channel: str, granted: bool, given: Given, at: datetime, applied: bool, actor: Actor
) -> ConsentEvent:
    return ConsentEvent(**_event_row(customer_id, channel, granted, given, at, applied, actor))
