"""Reminding assignees of their tasks by Telegram (when they gave their chat with the shop's bot) or e-mail, in
their own language: one message per task (its key makes a resend after a crash the same message), the task marked
reminded once the provider answered for good."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from klientura import sales
from klientura.channels import Channel, OutgoingMessage
from klientura.db import Session
from klientura.kit.i18n import N_, translations

SUBJECT = N_("Reminder: %(title)s at %(time)s")
BODY = N_("%(name)s, a task is due at %(time)s: %(title)s.")
DEAL = N_("The deal: %(url)s")


def remind(
    session: Session, channels: Mapping[str, Channel], now: datetime, *, public_url: str, zone: ZoneInfo
) -> dict[str, int]:
    """One round: the reminders due, sent through the e-mail channel; how many sent, to retry and failed."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    email, telegram = channels.get("email"), channels.get("telegram")
    if email is None and telegram is None:
        return counts
    for item in sales.due_reminders(session, now):
        by_telegram = telegram is not None and item.telegram is not None
        channel = telegram if by_telegram else email
        if channel is None:
            continue  # no e-mail channel and the assignee has no Telegram chat: the reminder waits
        gettext = translations(item.locale).gettext
        when = item.due_at.astimezone(zone).strftime("%H:%M")
        lines = [gettext(BODY) % {"name": item.name, "time": when, "title": item.title}]
        if item.deal_id is not None and public_url:
            lines.append(gettext(DEAL) % {"url": f"{public_url.rstrip('/')}/sales/deals/{item.deal_id}"})
        subject = gettext(SUBJECT) % {"title": " ".join(item.title.split())[:150], "time": when}
        message = OutgoingMessage(
            key=f"task-{item.task_id}-{item.due_at.isoformat()}",
            to=item.telegram if by_telegram and item.telegram else item.to,
            subject=subject,
            text="\n\n".join([subject, *lines]) if by_telegram else "\n\n".join(lines),
        )
        result = channel.send(message)
        if result.status == "retry":
            counts["retry"] += 1
            continue
        sales.mark_reminded(session, item.task_id, now)
        session.commit()
        counts["sent" if result.ok else "failed"] += 1
    return counts
