"""The conversations' messages as timeline entries: on the customer card (every conversation of the person) and on
the deal (the conversations routed to it), beside the stage moves, tasks and notes of :mod:`klientura.sales`."""

from __future__ import annotations

from sqlalchemy import select

from klientura import customers, sales
from klientura.audit import Actor
from klientura.auth import require
from klientura.conversations.models import Conversation, Message
from klientura.db import Session

LIMIT = 200
ARROWS = {"in": "←", "out": "→"}


def timeline_entries(
    session: Session, actor: Actor, *, customer_id: int | None = None, deal_id: int | None = None
) -> list[sales.TimelineEntry]:
    """The latest messages of the person's conversations (a card the actor sees) or of the deal's (a deal the
    actor sees), newest first."""
    require(actor, "sales:read")
    stmt = select(Message, Conversation).join(Conversation, Conversation.id == Message.conversation_id)
    if deal_id is not None:
        sales.get_deal(session, actor, deal_id)
        stmt = stmt.where(Conversation.deal_id == deal_id)
    elif customer_id is not None:
        customers.get_customer(session, actor, customer_id)
        stmt = stmt.where(Conversation.customer_id == customer_id)
    else:
        return []
    rows = session.execute(stmt.order_by(Message.id.desc()).limit(LIMIT)).all()
    return [
        sales.TimelineEntry(
            at=m.at,
            kind="message",
            title=(" ".join(m.text.split())[:200] or "📎"),
            detail=f"{ARROWS.get(m.direction, '')} {c.channel}",
            deal_id=c.deal_id,
            ref_id=c.id,
        )
        for m, c in rows
    ]
