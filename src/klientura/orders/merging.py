"""A merge of two cards moves the merged card's orders to the survivor, and its undo puts them back (a hook the app
assembles: klientura.wiring)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from klientura.db import Session
from klientura.orders.models import Order


class OrdersMerge:
    key = "orders"  # in the merge record: the ids of the rows moved

    def move(self, session: Session, survivor_id: int, merged_id: int) -> list[int]:
        ids = list(session.scalars(select(Order.id).where(Order.customer_id == merged_id)))
        if ids:
            session.execute(update(Order).where(Order.id.in_(ids)).values(customer_id=survivor_id))
        return ids

    def undo(self, session: Session, survivor_id: int, merged_id: int, saved: Any) -> None:
        if saved:
            session.execute(
                update(Order).where(Order.id.in_(saved), Order.customer_id == survivor_id).values(customer_id=merged_id)
            )
