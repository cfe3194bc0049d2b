"""Messages' part in privacy: what was sent to a person (read for an export), wiped on erasure, and the bodies of
old messages dropped after the retention period — the message's row stays (its channel, status, times and
delivery count in the reports), its address and text do not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from klientura.campaigns.models import OutboxMessage
from klientura.db import Session

FINAL = ("sent", "failed")


def messages_to(session: Session, customer_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every message to these cards, oldest first, as it is kept."""
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.customer_id.in_(customer_ids)).order_by(OutboxMessage.id)
    )
    return [
        {
            "id": m.id,
            "channel": m.channel,
            "to": m.to,
            "subject": m.subject,
            "text": m.text,
            "source": m.source,
            "status": m.status,
            "delivery": m.delivery,
            "created_at": m.created_at.isoformat(),
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        }
        for m in rows
    ]


def _wiped(data: dict[str, Any]) -> dict[str, Any]:
    """A message's frozen data without the recipient's fields (names, points, codes); the variant stays."""
    return {k: v for k, v in (data or {}).items() if k != "fields"}


def erase_messages(session: Session, customer_ids: Sequence[int]) -> int:
    """Wipe the address, text and personal fields of every message to these cards (queued ones are failed)."""
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id.in_(customer_ids))))
    for m in rows:
        if m.status not in FINAL:
            m.status, m.last_error = "failed", "the recipient's data was erased"
        m.to, m.subject, m.text, m.html, m.unsubscribe_url = "erased", "", "", None, None
        m.data = _wiped(m.data)
    session.flush()
    return len(rows)


def forget_message_bodies(session: Session, before: datetime) -> int:
    """Drop the text and the recipient's fields of messages finished before ``before`` (retention)."""
    rows = list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.created_at < before,
                OutboxMessage.status.in_(FINAL),
                (OutboxMessage.text != "") | (OutboxMessage.subject != "") | OutboxMessage.html.is_not(None),
            )
        )
    )
    for m in rows:
        m.subject, m.text, m.html, m.data = "", "", None, _wiped(m.data)
    session.flush()
    return len(rows)
