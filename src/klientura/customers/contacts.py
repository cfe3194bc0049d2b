"""How cards can be reached, read in bulk for another domain's audience (a campaign's million recipients): names,
time zone and preferred channel from the card, one usable address per kind from the identities, consent per channel
— in one statement, aggregated per card in the store."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, and_, case, func, select

from klientura.customers.models import Consent, Customer, Identity
from klientura.db import Session

Scope = Callable[[Any], Any]  # a condition on a customer id column


def _pick(kind: str) -> Any:
    """The address of a kind that has not bounced: the primary one, else the smallest (one row per customer,
    whatever the store)."""
    usable = and_(Identity.kind == kind, Identity.bounced_at.is_(None))
    return func.coalesce(
        func.max(case((and_(usable, Identity.is_primary.is_(True)), Identity.value))),
        func.min(case((usable, Identity.value))),
    )


def _bounced(kind: str) -> Any:
    """1 when an address of the kind has bounced."""
    return func.max(case((and_(Identity.kind == kind, Identity.bounced_at.is_not(None)), 1), else_=0))


def _granted(channel: str) -> Any:
    """1 granted, 0 refused, NULL never asked."""
    return func.max(case((Consent.channel == channel, case((Consent.granted.is_(True), 1), else_=0))))


def contact_rows(
    session: Session, scope: Scope, kinds: Mapping[str, str], channels: Sequence[str]
) -> Sequence[Row[Any]]:
    """The surviving cards in ``scope``, by id: (id, first name, last name, middle name, time zone, preferred
    channel, the address of each of ``kinds`` {channel: identity kind} — the primary one, else the smallest, not
    bounced —, consent to each of ``channels`` (1 granted, 0 refused, NULL never asked), whether an address of each
    kind bounced)."""
    ids = (
        select(
            Identity.customer_id.label("cid"),
            *(_pick(kind).label(ch) for ch, kind in kinds.items()),
            *(_bounced(kind).label(f"{ch}_bounced") for ch, kind in kinds.items()),
        )
        .where(scope(Identity.customer_id))
        .group_by(Identity.customer_id)
        .subquery()
    )
    consents = (
        select(Consent.customer_id.label("cid"), *(_granted(ch).label(ch) for ch in channels))
        .where(scope(Consent.customer_id))
        .group_by(Consent.customer_id)
        .subquery()
    )
    return session.execute(
        select(
            Customer.id,
            Customer.first_name,
            Customer.last_name,
            Customer.middle_name,
            Customer.timezone,
            Customer.preferred_channel,
            *(ids.c[ch] for ch in kinds),
            *(consents.c[ch] for ch in channels),
            *(ids.c[f"{ch}_bounced"] for ch in kinds),
        )
        .outerjoin(ids, ids.c.cid == Customer.id)
        .outerjoin(consents, consents.c.cid == Customer.id)
        .where(scope(Customer.id), Customer.merged_into_id.is_(None))
        .order_by(Customer.id)
    ).all()
