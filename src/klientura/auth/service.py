"""Users, passwords, API keys and idempotency records."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session

from klientura.audit import Actor, record
from klientura.auth.errors import (
    KEY_NOT_FOUND,
    KEY_REUSED,
    MALFORMED_KEY,
    SHORT_PASSWORD,
    TELEGRAM_CHAT,
    TELEGRAM_FOR_USERS,
    UNKNOWN_KEY,
    UNKNOWN_ROLE,
    UNKNOWN_SCOPES,
    USER_EXISTS,
    USER_NOT_FOUND,
    WRONG_PASSWORD,
)
from klientura.auth.guard import Guard
from klientura.auth.models import ApiKey, IdempotencyRecord, Team, User
from klientura.auth.passwords import hash_password, needs_rehash, verify_password, waste_time
from klientura.auth.permissions import ROLES, SCOPES, require
from klientura.auth.sessions import end_sessions_of
from klientura.db import Session, memos_of, notify
from klientura.kit.emails import normalize_email
from klientura.kit.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from klientura.kit.memo import Memo, Memos


def actor_for_user(user: User) -> Actor:
    """The user as an actor; a head of sales carries the members of the teams they head (asked of the session the
    user was read in; a detached head sees only their own)."""
    team: frozenset[int] = frozenset()
    if user.role == "head" and (session := object_session(user)) is not None:
        team = frozenset(
            session.scalars(select(User.id).join(Team, User.team_id == Team.id).where(Team.head_id == user.id))
        )
    return Actor(type="user", id=user.id, name=user.email, role=user.role, team=team)


def create_user(
    session: Session, actor: Actor, email: str, name: str, role: str, password: str, locale: str = "ru"
) -> User:
    require(actor, "users:admin")
    if role not in ROLES:
        raise ValidationFailed(UNKNOWN_ROLE, field="role", value=role, allowed=", ".join(ROLES))
    if len(password) < 8:
        raise ValidationFailed(SHORT_PASSWORD, field="password")
    user = User(
        email=normalize_email(email),
        name=name,
        role=role,
        password_hash=hash_password(password),
        locale=locale,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(USER_EXISTS, email=email) from exc
    record(session, actor, "user.create", "user", user.id, None, {"email": user.email, "role": role})
    return user


def authenticate(session: Session, email: str, password: str, guard: Guard, address: str) -> User:
    """The user whose password this is. Failures count against the account and the address (``guard``): too many
    and the next try is refused before the password is checked. An unknown e-mail costs a hash check too, so that
    the answer's time does not tell which e-mails have accounts. A hash of older parameters is rewritten."""
    try:
        normalized = normalize_email(email)
    except ValidationFailed:
        normalized = email.strip().lower()[:254]
    guard.check_login(normalized, address)
    user = session.scalars(select(User).where(User.email == normalized)).first()
    if user is None:
        waste_time(password)
        ok = False
    else:
        ok = verify_password(password, user.password_hash) and user.is_active
    if user is None or not ok:
        guard.login_failed(normalized, address)
        raise Unauthorized(WRONG_PASSWORD)
    guard.login_succeeded(normalized)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def user_by_email(session: Session, email: str) -> User:
    user = session.scalars(select(User).where(User.email == normalize_email(email))).first()
    if user is None:
        raise NotFound(USER_NOT_FOUND, id=email)
    return user


def set_password(session: Session, actor: Actor, user: User, password: str, now: datetime) -> int:
    """A new password (an admin's reset or the user's own change): every session of the user ends; how many."""
    if not (actor.is_user and actor.id == user.id):
        require(actor, "users:admin")
    if len(password) < 8:
        raise ValidationFailed(SHORT_PASSWORD, field="password")
    user.password_hash = hash_password(password)
    record(session, actor, "user.password", "user", user.id, None, None)
    return end_sessions_of(session, user.id, now, "password")


def set_telegram(session: Session, actor: Actor, user: User, chat_id: str | None) -> User:
    """Where the user's task reminders go by Telegram (their chat with the shop's bot); None: by e-mail. A user sets
    their own, an administrator anyone's."""
    if not (actor.is_user and actor.id == user.id):
        require(actor, "users:admin")
    value = (chat_id or "").strip() or None
    if value is not None and not re.fullmatch(r"-?\d{1,20}", value):
        raise ValidationFailed(TELEGRAM_CHAT, field="chat_id", value=value[:40])
    before = user.telegram_chat_id
    user.telegram_chat_id = value
    session.flush()
    record(session, actor, "user.telegram", "user", user.id, {"chat_id": before}, {"chat_id": value})
    return user


def set_my_telegram(session: Session, actor: Actor, chat_id: str | None) -> User:
    """The signed-in user's own Telegram chat for reminders (an API key has none)."""
    user = session.get(User, actor.id) if actor.is_user and actor.id is not None else None
    if user is None:
        raise Forbidden(TELEGRAM_FOR_USERS)
    return set_telegram(session, actor, user, chat_id)


def set_active(session: Session, actor: Actor, user: User, active: bool, now: datetime) -> int:
    """Deactivate (every session ends at once) or reactivate a user; how many sessions were ended."""
    require(actor, "users:admin")
    before = user.is_active
    user.is_active = active
    record(
        session,
        actor,
        "user.activate" if active else "user.deactivate",
        "user",
        user.id,
        {"active": before},
        {"active": active},
    )
    return 0 if active else end_sessions_of(session, user.id, now, "deactivated")


def get_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def create_api_key(session: Session, actor: Actor, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Returns the key row and the secret, shown once: ``kl_<prefix>_<secret>``."""
    require(actor, "users:admin")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValidationFailed(UNKNOWN_SCOPES, field="scopes", scopes=", ".join(unknown))
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    key = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=hashlib.sha256(secret.encode()).hexdigest(),
        scopes=sorted(set(scopes)),
        created_by_id=actor.id if actor.is_user else None,
    )
    session.add(key)
    session.flush()
    record(session, actor, "api_key.create", "api_key", key.id, None, {"name": name, "scopes": key.scopes})
    return key, f"kl_{prefix}_{secret}"


def revoke_api_key(session: Session, actor: Actor, key_id: int, at: datetime) -> None:
    require(actor, "users:admin")
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(KEY_NOT_FOUND, id=key_id)
    key.revoked_at = at
    record(session, actor, "api_key.revoke", "api_key", key.id, {"name": key.name}, None)
    _keys(memos_of(session)).clear()
    notify(session, KEYS_CHANNEL, str(key.id))  # every serving process forgets its keys when this commits


# token digest -> (actor, valid until), in the memos of the app that checked it: a till sends hundreds of requests
# a second with one key, and its fast path (PostgreSQL) trusts a key checked within KEY_CACHE_SECONDS. Every
# other check asks the store. A revocation is sent to every serving process as it commits (NOTIFY on KEYS_CHANNEL,
# klientura.asyncdb.listen), which forgets its keys at once; the cache's age is only the backstop of a lost one.
KEY_CACHE_SECONDS = 10.0
KEYS_CHANNEL = "klientura_api_keys"


def forget_api_keys(memos: Memos) -> None:
    """Forget every key this process checked (a key was revoked somewhere)."""
    _keys(memos).clear()


def _keys(memos: Memos) -> Memo:
    return memos.of("auth.api_keys", limit=10_000)


def cached_api_key_actor(memos: Memos, token: str) -> Actor | None:
    """The key's actor if this app checked it within KEY_CACHE_SECONDS (no query), else None."""
    hit = _keys(memos).get(hashlib.sha256(token.encode()).hexdigest())
    return hit[0] if hit is not None and hit[1] > time.monotonic() else None


def actor_for_api_key(session: Session, token: str) -> Actor:
    """The key's actor, asked of the store every time (a revoked key stops at once); remembered for the till's
    fast path (see KEY_CACHE_SECONDS)."""
    memos = memos_of(session)
    actor = _actor_for_api_key(session, token)
    _keys(memos).put(hashlib.sha256(token.encode()).hexdigest(), (actor, time.monotonic() + KEY_CACHE_SECONDS))
    return actor


def _actor_for_api_key(session: Session, token: str) -> Actor:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "kl":
        raise Unauthorized(MALFORMED_KEY)
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    digest = hashlib.sha256(parts[2].encode()).hexdigest()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(digest, key.key_hash):
        raise Unauthorized(UNKNOWN_KEY)
    return Actor(
        type="api_key",
        id=key.id,
        name=f"api-key:{key.name}",
        role="integration",
        scopes=frozenset(key.scopes),
    )


def idempotent_lookup(session: Session, actor: Actor, key: str, request_hash: str) -> IdempotencyRecord | None:
    stored = session.get(IdempotencyRecord, (f"{actor.type}:{actor.id}", key))
    if stored is not None and stored.request_hash != request_hash:
        raise Conflict(KEY_REUSED)
    return stored


def idempotent_store(
    session: Session, actor: Actor, key: str, request_hash: str, status: int, body: dict[str, Any]
) -> bool:
    """Remember the answer under the key; False when a concurrent request stored one under the same key first
    (its answer stands: the caller discards its own work and replays it). A savepoint keeps the race from
    spoiling the request's transaction."""
    try:
        with session.begin_nested():
            session.add(
                IdempotencyRecord(
                    actor=f"{actor.type}:{actor.id}",
                    key=key[:200],
                    request_hash=request_hash,
                    status_code=status,
                    body=body,
                )
            )
    except IntegrityError:
        return False
    return True


def forget_idempotency(session: Session, before: datetime) -> int:
    """Delete the stored answers of requests made before ``before`` (retention: a retry comes within minutes)."""
    done = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < before))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
