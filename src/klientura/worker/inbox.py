"""The inbox's minute jobs: conversations whose first response is late escalated to the heads of sales, committed;
the channels of the bots configured in the UI, for the sender."""

from __future__ import annotations

from datetime import datetime

from klientura import conversations
from klientura.channels import Channel
from klientura.config import Settings
from klientura.db import Session


def escalate_late(session: Session, now: datetime, *, locale: str) -> int:
    late = conversations.escalate(session, now, locale=locale)
    session.commit()
    return late


def account_channels(session: Session, settings: Settings) -> dict[str, Channel]:
    """The outbox channels of the bots and communities configured in the UI (read only)."""
    found = conversations.account_channels(session, settings.telegram_api_url, settings.vk_api_url)
    session.rollback()
    return found


def bot_token(session: Session, account_id: int) -> str | None:
    """The token of an enabled Telegram bot configured in the UI (None: no such bot on)."""
    found = conversations.hook_token(session, account_id)
    session.rollback()
    return found
