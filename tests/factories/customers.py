"""Customer cards, made through the domain's own resolution (identities normalised, the card audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, Actor
from klientura.customers import CustomerIn, prepare, resolve
from tests.factories.shop import SHOP, sequence


def customer(session: Session, actor: Actor = SYSTEM, **fields: Any) -> int:
    """A new card (a fresh phone unless an identity is given), named Иван Иванов unless told otherwise."""
    if not any(k in fields for k in ("phone", "email", "card", "external_id", "phones", "emails")):
        fields["phone"] = f"+7912{sequence():07d}"
    fields.setdefault("last_name", "Иванов")
    fields.setdefault("first_name", "Иван")
    return resolve(session, actor, prepare(CustomerIn(**fields), shop=SHOP)).customer_id
