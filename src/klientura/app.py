"""The ASGI application: API under /api/v1, the web UI at /, one session factory per app."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from klientura import __version__, api, asyncdb, conversations, web, wiring
from klientura.auth import KEYS_CHANNEL, Guard, forget_api_keys
from klientura.config import Settings
from klientura.db import SessionFactory, make_session_factory, writing
from klientura.kit.memo import MEMOS, Memos
from klientura.kit.shop import Shop
from klientura.web.bodies import BodyLimit
from klientura.web.headers import SecurityHeaders


def create_app(
    settings: Settings | None = None, *, session_factory: SessionFactory | None = None, shop: Shop | None = None
) -> FastAPI:
    """``shop`` (built from the settings by default) is the context every request is served in; a test passes one
    with a fixed clock."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """The till's pool (PostgreSQL only), opened in the serving process's event loop."""
        pool = (
            await asyncdb.open_pool(settings.database_url, size=settings.till_pool_size)
            if settings.till_pool_size
            else None
        )
        app.state.pg_pool = pool
        # the till's fast path trusts the API keys this process checked lately: a key revoked by any process is
        # forgotten here the moment its revocation commits (PostgreSQL's NOTIFY)
        listener = (
            asyncio.create_task(asyncdb.listen(settings.database_url, KEYS_CHANNEL, lambda _: forget_api_keys(memos)))
            if pool is not None
            else None
        )
        # what start-up built (modules, models, routes) lives as long as the process: out of the collector's
        # sight, a full collection no longer walks it in the middle of a till's request (p99)
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            app.state.pg_pool = None
            if listener is not None:
                listener.cancel()
            if pool is not None:
                await pool.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Klientura API",
        version=__version__,
        description="One customer base: cards without duplicates, orders, events, imports. Errors are RFC 9457 "
        "problem+json; POSTs that create data honour `Idempotency-Key`; lists use cursor pagination.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    if session_factory is None:
        session_factory = make_session_factory(settings.database_url)
    app.state.settings = settings
    app.state.shop = shop or Shop.of(settings)
    # the caches of this app: its sessions carry them (a factory made elsewhere is given them)
    app.state.memos = memos = session_factory.kw.setdefault("info", {}).setdefault(MEMOS, Memos())
    app.state.session_factory = session_factory
    app.state.pg_pool = None  # set while the app is served (lifespan)
    app.state.import_jobs = {}  # imports started from the browser, by job id (web.jobs)
    app.state.merge_hooks = wiring.merge_hooks()
    app.state.sla = conversations.sla_of(settings)  # the inbox's working time and first-response minutes
    app.state.guard = Guard(settings.rate_limit_storage)  # failed logins and key guesses (klientura.auth.guard)
    # the cookie holds the session's token (the session itself is in the store: klientura.auth.sessions); it is
    # re-signed on every answer, so its age is the time since the last request: the idle timeout
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.key("session"),
        session_cookie="klientura_session",
        same_site="lax",
        https_only=settings.cookies_secure,
        max_age=settings.session_idle_minutes * 60,
    )
    # an integration's everyday move and request on PostgreSQL, answered before the routing (klientura.api.lane)
    app.add_middleware(api.FastLane)
    app.add_middleware(BodyLimit, max_body_mb=settings.max_body_mb, max_upload_mb=settings.max_upload_mb)
    app.add_middleware(SecurityHeaders, https=settings.cookies_secure)
    app.add_middleware(WritingRequests)
    api.install_problem_handlers(app)
    app.include_router(api.router())
    web.mount(app)
    return app


class WritingRequests:
    """A request other than GET (HEAD, OPTIONS) writes: its transactions take SQLite's write lock when they begin
    (klientura.db.writing), so concurrent writers wait for each other instead of failing "database is locked"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            with writing():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)
