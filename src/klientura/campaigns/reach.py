"""How each customer of an audience can be reached, read in bulk: names and time zone from the card, addresses from
the identities (e-mail, phone for SMS, Telegram chat), consent per channel, the preferred channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select

from klientura.customers import Consent, Customer, Identity
from klientura.db import Session

CHANNEL_OF_KIND = {"email": "email", "phone": "sms", "telegram": "telegram"}
Scope = Callable[[Any], Any]  # a condition on a customer id column


@dataclass(slots=True)
class Reach:
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    timezone: str | None = None
    preferred: str | None = None
    addresses: dict[str, str] = field(default_factory=dict)  # channel -> address
    consents: dict[str, bool] = field(default_factory=dict)  # channel -> granted

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


def _pick(kind: str) -> Any:
    """The address of a kind: the primary one, else the smallest (one row per customer, whatever the store)."""
    return func.coalesce(
        func.max(case((and_(Identity.kind == kind, Identity.is_primary.is_(True)), Identity.value))),
        func.min(case((Identity.kind == kind, Identity.value))),
    )


def _granted(channel: str) -> Any:
    """1 granted, 0 refused, NULL never asked."""
    return func.max(case((Consent.channel == channel, case((Consent.granted.is_(True), 1), else_=0))))


def reach(session: Session, scope: Scope) -> dict[int, Reach]:
    """Per surviving card in ``scope``, in one query (a launch reads a million): the addresses and consents are
    aggregated per customer in the store. Of several addresses of a kind the primary one, else the smallest.
    A webhook needs no address (the receiving system knows the customer by id) but honours a refusal."""
    kinds = {channel: kind for kind, channel in CHANNEL_OF_KIND.items()}
    ids = (select(Identity.customer_id.label("cid"), *(_pick(kind).label(ch) for ch, kind in kinds.items()))
           .where(scope(Identity.customer_id), Identity.kind.in_(list(CHANNEL_OF_KIND)))
           .group_by(Identity.customer_id).subquery())  # fmt: skip
    channels = (*kinds, "webhook")
    consents = (select(Consent.customer_id.label("cid"), *(_granted(ch).label(ch) for ch in channels))
                .where(scope(Consent.customer_id)).group_by(Consent.customer_id).subquery())  # fmt: skip
    rows = session.execute(
        select(Customer.id, Customer.first_name, Customer.last_name, Customer.middle_name, Customer.timezone,
               Customer.preferred_channel, *(ids.c[ch] for ch in kinds), *(consents.c[ch] for ch in channels))
        .outerjoin(ids, ids.c.cid == Customer.id).outerjoin(consents, consents.c.cid == Customer.id)
        .where(scope(Customer.id), Customer.merged_into_id.is_(None))
    )  # fmt: skip
    out: dict[int, Reach] = {}
    n = len(kinds)
    for row in rows:
        cid = row[0]
        addresses = {ch: v for ch, v in zip(kinds, row[6 : 6 + n], strict=True) if v is not None}
        addresses["webhook"] = str(cid)
        consents_of = {ch: bool(v) for ch, v in zip(channels, row[6 + n :], strict=True) if v is not None}
        consents_of.setdefault("webhook", True)
        out[cid] = Reach(row[1], row[2], row[3], row[4], row[5], addresses, consents_of)
    return out
