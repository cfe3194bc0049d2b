"""Products and categories, through the catalog's upsert (a product's category by its name)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.catalog import ProductIn, ensure_category, upsert_product


def category(session: Session, name: str) -> int:
    return ensure_category(session, name).id


def product(
    session: Session, sku: str, name: str, price: str | Decimal, *, category: str | None = None, cost: str | None = None
) -> int:
    """The product (made or updated by its SKU); its id."""
    data = ProductIn(
        sku=sku, name=name, price=Decimal(price), category=category, cost=Decimal(cost) if cost is not None else None
    )
    return upsert_product(session, SYSTEM, data).id
