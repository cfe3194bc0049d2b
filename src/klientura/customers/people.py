"""The cards as a duplicate finder reads them: names, birth date, gender, city, postal address, phones and e-mails,
every active card a chunk at a time or those of a list of ids; and how many cards carry a name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, func, or_, select

from klientura.audit import Actor
from klientura.customers.lookups import visible_clause
from klientura.customers.models import Customer, Identity
from klientura.db import Session, in_chunks, stream_rows


class CardFacts(NamedTuple):
    id: int
    last_name: str | None
    first_name: str | None
    middle_name: str | None
    birth_date: date | None
    gender: str | None
    city: str | None
    phones: list[str]  # E.164
    emails: list[str]
    postcode: str | None = None
    address: str | None = None


_COLS = (
    Customer.id,
    Customer.last_name,
    Customer.first_name,
    Customer.middle_name,
    Customer.birth_date,
    Customer.gender,
    Customer.city,
    Customer.postcode,
    Customer.address,
)


def _with_contacts(session: Session, rows: list[Any], ids: list[int] | None) -> list[CardFacts]:
    contacts: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    # by card only, the kinds sorted out here: a condition on kind lets SQLite's planner pick the (kind, value)
    # index and read every phone of the base for each chunk of cards
    ident = select(Identity.customer_id, Identity.kind, Identity.value)
    if ids is None:
        ident = ident.where(Identity.customer_id.between(rows[0][0], rows[-1][0]))
    else:
        ident = ident.where(Identity.customer_id.in_(ids))
    for cid, kind, value in session.execute(ident):
        if kind == "phone" or kind == "email":
            contacts[cid][0 if kind == "phone" else 1].append(value)
    out = []
    for cid, last, first, middle, bd, gender, city, postcode, address in rows:
        phones, emails = contacts.get(cid, ([], []))
        out.append(CardFacts(cid, last, first, middle, bd, gender, city, list(phones), list(emails), postcode, address))
    return out


def cards_of(session: Session, ids: Sequence[int]) -> list[CardFacts]:
    """The active cards among ``ids``."""
    out: list[CardFacts] = []
    for chunk in in_chunks(session, list(ids)):
        found = list(session.execute(select(*_COLS).where(Customer.merged_into_id.is_(None), chunk.of(Customer.id))))
        if found:
            out += _with_contacts(session, found, [r[0] for r in found])
    return out


def active_cards(session: Session) -> int:
    """How many cards :func:`every_card` gives."""
    return int(session.scalar(select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None))) or 0)


def every_card(session: Session, chunk: int = 20_000) -> Iterator[CardFacts]:
    """Every active card, a chunk of ids at a time: the base is never held in memory at once."""
    last = 0
    while True:
        stmt = select(*_COLS).where(Customer.merged_into_id.is_(None), Customer.id > last)
        rows = list(session.execute(stmt.order_by(Customer.id).limit(chunk)))
        if not rows:
            return
        yield from _with_contacts(session, rows, None)
        last = rows[-1][0]


def card_rows(session: Session) -> Iterator[list[tuple[Any, ...]]]:
    """Every active card as the driver reads it, in the order of ids, a chunk at a time: (id, surname, given name,
    patronymic, birth date — ISO text or a date —, gender, city, postcode, street address). For a scan of the
    whole base: no row object per card."""
    return stream_rows(session, select(*_COLS).where(Customer.merged_into_id.is_(None)).order_by(Customer.id))


def identity_rows(session: Session) -> Iterator[list[tuple[Any, ...]]]:
    """Every identity as (card id, kind, value), in the store's order, a chunk at a time — merged cards' too: the
    caller keeps the kinds and cards it wants (read whole, the table is read in its order; by card, or by kind,
    through an index, it took three times as long)."""
    return stream_rows(session, select(Identity.customer_id, Identity.kind, Identity.value))


def namesakes(session: Session, last_name: str, first_name: str) -> int:
    """Active cards with this surname and given name (either order), through the name index."""
    same = or_(
        and_(Customer.last_name == last_name, Customer.first_name == first_name),
        and_(Customer.last_name == first_name, Customer.first_name == last_name),
    )
    stmt = select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None), same)
    return int(session.scalar(stmt) or 0)


def cards_changed_since(session: Session, when: datetime) -> int:
    """Active cards created or changed after ``when`` (the duplicate model's staleness)."""
    stmt = (
        select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None), Customer.updated_at > when)
    )
    return int(session.scalar(stmt) or 0)


def name_counts(session: Session, last_name: str | None, first_name: str | None) -> tuple[int, int, int]:
    """Active cards in all, and how many carry the surname and the given name (as written) — each word counted in the
    field where it is commoner, so a card with its words swapped does not make a given name a rare surname."""
    active = select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None))

    def seen(word: str | None) -> int:
        if not word:
            return 0
        return max(int(session.scalar(active.where(column == word)) or 0)
                   for column in (Customer.last_name, Customer.first_name))  # fmt: skip

    return int(session.scalar(active) or 0), seen(last_name), seen(first_name)


def visible_card(actor: Actor, card: Any) -> Any:
    """Whether the card ``card`` (a column of the caller's statement) is one the actor sees, as an EXISTS: a look-up
    per row of the caller (SQLite drove ``IN (all visible ids)`` through every row of a long list)."""
    return select(Customer.id).where(Customer.id == card, visible_clause(actor)).exists()
