"""Which leads an actor sees: a manager their own; a head of sales their team's and the unassigned ones (to hand
out); the others all."""

from __future__ import annotations

from klientura.audit import Actor
from klientura.auth import owner_scope, require
from klientura.db import Session
from klientura.kit.errors import NotFound
from klientura.sales.errors import LEAD_NOT_FOUND
from klientura.sales.models import Lead


def sees_lead(actor: Actor, lead: Lead) -> bool:
    """A manager their own leads; a head their team's and the unassigned ones (to hand out); the others all."""
    scope = owner_scope(actor)
    if scope is None:
        return True
    return lead.owner_id in scope or (lead.owner_id is None and actor.role == "head")


def get_lead(session: Session, actor: Actor, lead_id: int) -> Lead:
    require(actor, "sales:read")
    lead = session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None or not sees_lead(actor, lead):
        raise NotFound(LEAD_NOT_FOUND, id=lead_id)
    return lead
