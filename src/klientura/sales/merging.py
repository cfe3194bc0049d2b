"""A merge of two cards moves the merged card's deals to the survivor, and its undo puts them back (a hook the app
assembles: klientura.wiring). The deals' history is not touched: it names stages, owners and amounts, not cards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from klientura.db import Session
from klientura.sales.models import Deal


class DealsMerge:
    key = "deals"  # in the merge record: the ids of the deals moved

    def move(self, session: Session, survivor_id: int, merged_id: int) -> list[int]:
        ids = list(session.scalars(select(Deal.id).where(Deal.customer_id == merged_id)))
        if ids:
            session.execute(update(Deal).where(Deal.id.in_(ids)).values(customer_id=survivor_id))
        return ids

    def undo(self, session: Session, survivor_id: int, merged_id: int, saved: Any) -> None:
        if saved:
            session.execute(
                update(Deal).where(Deal.id.in_(saved), Deal.customer_id == survivor_id).values(customer_id=merged_id)
            )
