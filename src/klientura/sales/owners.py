"""Who owns a sales record and who sees it: a manager their own, a head of sales their teams' too, the rest all."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute

from klientura import customers
from klientura.audit import Actor
from klientura.auth import owner_scope
from klientura.db import Session
from klientura.kit.errors import ValidationFailed
from klientura.sales.errors import OWNER_FORBIDDEN


def sees(actor: Actor, owner_id: int | None) -> bool:
    scope = owner_scope(actor)
    return scope is None or owner_id in scope


def visible(actor: Actor, column: InstrumentedAttribute[int | None]) -> ColumnElement[bool]:
    """The WHERE clause of the records the actor sees, by their owner column."""
    scope = owner_scope(actor)
    return true() if scope is None else column.in_(sorted(scope))


def owner_for(session: Session, actor: Actor, wanted: int | None, *, default_self: bool = True) -> int | None:
    """The owner of a new record: a confined actor's own, or one of their team's when asked; for the others the
    one asked for (an active user), else the acting person (an integration's records are nobody's until routed)."""
    scope = owner_scope(actor)
    if scope is not None:
        if wanted is not None and wanted not in scope:
            raise ValidationFailed(OWNER_FORBIDDEN, field="owner_id")
        return wanted if wanted is not None else actor.id
    if wanted is not None:
        customers.check_owner(session, wanted)
        return wanted
    return actor.id if default_self and actor.type == "user" else None
