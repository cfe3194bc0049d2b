"""What other domains ask of the cards: where merged cards live now (a merge moves a card's orders, points and
events to the survivor, and a report that counts per person follows the card to it), whose birthday it is, a card
itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, extract, select

from klientura.customers.models import Customer
from klientura.db import Session, in_chunks


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
