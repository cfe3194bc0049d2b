"""PostgreSQL without the ORM, for the till's hot path (see :mod:`klientura.loyalty.till`).

A till confirms hundreds of receipts a second; on two cores the ORM's unit of work and a thread per request cost
more than the database does. The till endpoints instead run two prepared statements on a psycopg connection from
an async pool, each its own transaction (autocommit): the server's event loop never blocks. The pool belongs to
the serving process: it is opened when the app starts (uvicorn's lifespan) and only for a PostgreSQL store;
without it the endpoints take the ORM path, which is also the reference the fast path is tested against.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection, errors
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from klientura.kit.errors import Conflict

Connection = AsyncConnection[Any]


class Duplicate(Conflict):
    """A unique index refused a row (a concurrent request wrote it first): the transaction was rolled back."""


def conninfo(database_url: str) -> str | None:
    """libpq's connection string for a PostgreSQL URL; None for any other store."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def open_pool(database_url: str, *, size: int = 4) -> AsyncConnectionPool[Any] | None:
    """An open pool for a PostgreSQL store (None for another), its connections in UTC."""
    info = conninfo(database_url)
    if info is None:
        return None
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        info, min_size=size, max_size=size, open=False, kwargs={"options": "-c timezone=UTC", "autocommit": True}
    )
    await pool.open(wait=True, timeout=30)
    return pool


@asynccontextmanager
async def connection(pool: AsyncConnectionPool[Any]) -> AsyncIterator[Connection]:
    """A connection whose every statement is its own transaction. A unique index refusing a row raises
    :class:`Duplicate` (that statement wrote nothing)."""
    try:
        async with pool.connection() as conn:
            yield conn
    except errors.UniqueViolation as exc:
        raise Duplicate(str(exc)) from exc
