"""Orders written in bulk for an import of receipts: the receipt numbers already in the store, ids reserved ahead,
rows inserted through the driver in the columns below; the caller builds the rows and owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klientura.db import Session, insert_rows, refresh_statistics, reserve_ids, select_in
from klientura.orders.models import Order, OrderLine

# the columns of the rows write_orders takes, in order
ORDER_COLUMNS = (
    "id",
    "source",
    "external_id",
    "customer_id",
    "outlet_id",
    "channel_id",
    "placed_at",
    "status",
    "total",
    "discount",
    "paid",
    "promo_code",
    "points_redeemed",
    "points_earned",
    "created_at",
)
LINE_COLUMNS = ("order_id", "line_no", "sku", "product_id", "qty", "price", "discount", "amount")


def receipt_ids(session: Session, source: str, numbers: Sequence[str]) -> dict[str, int]:
    """{receipt number: order id} of those of ``numbers`` already in the store for ``source``."""
    return dict(select_in(session, Order, ("external_id", "id"), "external_id", list(numbers), source=source))


def reserve_order_ids(session: Session, n: int) -> list[int]:
    """``n`` order ids no one else will take."""
    return reserve_ids(session, Order, n)


def write_orders(session: Session, orders: Sequence[Sequence[Any]], lines: Sequence[Sequence[Any]]) -> None:
    """Insert the orders (rows in ORDER_COLUMNS) and their lines (rows in LINE_COLUMNS)."""
    insert_rows(session, Order, ORDER_COLUMNS, orders)
    insert_rows(session, OrderLine, LINE_COLUMNS, lines)


def refresh_order_statistics(session: Session) -> None:
    """Let the planner see the orders a long import has written so far."""
    refresh_statistics(session, Order, OrderLine)
