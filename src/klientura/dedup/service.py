"""Duplicate suggestions: scan the base, store scored pairs, list them, dismiss them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import delete, or_, select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import card_rows, cards_of, every_card, get_customer, identity_rows, visible_card
from klientura.db import Session
from klientura.dedup import trained
from klientura.dedup.cards import Cards, CardsBuilder
from klientura.dedup.errors import CARDS_INACTIVE, SAME_CARD
from klientura.dedup.models import DismissedPair, DuplicateSuggestion
from klientura.dedup.scoring import Person, Scored
from klientura.kit.errors import ValidationFailed


def load_people(session: Session, ids: list[int] | None = None) -> list[Person]:
    """Active cards as :class:`Person` (all of them, or those of ``ids``)."""
    if ids is None:
        return list(iter_people(session))
    return [Person(*card) for card in cards_of(session, ids)]


def iter_people(session: Session, chunk: int = 20_000) -> Iterator[Person]:
    """Every active card, a chunk of ids at a time: the base is never held in memory at once."""
    return (Person(*card) for card in every_card(session, chunk))


def load_cards(session: Session) -> Cards:
    """Every active card as columns (:mod:`klientura.dedup.cards`), read from the store a chunk of rows at a time."""
    built = CardsBuilder()
    for rows in card_rows(session):
        built.rows(rows)
    for contacts in identity_rows(session):
        built.contact_rows(contacts)
    return built.cards()


def scan(
    session: Session,
    actor: Actor,
    now: datetime,
    *,
    precision: float,
    threshold: float | None = None,
    learn: bool | None = None,
) -> int:
    """Recompute every suggestion with the model of this base (learned when there is none, it is stale, or
    ``learn``); dismissed pairs stay dismissed. Returns the number found."""
    require(actor, "dedup:write")
    return trained.scan(session, actor, load_cards(session), now, threshold=threshold, precision=precision, learn=learn)


def list_suggestions(
    session: Session, actor: Actor, *, customer_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[DuplicateSuggestion]:
    require(actor, "customers:read")

    stmt = select(DuplicateSuggestion).where(
        visible_card(actor, DuplicateSuggestion.low_id), visible_card(actor, DuplicateSuggestion.high_id)
    )
    if customer_id is not None:
        stmt = stmt.where(or_(DuplicateSuggestion.low_id == customer_id, DuplicateSuggestion.high_id == customer_id))
    stmt = stmt.order_by(
        DuplicateSuggestion.probability.desc(), DuplicateSuggestion.low_id, DuplicateSuggestion.high_id
    )
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def explain_pair(session: Session, actor: Actor, a_id: int, b_id: int) -> Scored:
    """The pair's probability by the model of this base and its levels with their weights."""
    require(actor, "customers:read")
    # both cards as the actor may see them (a manager: their own; another's is not found)
    a_id = get_customer(session, actor, a_id, follow_merge=False).id
    b_id = get_customer(session, actor, b_id, follow_merge=False).id
    people = {p.id: p for p in load_people(session, [a_id, b_id])}
    if len(people) != 2:
        raise ValidationFailed(CARDS_INACTIVE)
    said = trained.explain(session, people[a_id], people[b_id])
    low, high = sorted((a_id, b_id))
    return Scored(low, high, said[0], said[1])


def dismiss(session: Session, actor: Actor, a_id: int, b_id: int) -> None:
    require(actor, "dedup:write")
    if a_id == b_id:
        raise ValidationFailed(SAME_CARD, id=a_id)
    for card in (a_id, b_id):  # both cards exist and the actor sees them (a 404, not the store's foreign-key error)
        get_customer(session, actor, card, follow_merge=False)
    lo, hi = sorted((a_id, b_id))
    if session.get(DismissedPair, (lo, hi)) is None:
        session.add(DismissedPair(low_id=lo, high_id=hi, actor_name=actor.name))
    session.execute(
        delete(DuplicateSuggestion).where(DuplicateSuggestion.low_id == lo, DuplicateSuggestion.high_id == hi)
    )
    session.flush()
    record(session, actor, "dedup.dismiss", "customer", lo, None, {"not_same_as": hi})


def forget_pairs_of(session: Session, customer_id: int) -> None:
    session.execute(
        delete(DuplicateSuggestion).where(
            or_(DuplicateSuggestion.low_id == customer_id, DuplicateSuggestion.high_id == customer_id)
        )
    )


def suggested(session: Session, a_id: int, b_id: int) -> bool:
    """Whether the two cards are suggested as one person (the pair awaits a decision)."""
    low, high = min(a_id, b_id), max(a_id, b_id)
    pair = select(DuplicateSuggestion.low_id).where(
        DuplicateSuggestion.low_id == low, DuplicateSuggestion.high_id == high
    )
    return session.scalars(pair).first() is not None
