"""The first-response promise: per channel, so many working minutes (the shop's hours and holidays) after the
person's message that started the wait; a conversation past it is escalated to the head of its manager's team
(to every head of sales when nobody has it) by a task, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babel.dates import format_datetime
from sqlalchemy import select

from klientura import auth, sales
from klientura.audit import SYSTEM, record
from klientura.config import Settings
from klientura.conversations.models import Conversation
from klientura.db import Session
from klientura.kit.i18n import N_, translations
from klientura.kit.worktime import WorkCalendar

ABOUT_TO_MISS = 0.8  # a conversation is highlighted once this share of its minutes is gone


AWAY = N_("Thank you for your message! We are not at work now and will answer %(when)s.")


@dataclass(frozen=True)
class Sla:
    calendar: WorkCalendar
    minutes: dict[str, int] = field(default_factory=dict)
    locale: str = "ru"  # the automatic answer's language (the shop's)
    away: bool = True  # answer a message that comes out of hours with when to expect an answer

    def away_text(self, now: datetime) -> str | None:
        """The automatic answer for a message at ``now`` when the shop is closed, else None."""
        if not self.away or self.calendar.is_open(now):
            return None
        opening = self.calendar.next_open(now).astimezone(self.calendar.zone)
        when = format_datetime(opening, "EEEE, d MMMM, HH:mm", locale=self.locale)
        return translations(self.locale).gettext(AWAY) % {"when": when}

    def due(self, channel: str, since: datetime) -> datetime | None:
        minutes = self.minutes.get(channel)
        return None if minutes is None else self.calendar.add(since, minutes)


def sla_of(settings: Settings) -> Sla:
    """The settings' working time and first-response minutes (KLIENTURA_WORK_HOURS, KLIENTURA_HOLIDAYS,
    KLIENTURA_SLA_MINUTES, KLIENTURA_AWAY_ANSWER); a ValueError names a wrong KLIENTURA_WORK_HOURS."""
    try:
        calendar = WorkCalendar.parse(settings.work_hours, settings.timezone, settings.holidays)
    except ValueError as exc:
        raise ValueError(f"KLIENTURA_WORK_HOURS: {exc}") from None
    return Sla(calendar, settings.sla_minutes, locale=settings.default_locale, away=settings.away_answer)


def urgency(talk: Conversation, now: datetime, sla: Sla) -> str | None:
    """``missed``, ``soon`` (the last fifth of the channel's minutes) or None, for a conversation waiting for its
    answer."""
    if talk.waiting_since is None or talk.sla_due_at is None:
        return None
    if now >= talk.sla_due_at:
        return "missed"
    warning = timedelta(minutes=(1 - ABOUT_TO_MISS) * sla.minutes.get(talk.channel, 0))
    return "soon" if now >= talk.sla_due_at - warning else None


LATE = N_("No answer in time: conversation #%(id)s (%(channel)s)")


def escalate(session: Session, now: datetime, *, locale: str) -> int:
    """A task for the head of sales for each open conversation whose first response is late and was not escalated
    yet; how many were escalated. The worker's job (``klientura send``, every minute)."""
    late = list(
        session.scalars(
            select(Conversation)
            .where(Conversation.status == "open", Conversation.waiting_since.is_not(None))
            .where(Conversation.sla_due_at < now, Conversation.escalated_at.is_(None))
            .order_by(Conversation.sla_due_at)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
    )
    for talk in late:
        heads = [h for h in [auth.head_of(session, talk.assignee_id)] if h is not None] if talk.assignee_id else []
        for head in heads or auth.heads_of_sales(session):
            sales.create_task(
                session,
                SYSTEM,
                sales.TaskIn(
                    kind="todo",
                    title=(translations(locale).gettext(LATE) % {"id": talk.id, "channel": talk.channel})[:300],
                    note=f"/inbox?c={talk.id}",
                    assignee_id=head,
                    due_at=now + timedelta(minutes=15),
                    customer_id=talk.customer_id,
                    deal_id=talk.deal_id,
                ),
            )
        talk.escalated_at = now
        record(session, SYSTEM, "conversation.escalate", "conversation", talk.id, None, {"heads": heads})
    session.flush()
    return len(late)
