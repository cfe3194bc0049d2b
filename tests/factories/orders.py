"""Orders, ingested as a till or a shop would send them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, Actor
from klientura.orders import LineIn, OrderIn, ingest_order
from tests.factories.shop import SHOP, sequence


def order(
    session: Session,
    customer_id: int | None,
    *,
    amount: str = "1000.00",
    external_id: str | None = None,
    at: datetime | None = None,
    actor: Actor = SYSTEM,
) -> int:
    """A completed one-line receipt of ``amount`` (15 January 2026 unless ``at``); its order id."""
    data = OrderIn(
        external_id=external_id or f"R-{sequence()}",
        customer_id=customer_id,
        placed_at=at or datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
        lines=[LineIn(sku=None, qty=Decimal(1), price=Decimal(amount))],
        outlet="Магазин на Ленина",
    )
    return ingest_order(session, actor, data, shop=SHOP).order.id
