"""A merge of two cards moves the merged card's events to the survivor, and its undo puts them back (a hook the app
assembles: klientura.wiring)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from klientura.db import Session
from klientura.events.models import Event


class EventsMerge:
    key = "events"  # in the merge record: the ids of the rows moved

    def move(self, session: Session, survivor_id: int, merged_id: int) -> list[int]:
        ids = list(session.scalars(select(Event.id).where(Event.customer_id == merged_id)))
        if ids:
            session.execute(update(Event).where(Event.id.in_(ids)).values(customer_id=survivor_id))
        return ids

    def undo(self, session: Session, survivor_id: int, merged_id: int, saved: Any) -> None:
        if saved:
            session.execute(
                update(Event).where(Event.id.in_(saved), Event.customer_id == survivor_id).values(customer_id=merged_id)
            )
