"""Erasing a person from their card (the right to erasure): what the card held that says who they are goes, the
card and its id stay — orders, the points ledger and analytics keep pointing at it, so every sum and the ledger's
proof still hold. Cards merged into it are erased with it. What the other domains held (messages, events, import
rejections, the audit log) is scrubbed by :mod:`klientura.privacy` with the texts this returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select

from klientura.audit import Actor
from klientura.customers.consents import Given, set_consent
from klientura.customers.models import (
    PROFILE_FIELDS,
    Consent,
    Customer,
    CustomerTag,
    FieldValue,
    Identity,
    MergeRecord,
)
from klientura.db import Session

ERASED = "[erased]"
# the keys under which a card's personal data sits in snapshots (the audit log's before/after, merge records)
PERSONAL_KEYS = frozenset(
    {*PROFILE_FIELDS, "full_name", "phone", "email", "value", "raw", "to", "added_identities", "conflicting_values"}
    - {"preferred_channel", "gender"}
)


@dataclass
class Erased:
    cards: list[int]  # the card and those merged into it
    texts: set[str] = field(default_factory=set)  # what identified the person: to be scrubbed wherever it is kept
    identities: set[str] = field(default_factory=set)  # their phones, e-mails, cards: what singles them out


def cards_of_person(session: Session, customer_id: int) -> list[int]:
    """The card and every card merged into it (at any depth)."""
    found, frontier = [customer_id], [customer_id]
    while frontier:
        frontier = list(session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(frontier))))
        found += frontier
    return found


def erase_cards(session: Session, actor: Actor, customer_id: int, at: datetime) -> Erased:
    """Pseudonymise the person's cards (the caller has checked the actor may): names, birth date, address, attributes,
    identities (their values become ``erased:<id>``), differing values, tags gone; every consent withdrawn (with a
    record of why); merge records' snapshots scrubbed."""
    out = Erased(cards_of_person(session, customer_id))
    cards = list(session.scalars(select(Customer).where(Customer.id.in_(out.cards))))
    for card in cards:
        named = (card.last_name, card.first_name, card.middle_name, card.city, card.region, card.address, card.postcode)
        out.texts |= {str(v) for v in named if v}
        out.texts |= {str(v) for v in card.attributes.values() if isinstance(v, str | int) and str(v).strip()}
        for name in PROFILE_FIELDS:
            if name != "preferred_channel":  # a channel says nothing of who they are
                setattr(card, name, None)
        card.attributes, card.erased_at = {}, at
    for identity in session.scalars(select(Identity).where(Identity.customer_id.in_(out.cards))):
        out.identities |= {t for t in (identity.value, identity.raw) if t}
        identity.value, identity.raw, identity.bounce_reason = f"erased:{identity.id}", None, None
        identity.is_primary = False
    values = list(session.scalars(select(FieldValue.value).where(FieldValue.customer_id.in_(out.cards))))
    out.texts |= {v for v in values if v}
    session.execute(delete(FieldValue).where(FieldValue.customer_id.in_(out.cards)))
    session.execute(delete(CustomerTag).where(CustomerTag.customer_id.in_(out.cards)))
    for cid, channel in session.execute(
        select(Consent.customer_id, Consent.channel).where(Consent.customer_id.in_(out.cards), Consent.granted)
    ).all():
        set_consent(session, actor, cid, channel, False, Given("erasure", at=at, explicit=True))
    for rec in session.scalars(
        select(MergeRecord).where(or_(MergeRecord.survivor_id.in_(out.cards), MergeRecord.merged_id.in_(out.cards)))
    ):
        rec.moved = scrubbed(rec.moved, out.texts)
    out.texts |= out.identities
    out.texts = {t.strip() for t in out.texts if len(t.strip()) >= 3}  # a two-letter text is no one's name
    session.flush()
    return out


def scrubbed(value: Any, texts: set[str]) -> Any:
    """``value`` with personal data replaced: any key of :data:`PERSONAL_KEYS`, any text holding one of ``texts``."""
    if isinstance(value, dict):
        return {
            k: (ERASED if k in PERSONAL_KEYS and v not in (None, "", [], {}) else scrubbed(v, texts))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrubbed(v, texts) for v in value]
    if isinstance(value, str) and any(t.lower() in value.lower() for t in texts):
        return ERASED
    return value
