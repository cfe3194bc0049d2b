"""Who bought which products: each customer's distinct products over every completed order, as two integer arrays
(customers, products) — what a recommender counts co-purchases from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import BigInteger, cast, func, select

from klientura.db import Session, in_chunks
from klientura.orders.models import Order, OrderLine

Ints = npt.NDArray[np.int64]


def purchases_stamp(session: Session) -> tuple[Any, ...]:
    """Changes when an order or a line is added: a cache of the purchases is stale when it differs."""
    return (session.scalar(select(func.max(Order.id))), session.scalar(select(func.max(OrderLine.id))))


def _keys() -> Any:
    """Each completed order line as one integer, ``customer << 32 | product``: a fifth of the time two columns take
    to come through the driver, and made distinct by sorting."""
    return (
        select(cast(Order.customer_id, BigInteger) * 4294967296 + OrderLine.product_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id.is_not(None), OrderLine.product_id.is_not(None), Order.status == "completed")
    )


def _split(keys: Ints) -> tuple[Ints, Ints]:
    """(customers, products) of the keys, each pair once."""
    keys = np.sort(keys)  # np.unique hashes: ten times slower here on 7 million keys
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
    return keys >> 32, keys & 0xFFFFFFFF


def purchases_of(session: Session, customers: Sequence[int]) -> tuple[Ints, Ints]:
    """These customers' distinct products, looked up by customer."""
    found = [
        k for part in in_chunks(session, customers) for k in session.scalars(_keys().where(part.of(Order.customer_id)))
    ]
    return _split(np.array(found, dtype=np.int64))


def all_purchases(session: Session) -> tuple[Ints, Ints]:
    """Every customer's distinct products, straight through the driver's cursor (no result rows built), a batch of
    Python tuples at a time."""
    bind = session.get_bind()
    sql = str(_keys().compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.cursor()
    parts = []
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(500_000):
            parts.append(np.fromiter((r[0] for r in rows), np.int64, len(rows)))
    finally:
        cursor.close()
    return _split(np.concatenate(parts) if parts else np.zeros(0, np.int64))
