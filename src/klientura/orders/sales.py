"""Sales of chosen customers over a period, as the KPIs define them, for other domains' reports (a campaign's
target and control groups): they name the customers, the orders domain reads its own tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select

from klientura.catalog import Product
from klientura.db import Session, in_chunks
from klientura.orders.models import Order, OrderLine, Return


class Sale(NamedTuple):
    customer_id: int
    placed_at: datetime
    revenue: float  # what the customer paid, net of the returns of this order
    cost: float  # the cost of its goods (zero where products have no cost)


def _sales() -> Any:
    returned = select(func.coalesce(func.sum(Return.amount), 0)).where(Return.order_id == Order.id).scalar_subquery()
    cost = (
        select(func.coalesce(func.sum(OrderLine.qty * Product.cost), 0))
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == Order.id)
        .scalar_subquery()
    )
    return select(Order.customer_id, Order.placed_at, Order.paid - returned, cost).where(Order.status == "completed")


def sales_of(session: Session, customers: Sequence[int] | Select[Any], start: datetime, end: datetime) -> list[Sale]:
    """The completed orders of ``customers`` (ids, or a query of ids — one statement however many) placed from
    ``start`` until ``end``: who, when, net revenue, cost of goods."""
    window = (Order.placed_at >= start, Order.placed_at < end)
    if isinstance(customers, Select):
        sub = customers.subquery()
        rows: Any = session.execute(_sales().where(Order.customer_id.in_(select(sub.c[0])), *window))
    else:
        rows = (
            row
            for part in in_chunks(session, list(customers))
            for row in session.execute(_sales().where(part.of(Order.customer_id), *window))
        )
    return [Sale(cid, at, float(Decimal(net)), float(Decimal(c))) for cid, at, net, c in rows if cid is not None]


def has_bought(session: Session, customer_id: int, *, besides: int | None = None) -> bool:
    """Whether the customer has a completed order (other than order ``besides``)."""
    query = select(func.count()).where(Order.customer_id == customer_id, Order.status == "completed")
    if besides is not None:
        query = query.where(Order.id != besides)
    return bool(session.scalar(query))


def numbers_of(session: Session, order_ids: Sequence[int]) -> dict[int, str]:
    """{order id: its receipt number (external id)} for these orders."""
    return {
        oid: ext
        for part in in_chunks(session, sorted(set(order_ids)))
        for oid, ext in session.execute(select(Order.id, Order.external_id).where(part.of(Order.id)))
    }


def numbered(number: str) -> Select[Any]:
    """A query of the ids of the orders with this receipt number (in any source), for others to filter by."""
    return select(Order.id).where(Order.external_id == number)
