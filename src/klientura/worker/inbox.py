"""The inbox's minute job: conversations whose first response is late escalated to the heads of sales, committed."""

from __future__ import annotations

from datetime import datetime

from klientura import conversations
from klientura.db import Session


def escalate_late(session: Session, now: datetime, *, locale: str) -> int:
    late = conversations.escalate(session, now, locale=locale)
    session.commit()
    return late
