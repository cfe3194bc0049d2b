"""Request plumbing: the session (the request owns the transaction), the actor, settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from klientura.analytics import Warehouse
from klientura.audit import Actor
from klientura.auth.service import actor_for_api_key, actor_for_user, cached_api_key_actor, get_user
from klientura.campaigns import Links, Sending
from klientura.config import Settings
from klientura.db import Session
from klientura.kit.errors import Unauthorized

T = TypeVar("T")


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def current_actor(request: Request, session: Annotated[Session, Depends(get_session)]) -> Actor:
    return actor_of(request, session)


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("x-api-key", "").strip()


def cached_actor(request: Request) -> Actor | None:
    """The API key's actor when this process knows it already — no session, no query; None otherwise (a user's
    session, a key not seen lately, no key)."""
    token = _token(request)
    return cached_api_key_actor(token) if token else None


def actor_of(request: Request, session: Session) -> Actor:
    token = _token(request)
    if token:
        return actor_for_api_key(session, token)
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if user_id is not None:
        user = get_user(session, int(user_id))
        if user is not None:
            return actor_for_user(user)
    raise Unauthorized("log in or send an API key: 'Authorization: Bearer kl_...'")


def in_one_thread(request: Request, work: Callable[[Session, Actor], T]) -> T:
    """The session, the actor and the work in one call — for a hot endpoint that runs it in one worker thread
    (``await anyio.to_thread.run_sync``) instead of a thread hop per dependency."""
    session = request.app.state.session_factory()
    try:
        return work(session, actor_of(request, session))
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(current_actor)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def open_warehouse(request: Request) -> Iterator[Warehouse]:
    """The warehouse, read-only for this request (DuckDB lets many processes read, one write)."""
    wh = Warehouse.of(request.app.state.settings, read_only=True)
    try:
        yield wh
    finally:
        wh.close()


WarehouseDep = Annotated[Warehouse, Depends(open_warehouse)]


def open_warehouse_for_writing(request: Request) -> Iterator[Warehouse]:
    """The warehouse to write results into (lifetime-value predictions); a busy one is a 409."""
    wh = Warehouse.of(request.app.state.settings)
    try:
        yield wh
    finally:
        wh.close()


WritableWarehouseDep = Annotated[Warehouse, Depends(open_warehouse_for_writing)]


def sending_of(request: Request) -> Sending:
    """What a launch needs from the settings; links point at ``public_url``, else at the address of the request."""
    settings: Settings = request.app.state.settings
    base = settings.public_url or str(request.base_url)
    return Sending(Links(base.rstrip("/"), settings.secret_key), settings.timezone, settings.default_locale)


SendingDep = Annotated[Sending, Depends(sending_of)]
