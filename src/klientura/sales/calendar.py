"""The tasks as a calendar: a week or a month of a user's or a team's tasks, and each user's secret feed address
that Google, Yandex or Outlook calendars subscribe to (its token shown once, only its digest kept; a new one
replaces it; a deactivated user's feed answers nothing)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import or_, select

from klientura import auth
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, utcnow
from klientura.kit.errors import Forbidden
from klientura.sales.errors import FEED_FOR_USERS
from klientura.sales.models import CalendarFeed, Task
from klientura.sales.tasks import tasks_query


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed(session: Session, actor: Actor) -> str:
    """A new secret feed token for the signed-in user (the old address stops working)."""
    require(actor, "sales:read")
    if not actor.is_user or actor.id is None:
        raise Forbidden(FEED_FOR_USERS)
    token = secrets.token_urlsafe(32)
    feed = session.get(CalendarFeed, actor.id)
    if feed is None:
        session.add(CalendarFeed(user_id=actor.id, token_hash=_digest(token), created_at=utcnow()))
    else:
        feed.token_hash, feed.created_at = _digest(token), utcnow()
    session.flush()
    record(session, actor, "calendar.feed", "user", actor.id, None, None)
    return token


def feed_tasks(session: Session, token: str, since: datetime, limit: int = 5000) -> tuple[str, list[Task]] | None:
    """The feed's owner's name and tasks (open ones, and those done since ``since``), or None for an unknown token or
    a deactivated user."""
    if not 20 <= len(token) <= 100:
        return None
    feed = session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token))).first()
    user = auth.get_user(session, feed.user_id) if feed is not None else None
    if user is None:
        return None
    rows = session.scalars(
        select(Task)
        .where(
            Task.assignee_id == user.id,
            Task.deleted_at.is_(None),
            or_(Task.done_at.is_(None), Task.done_at >= since),
        )
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    return user.name, list(rows)


def calendar_tasks(
    session: Session, actor: Actor, start: datetime, end: datetime, *, assignee_id: int | None = None
) -> list[Task]:
    """The tasks due in [start, end) the actor sees (a manager theirs, a head their team's), by one assignee or
    all of them."""
    require(actor, "sales:read")
    stmt = tasks_query(actor, state="all", assignee_id=assignee_id, due_from=start, due_to=end)
    return list(session.scalars(stmt.order_by(Task.due_at, Task.id).limit(2000)))
