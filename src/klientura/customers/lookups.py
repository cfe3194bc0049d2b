"""What other domains ask of the cards: where merged cards live now (a merge moves a card's orders, points and
events to the survivor, and a report that counts per person follows the card to it), whose birthday it is, a card
itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, extract, select

from klientura.audit import Actor
from klientura.auth import owner_scope, require
from klientura.customers.models import Customer, Identity
from klientura.db import Session, in_chunks


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """The cards the actor sees: active ones (not merged away), a manager's own only."""
    owner = owner_scope(actor)
    active = Customer.merged_into_id.is_(None)
    return active if owner is None else and_(active, Customer.owner_id.in_(owner))


def survivors_of(session: Session, cards: Sequence[int] | Select[Any]) -> dict[int, int]:
    """{card: the card it lives on now} for those of ``cards`` that were merged into another, chains of merges
    followed (a survivor merged in its turn); cards never merged are left out. ``cards``: ids, or a query of ids
    (one statement, however many)."""
    if isinstance(cards, Select):
        sub = cards.subquery()
        into = {
            a: b
            for a, b in session.execute(
                select(Customer.id, Customer.merged_into_id).where(
                    Customer.id.in_(select(sub.c[0])), Customer.merged_into_id.is_not(None)
                )
            )
            if b is not None
        }
    else:
        into = _step(session, cards)
    further: dict[int, int] = {}
    ahead = set(into.values())
    while ahead:  # the survivor merged in its turn: rare, a few cards
        step = _step(session, sorted(ahead))
        further.update(step)
        ahead = set(step.values()) - set(further)

    def root(card: int) -> int:
        seen = 0
        while card in further and seen < 100:
            card, seen = further[card], seen + 1
        return card

    return {card: root(first) for card, first in into.items()}


def _step(session: Session, cards: Sequence[int]) -> dict[int, int]:
    return {
        a: b
        for part in in_chunks(session, list(cards))
        for a, b in session.execute(
            select(Customer.id, Customer.merged_into_id).where(
                part.of(Customer.id), Customer.merged_into_id.is_not(None)
            )
        )
        if b is not None
    }


def born_on(month: int, days: Sequence[int]) -> Select[Any]:
    """A query of the ids of active cards whose birthday is one of ``days`` of ``month`` (for others to join)."""
    return select(Customer.id).where(
        Customer.merged_into_id.is_(None),
        extract("month", Customer.birth_date) == month,
        extract("day", Customer.birth_date).in_(list(days)),
    )


def card_of(session: Session, customer_id: int) -> Customer | None:
    """The card itself, whoever asks (for a message's own recipient: no visibility rule applies)."""
    return session.get(Customer, customer_id)


class Profile(NamedTuple):
    id: int
    last_name: str | None
    first_name: str | None
    middle_name: str | None
    phone: str | None  # the primary one
    email: str | None
    city: str | None
    birth_date: date | None
    gender: str | None


def profiles_of(session: Session, actor: Actor, cards: Sequence[int]) -> list[Profile]:
    """The cards among ``cards`` the actor may see (active, a manager's own), by id, with their primary phone and
    e-mail: what an export of a list of customers shows."""
    require(actor, "customers:read")
    out: list[Profile] = []
    for chunk in in_chunks(session, sorted(set(cards))):
        rows = session.execute(
            select(
                Customer.id,
                Customer.last_name,
                Customer.first_name,
                Customer.middle_name,
                Customer.city,
                Customer.birth_date,
                Customer.gender,
            )
            .where(chunk.of(Customer.id), visible_clause(actor))
            .order_by(Customer.id)
        ).all()
        contacts: dict[tuple[int, str], str] = {}
        for cid, kind, value in session.execute(
            select(Identity.customer_id, Identity.kind, Identity.value)
            .where(chunk.of(Identity.customer_id), Identity.kind.in_(("phone", "email")))
            .order_by(Identity.customer_id, Identity.is_primary.desc(), Identity.id)
        ):
            contacts.setdefault((cid, kind), value)
        out += [
            Profile(
                r.id,
                r.last_name,
                r.first_name,
                r.middle_name,
                contacts.get((r.id, "phone")),
                contacts.get((r.id, "email")),
                r.city,
                r.birth_date,
                r.gender,
            )
            for r in rows
        ]
    return out


def visible_cards(actor: Actor) -> Select[Any]:
    """A query of the ids of the cards the actor sees, for others to filter their rows by."""
    return select(Customer.id).where(visible_clause(actor))


def unseen_cards(session: Session, actor: Actor, ids: Sequence[int]) -> list[int]:
    """The ids among ``ids`` that are no card the actor sees (none, merged away, another manager's), in order."""
    seen: set[int] = set()
    for chunk in in_chunks(session, sorted(set(ids))):
        seen.update(session.scalars(select(Customer.id).where(chunk.of(Customer.id), visible_clause(actor))))
    return [i for i in ids if i not in seen]


def created_between(session: Session, since: datetime, until: datetime) -> list[tuple[int, datetime]]:
    """(card, created at) of the active cards created after ``since`` up to ``until``."""
    rows = session.execute(
        select(Customer.id, Customer.created_at).where(
            Customer.merged_into_id.is_(None), Customer.created_at > since, Customer.created_at <= until
        )
    )
    return [(cid, at) for cid, at in rows]
