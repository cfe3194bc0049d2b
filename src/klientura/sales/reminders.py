"""Reminders of tasks: each open task, shortly before it is due, once, to its assignee's e-mail (the worker sends
them through the configured e-mail channel; a reschedule arms the reminder again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from klientura import auth
from klientura.db import Session
from klientura.sales.models import Task

AHEAD = timedelta(minutes=15)  # how long before a task is due its reminder goes
STALE = timedelta(hours=12)  # a task this long overdue when the worker first sees it is not reminded of any more


@dataclass(frozen=True)
class Reminder:
    task_id: int
    kind: str
    title: str
    due_at: datetime
    deal_id: int | None
    to: str
    name: str
    locale: str
    telegram: str | None = None  # the assignee's chat with the bot: the reminder goes there when set


def due_reminders(session: Session, now: datetime, *, ahead: timedelta = AHEAD, limit: int = 200) -> list[Reminder]:
    """The open tasks due within ``ahead`` (and not long overdue) whose assignee was not reminded yet."""
    rows = session.scalars(
        select(Task)
        .where(
            Task.done_at.is_(None),
            Task.deleted_at.is_(None),
            Task.reminded_at.is_(None),
            Task.due_at <= now + ahead,
            Task.due_at >= now - STALE,
        )
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    out = []
    for task in rows:
        user = auth.get_user(session, task.assignee_id)
        if user is None:  # deactivated: their tasks wait to be delegated
            continue
        out.append(
            Reminder(
                task.id,
                task.kind,
                task.title,
                task.due_at,
                task.deal_id,
                user.email,
                user.name,
                user.locale,
                user.telegram_chat_id,
            )
        )
    return out


def mark_reminded(session: Session, task_id: int, now: datetime) -> None:
    task = session.get(Task, task_id)
    if task is not None:
        task.reminded_at = now
        session.flush()
