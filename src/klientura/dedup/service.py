"""Duplicate suggestions: scan the base, store scored pairs, list them, dismiss them."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, insert, or_, select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import Customer, Identity, visible_clause
from klientura.db import Session, utcnow
from klientura.dedup.models import DismissedPair, DuplicateSuggestion
from klientura.dedup.scoring import Person, Scored, find_duplicates, score
from klientura.kit.errors import ValidationFailed


def load_people(session: Session, ids: list[int] | None = None) -> list[Person]:
    stmt = select(
        Customer.id, Customer.last_name, Customer.first_name, Customer.middle_name,
        Customer.birth_date, Customer.gender, Customer.city,
    ).where(Customer.merged_into_id.is_(None))  # fmt: skip
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(ids))
    contacts: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    ident = select(Identity.customer_id, Identity.kind, Identity.value).where(Identity.kind.in_(("phone", "email")))
    if ids is not None:
        ident = ident.where(Identity.customer_id.in_(ids))
    for cid, kind, value in session.execute(ident):
        contacts[cid][0 if kind == "phone" else 1].append(value)
    people = []
    for cid, last, first, middle, bd, gender, city in session.execute(stmt):
        phones, emails = contacts.get(cid, ([], []))
        people.append(Person(cid, last, first, middle, bd, gender, city, list(phones), list(emails)))
    return people


def scan(session: Session, actor: Actor, threshold: float) -> int:
    """Recompute every suggestion; dismissed pairs stay dismissed. Returns the number found."""
    require(actor, "dedup:write")
    if not 0.5 <= threshold < 1:
        raise ValidationFailed("threshold must be in [0.5, 1)")
    found = find_duplicates(load_people(session), threshold)
    dismissed = {(a, b) for a, b in session.execute(select(DismissedPair.low_id, DismissedPair.high_id))}
    rows = [
        {"low_id": s.low_id, "high_id": s.high_id, "probability": round(s.probability, 4), "reasons": s.reasons,
         "found_at": utcnow()}
        for s in found if (s.low_id, s.high_id) not in dismissed
    ]  # fmt: skip
    session.execute(delete(DuplicateSuggestion))
    for i in range(0, len(rows), 5000):
        session.execute(insert(DuplicateSuggestion), rows[i : i + 5000])
    session.flush()
    record(session, actor, "dedup.scan", "dedup", "all", None, {"suggestions": len(rows), "threshold": threshold})
    return len(rows)


def list_suggestions(
    session: Session, actor: Actor, *, customer_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[DuplicateSuggestion]:
    require(actor, "customers:read")
    low = select(Customer.id).where(visible_clause(actor))
    stmt = select(DuplicateSuggestion).where(DuplicateSuggestion.low_id.in_(low), DuplicateSuggestion.high_id.in_(low))
    if customer_id is not None:
        stmt = stmt.where(or_(DuplicateSuggestion.low_id == customer_id, DuplicateSuggestion.high_id == customer_id))
    stmt = stmt.order_by(
        DuplicateSuggestion.probability.desc(), DuplicateSuggestion.low_id, DuplicateSuggestion.high_id
    )
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def explain_pair(session: Session, actor: Actor, a_id: int, b_id: int) -> Scored:
    require(actor, "customers:read")
    people = {p.id: p for p in load_people(session, [a_id, b_id])}
    if len(people) != 2:
        raise ValidationFailed("both cards must exist and be active")
    return score(people[a_id], people[b_id])


def dismiss(session: Session, actor: Actor, a_id: int, b_id: int) -> None:
    require(actor, "dedup:write")
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
