"""What the conversations keep of a person, forgotten on erasure (klientura.privacy): where replies went, what they
wrote and sent, and the form fields — the conversations and messages stay, as counts and times, for the reports."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from klientura.conversations.models import Conversation, Message, SurveyAnswer
from klientura.db import Session


def erase_conversations(session: Session, customer_ids: Sequence[int]) -> int:
    """Wipe the address, the subject and every message's text, attachments and data of these cards'
    conversations; how many conversations."""
    ids = list(session.scalars(select(Conversation.id).where(Conversation.customer_id.in_(customer_ids))))
    session.execute(
        update(Conversation).where(Conversation.id.in_(ids)).values(peer="erased", subject=None),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Message).where(Message.conversation_id.in_(ids)).values(text="", attachments=[], data={}),
        execution_options={"synchronize_session": False},
    )
    session.execute(  # their survey comments go; the scores stay, as the outlet's figures
        update(SurveyAnswer).where(SurveyAnswer.customer_id.in_(customer_ids)).values(comment=None),
        execution_options={"synchronize_session": False},
    )
    session.expire_all()
    return len(ids)


def conversations_of(session: Session, customer_ids: Sequence[int]) -> list[dict[str, object]]:
    """Everything the conversations hold of these cards, for the person's data export (the right of access)."""
    talks = list(
        session.scalars(
            select(Conversation).where(Conversation.customer_id.in_(customer_ids)).order_by(Conversation.id)
        )
    )
    said: dict[int, list[Message]] = {}
    for m in session.scalars(
        select(Message).where(Message.conversation_id.in_([t.id for t in talks])).order_by(Message.id)
    ):
        said.setdefault(m.conversation_id, []).append(m)
    return [
        {
            "id": t.id,
            "channel": t.channel,
            "address": t.peer,
            "subject": t.subject,
            "created_at": t.created_at.isoformat(),
            "messages": [
                {
                    "at": m.at.isoformat(),
                    "direction": m.direction,
                    "text": m.text,
                    "attachments": m.attachments,
                    "fields": m.data,
                }
                for m in said.get(t.id, [])
            ],
        }
        for t in talks
    ]


def surveys_of(session: Session, customer_ids: Sequence[int]) -> list[dict[str, object]]:
    """The person's survey answers, for their data export."""
    rows = session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.customer_id.in_(customer_ids)).order_by(SurveyAnswer.id)
    )
    return [
        {"kind": a.kind, "score": a.score, "comment": a.comment, "order_id": a.order_id,
         "answered_at": a.answered_at.isoformat()}
        for a in rows
    ]  # fmt: skip
