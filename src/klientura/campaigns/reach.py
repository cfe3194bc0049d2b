"""How each customer of an audience can be reached, read in bulk: names and time zone from the card, addresses from
the identities (e-mail, phone for SMS, Telegram chat), consent per channel, the preferred channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

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


def reach(session: Session, scope: Scope) -> dict[int, Reach]:
    """Per surviving card in ``scope``. Of several addresses of a kind the primary one, else the first added.
    A webhook needs no address (the receiving system knows the customer by id) but honours a refusal."""
    out = {
        cid: Reach(first, last, middle, tz, preferred, {"webhook": str(cid)})
        for cid, first, last, middle, tz, preferred in session.execute(
            select(Customer.id, Customer.first_name, Customer.last_name, Customer.middle_name, Customer.timezone,
                   Customer.preferred_channel).where(scope(Customer.id), Customer.merged_into_id.is_(None))
        )
    }  # fmt: skip
    best: dict[tuple[int, str], tuple[bool, int]] = {}
    for cid, kind, value, primary, iid in session.execute(
        select(Identity.customer_id, Identity.kind, Identity.value, Identity.is_primary, Identity.id)
        .where(scope(Identity.customer_id), Identity.kind.in_(list(CHANNEL_OF_KIND)))
    ):  # fmt: skip
        r = out.get(cid)
        if r is None:
            continue
        channel, rank = CHANNEL_OF_KIND[kind], (not primary, iid)
        if (cid, channel) not in best or rank < best[cid, channel]:
            best[cid, channel] = rank
            r.addresses[channel] = value
    for cid, channel, granted in session.execute(
        select(Consent.customer_id, Consent.channel, Consent.granted).where(scope(Consent.customer_id))
    ):
        if (r := out.get(cid)) is not None:
            r.consents[channel] = granted
    for r in out.values():
        r.consents.setdefault("webhook", True)
    return out
