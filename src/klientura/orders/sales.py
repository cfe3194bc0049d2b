"""Sales of chosen customers over a period, as the KPIs define them, for other domains' reports (a campaign's
target and control groups): they name the customers, the orders domain reads its own tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select

from klientura.catalog import products_in, unit_cost
from klientura.db import Session, in_chunks
from klientura.orders.models import Order, OrderLine, Return, ReturnLine


class Sale(NamedTuple):
    customer_id: int
    placed_at: datetime
    revenue: float  # what the customer paid, net of the returns of this order
    cost: float  # the cost of its goods (zero where products have no cost)


def _sales() -> Any:
    returned = select(func.coalesce(func.sum(Return.amount), 0)).where(Return.order_id == Order.id).scalar_subquery()
    cost = (
        select(func.coalesce(func.sum(OrderLine.qty * unit_cost(OrderLine.product_id)), 0))
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


def returned_of(session: Session, order_id: int) -> tuple[Decimal, Decimal]:
    """(money refunded, items brought back) by the order's returns so far."""
    amount = session.scalar(select(func.coalesce(func.sum(Return.amount), 0)).where(Return.order_id == order_id))
    qty = session.scalar(
        select(func.coalesce(func.sum(ReturnLine.qty), 0))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id)
    )
    return Decimal(amount or 0), Decimal(qty or 0)


def order_by_id(session: Session, order_id: int) -> Order | None:
    """The order row itself (for the domain that has just ingested it and records its points on it)."""
    return session.get(Order, order_id)


def payments_of(session: Session, order_ids: list[int]) -> dict[int, tuple[int | None, str, Decimal]]:
    """For each order: its customer, status and the money paid (for the deals the orders are linked to)."""
    if not order_ids:
        return {}
    rows = session.execute(select(Order.id, Order.customer_id, Order.status, Order.paid).where(Order.id.in_(order_ids)))
    return {r.id: (r.customer_id, r.status, r.paid) for r in rows}


class OrderFact(NamedTuple):
    id: int
    number: str
    customer_id: int | None
    placed_at: datetime
    status: str
    total: Decimal
    paid: Decimal


def order_facts(
    session: Session, *, order_ids: Sequence[int] = (), customers: Sequence[int] = (), limit: int = 100
) -> list[OrderFact]:
    """The orders (by id, or the latest ``limit`` of these customers), newest first: for a timeline."""
    if not order_ids and not customers:
        return []
    cols = (Order.id, Order.external_id, Order.customer_id, Order.placed_at, Order.status, Order.total, Order.paid)
    query = select(*cols).order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit)
    query = query.where(Order.id.in_(order_ids)) if order_ids else query.where(Order.customer_id.in_(customers))
    return [OrderFact(*row) for row in session.execute(query)]


def last_purchase_at(session: Session) -> datetime | None:
    """When the store's latest order was placed (None before the first)."""
    last: datetime | None = session.scalar(select(func.max(Order.placed_at)))
    return last


def payments_since(session: Session, since: datetime) -> list[tuple[int, datetime, Decimal]]:
    """(customer, placed at, paid) of every completed order of a known customer placed from ``since``."""
    rows = session.execute(
        select(Order.customer_id, Order.placed_at, Order.paid).where(
            Order.customer_id.is_not(None), Order.status == "completed", Order.placed_at >= since
        )
    )
    return [(c, at, paid) for c, at, paid in rows if c is not None]


def spend_of(customer: Any, since: Any, at: Any) -> Any:
    """What ``customer`` paid for completed orders placed after ``since`` up to ``at``, as a scalar subquery (its
    arguments columns or bound parameters): a loyalty tier's spend, inside the caller's one statement."""
    return (
        select(func.coalesce(func.sum(Order.paid), 0))
        .where(
            Order.customer_id == customer, Order.status == "completed", Order.placed_at > since, Order.placed_at <= at
        )
        .scalar_subquery()
    )


def spend_by_customer(session: Session, customers: Select[Any], since: datetime, at: datetime) -> dict[int, Decimal]:
    """{customer: paid for completed orders placed after ``since`` up to ``at``} for ``customers`` (a query of ids)
    who bought in the window."""
    sub = customers.subquery()
    rows = session.execute(
        select(Order.customer_id, func.sum(Order.paid))
        .where(
            Order.customer_id.in_(select(sub.c[0])),
            Order.status == "completed",
            Order.placed_at > since,
            Order.placed_at <= at,
        )
        .group_by(Order.customer_id)
    )
    return {c: Decimal(s or 0) for c, s in rows if c is not None}


MOMENT = Order.placed_at.type  # the type a bound moment compared with placed_at takes


class PaidOrder(NamedTuple):
    id: int
    customer_id: int
    placed_at: datetime
    total: Decimal
    discount: Decimal
    points_redeemed: int | None


def receipts_between(session: Session, since: datetime, until: datetime) -> list[PaidOrder]:
    """The completed orders of known customers placed after ``since`` up to ``until``, by customer and time."""
    rows = session.execute(
        select(Order.id, Order.customer_id, Order.placed_at, Order.total, Order.discount, Order.points_redeemed)
        .where(
            Order.customer_id.is_not(None),
            Order.status == "completed",
            Order.placed_at > since,
            Order.placed_at <= until,
        )
        .order_by(Order.customer_id, Order.placed_at)
    )
    return [PaidOrder(i, c, at, total, disc, pts) for i, c, at, total, disc, pts in rows if c is not None]


def amounts_in_categories(
    session: Session, categories: Sequence[int], since: datetime, until: datetime
) -> dict[int, Decimal]:
    """{order: the amount of its lines in ``categories``} for the orders placed after ``since`` up to ``until``."""
    rows = session.execute(
        select(OrderLine.order_id, func.sum(OrderLine.price * OrderLine.qty))
        .where(
            OrderLine.product_id.in_(products_in(categories)),
            OrderLine.order_id.in_(select(Order.id).where(Order.placed_at > since, Order.placed_at <= until)),
        )
        .group_by(OrderLine.order_id)
    )
    return {oid: Decimal(a or 0) for oid, a in rows}


def last_purchases(session: Session, customers: Sequence[int]) -> dict[int, datetime]:
    """{customer: when their latest completed order was placed} for those of ``customers`` who bought."""
    return {
        cid: at
        for part in in_chunks(session, sorted(set(customers)))
        for cid, at in session.execute(
            select(Order.customer_id, func.max(Order.placed_at))
            .where(part.of(Order.customer_id), Order.status == "completed")
            .group_by(Order.customer_id)
        )
        if cid is not None
    }


def placed_between(session: Session, since: datetime, until: datetime) -> list[tuple[int, int, datetime]]:
    """(order, customer, placed at) of the completed orders of known customers placed after ``since`` up to
    ``until``."""
    rows = session.execute(
        select(Order.id, Order.customer_id, Order.placed_at).where(
            Order.customer_id.is_not(None),
            Order.status == "completed",
            Order.placed_at > since,
            Order.placed_at <= until,
        )
    )
    return [(oid, cid, at) for oid, cid, at in rows if cid is not None]


def purchase_rhythms(session: Session) -> list[tuple[int, datetime, datetime, int, int]]:
    """(customer, first purchase, last purchase, completed orders, the last order's id) of every customer with two
    completed orders or more: how often each buys."""
    rows = session.execute(
        select(
            Order.customer_id, func.min(Order.placed_at), func.max(Order.placed_at), func.count(), func.max(Order.id)
        )
        .where(Order.customer_id.is_not(None), Order.status == "completed")
        .group_by(Order.customer_id)
        .having(func.count() >= 2)
    )
    return [(cid, first, last, int(n), last_id) for cid, first, last, n, last_id in rows if cid is not None]
