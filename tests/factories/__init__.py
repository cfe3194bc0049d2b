"""Typed factories for tests: build real rows through the services, never by hand-written SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, Actor
from klientura.customers import CustomerIn, prepare, resolve
from klientura.orders import LineIn, OrderIn, ingest_order

_seq = iter(range(1, 10**9))


def customer(session: Session, actor: Actor = SYSTEM, **fields: Any) -> int:
    if not any(k in fields for k in ("phone", "email", "card", "external_id", "phones", "emails")):
        fields["phone"] = f"+7912{next(_seq):07d}"
    fields.setdefault("last_name", "Иванов")
    fields.setdefault("first_name", "Иван")
    return resolve(session, actor, prepare(CustomerIn(**fields))).customer_id


def order(
    session: Session,
    customer_id: int | None,
    *,
    amount: str = "1000.00",
    external_id: str | None = None,
    at: datetime | None = None,
    actor: Actor = SYSTEM,
) -> int:
    data = OrderIn(
        external_id=external_id or f"R-{next(_seq)}",
        customer_id=customer_id,
        placed_at=at or datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
        lines=[LineIn(sku=None, qty=Decimal(1), price=Decimal(amount))],
        outlet="Магазин на Ленина",
    )
    return ingest_order(session, actor, data).order.id
