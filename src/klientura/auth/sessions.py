"""Server-side sessions: the cookie carries a random token, the store the token's digest, so that a session can be
ended before its cookie expires - by logout, by a new password, by the user's deactivation. An idle session ends by
the cookie's own signed age (re-signed on every answer, so nothing is written on a GET)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from klientura.auth.models import User, UserSession
from klientura.db import Session


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session, user: User, now: datetime, lifetime: timedelta, *, agent: str = "", address: str = ""
) -> str:
    """A new session for ``user``; the token goes into the cookie and nowhere else."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            agent=agent[:200],
            address=address[:64],
        )
    )
    session.flush()
    return token


def user_of_session(session: Session, token: str, now: datetime) -> User | None:
    """The active user whose unended, unexpired session ``token`` is; None otherwise."""
    return session.scalars(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_hash == _digest(token),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
            User.is_active.is_(True),
        )
    ).first()


def end_session(session: Session, token: str, now: datetime, why: str = "logout") -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_why=why)
    )


def end_sessions_of(session: Session, user_id: int, now: datetime, why: str) -> int:
    """End every session of the user (a new password, deactivation); how many were open."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_why=why)
    )
    return int(getattr(result, "rowcount", 0) or 0)
