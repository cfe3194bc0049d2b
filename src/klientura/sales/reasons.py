"""The list of reasons a deal can be lost for. Once the list has a reason, a lost deal takes one of them — by the
page, the kanban, the API or an import alike; before, any words do (a new install is not blocked)."""

from __future__ import annotations

from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import ValidationFailed
from klientura.sales.errors import LOST_REASON_UNKNOWN
from klientura.sales.models import LostReason


def list_lost_reasons(session: Session, actor: Actor) -> list[str]:
    """The active reasons, in order, for whoever works the sales side."""
    require(actor, "sales:read")
    return lost_reasons(session)


def lost_reasons(session: Session) -> list[str]:
    """The active reasons, in order."""
    rows = session.scalars(
        select(LostReason.name).where(LostReason.active).order_by(LostReason.position, LostReason.id)
    )
    return list(rows)


def set_lost_reasons(session: Session, actor: Actor, names: list[str]) -> list[str]:
    """The list as given, in this order; reasons left out become inactive (the deals lost for them keep them)."""
    require(actor, "users:admin")
    before = lost_reasons(session)
    wanted: list[str] = []
    for name in (" ".join(n.split()) for n in names if n.strip()):
        if name.lower() not in {w.lower() for w in wanted}:  # once each, case aside: the first spelling
            wanted.append(name)
    have = {r.name.lower(): r for r in session.scalars(select(LostReason))}
    for position, name in enumerate(wanted):
        reason = have.pop(name.lower(), None) or LostReason(name=name)
        reason.name, reason.position, reason.active = name, position, True
        session.add(reason)
    for left in have.values():
        left.active = False
    session.flush()
    record(session, actor, "sales.lost_reasons", "lost_reasons", "list", {"reasons": before}, {"reasons": wanted})
    return lost_reasons(session)


def checked_reason(session: Session, given: str) -> str:
    """``given`` as the list words it (case and spaces aside); refused when the list has reasons and not this one."""
    allowed = lost_reasons(session)
    if not allowed:
        return given
    for name in allowed:
        if name.lower() == given.lower():
            return name
    raise ValidationFailed(LOST_REASON_UNKNOWN, field="lost_reason", value=given, allowed=", ".join(allowed))
