"""The inbox: the conversations a user works — unassigned, their own, their team's — newest activity first, with
the counts that say what needs an answer; taking a conversation, handing it to a colleague, closing it, reading it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select

from klientura import auth, customers, sales
from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.conversations.errors import ASSIGNEE_UNKNOWN
from klientura.conversations.models import Conversation
from klientura.conversations.service import get_conversation, visible
from klientura.db import Session
from klientura.kit.errors import NotFound, ValidationFailed

SELLERS = ("admin", "marketer", "head", "manager")
Box = Literal["mine", "unassigned", "team", "all", "closed"]


@dataclass(frozen=True)
class Counts:
    unread: int  # conversations with messages nobody has read
    waiting: int  # conversations whose person waits for an answer
    unassigned: int
    late: int  # waiting past the first response's due time


def inbox(
    session: Session, actor: Actor, box: Box, *, channel: str | None = None, limit: int = 50
) -> list[Conversation]:
    """A box's conversations that the actor sees, the latest activity first."""
    require(actor, "sales:read")
    stmt = select(Conversation)
    if (scoped := visible(actor)) is not None:
        stmt = stmt.where(scoped)  # type: ignore[arg-type]
    stmt = stmt.where(Conversation.status == ("closed" if box == "closed" else "open"))
    if box == "mine":
        stmt = stmt.where(Conversation.assignee_id == actor.id)
    elif box == "unassigned":
        stmt = stmt.where(Conversation.assignee_id.is_(None))
    elif box == "team" and (scope := owner_scope(actor)) is not None:
        stmt = stmt.where(Conversation.assignee_id.in_(sorted(scope)))
    if channel:
        stmt = stmt.where(Conversation.channel == channel)
    return list(session.scalars(stmt.order_by(Conversation.last_at.desc(), Conversation.id.desc()).limit(limit)))


def counts(session: Session, actor: Actor, now: datetime) -> Counts:
    """Over the open conversations the actor sees."""
    require(actor, "sales:read")
    stmt = select(
        func.count().filter(Conversation.unread > 0),
        func.count().filter(Conversation.waiting_since.is_not(None)),
        func.count().filter(Conversation.assignee_id.is_(None)),
        func.count().filter(Conversation.waiting_since.is_not(None), Conversation.sla_due_at < now),
    ).where(Conversation.status == "open")
    if (scoped := visible(actor)) is not None:
        stmt = stmt.where(scoped)  # type: ignore[arg-type]
    unread, waiting, unassigned, late = session.execute(stmt).one()
    return Counts(unread=unread, waiting=waiting, unassigned=unassigned, late=late)


def assign(session: Session, actor: Actor, conversation_id: int, user_id: int | None) -> Conversation:
    """Take a conversation or hand it to a colleague who sells (None: back to the unassigned); whoever hands it
    over may no longer see it when they are confined to their own."""
    require(actor, "sales:write")
    talk = get_conversation(session, actor, conversation_id)
    if user_id is not None:
        user = auth.get_user(session, user_id)
        if user is None or user.role not in SELLERS:
            raise ValidationFailed(ASSIGNEE_UNKNOWN, field="assignee_id", id=user_id)
    before = talk.assignee_id
    talk.assignee_id = user_id
    who = Actor(type="system", id=None, name=f"inbox: {actor.name}", role="admin", scopes=frozenset({"*"}))
    if user_id is not None and customers.owner_of(session, talk.customer_id) is None:
        # someone new: the person's card becomes the manager's, as their request did (they see whom they answer)
        customers.update_customer(session, who, talk.customer_id, customers.CustomerUpdate(owner_id=user_id))
    if user_id is not None and talk.lead_id is not None:
        try:
            lead = sales.get_lead(session, who, talk.lead_id)
        except NotFound:  # the request was deleted since: the conversation goes alone
            lead = None
        if lead is not None and lead.owner_id is None and lead.status == "open":  # nobody's request goes with it
            sales.assign_lead(session, who, lead.id, user_id)
    session.flush()
    record(session, actor, "conversation.assign", "conversation", talk.id, {"assignee_id": before},
           {"assignee_id": user_id})  # fmt: skip
    return talk


def close(session: Session, actor: Actor, conversation_id: int, now: datetime) -> Conversation:
    """Done: the next message from the person opens a new conversation (and a request)."""
    require(actor, "sales:write")
    talk = get_conversation(session, actor, conversation_id)
    if talk.status != "closed":
        talk.status, talk.closed_at, talk.unread, talk.waiting_since = "closed", now, 0, None
        session.flush()
        record(session, actor, "conversation.close", "conversation", talk.id, None, {"status": "closed"})
    return talk


def mark_read(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    require(actor, "sales:read")
    talk = get_conversation(session, actor, conversation_id)
    talk.unread = 0
    session.flush()
    return talk


def people_of(session: Session, actor: Actor, talks: list[Conversation]) -> dict[int, str]:
    """The names of the people in these conversations (which the actor sees): a head handing out the unassigned
    sees who wrote, though the card is nobody's yet (its contacts stay on the card, for its owner)."""
    require(actor, "sales:read")
    ids = sorted({t.customer_id for t in talks})
    if not ids:
        return {}
    cards = session.scalars(select(customers.Customer).where(customers.Customer.id.in_(ids)))  # one query a page
    return {c.id: c.full_name for c in cards if c.full_name}
