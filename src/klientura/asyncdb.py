"""PostgreSQL without the ORM, for the till's hot path (see :mod:`klientura.loyalty.till`).

A till confirms hundreds of receipts a second; on two cores the ORM's unit of work and a thread per request cost
more than the database does. The till endpoints instead run two prepared statements on a psycopg connection from
an async pool, each its own transaction (autocommit): the server's event loop never blocks. The pool belongs to
the serving process: it is opened when the app starts (uvicorn's lifespan) and only for a PostgreSQL store;
without it the endpoints take the ORM path, which is also the reference the fast path is tested against.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
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


async def listen(database_url: str, channel: str, on_notify: Callable[[str], None]) -> None:
    """Call ``on_notify`` with the payload of every ``NOTIFY channel`` on the store until cancelled; a dropped
    connection is opened again (``on_notify("")`` first: what was missed meanwhile is unknown)."""
    info = conninfo(database_url)
    if info is None:
        return
    while True:
        try:
            async with await AsyncConnection.connect(info, autocommit=True) as conn:
                await conn.execute(f'LISTEN "{channel}"')
                on_notify("")
                async for note in conn.notifies():
                    on_notify(note.payload)
        except asyncio.CancelledError:
            raise
        except Exception:  # the store went away or restarted: listen again a moment later
            on_notify("")
            await asyncio.sleep(1)
