"""Reading a large result as the driver gives it: a chunk of plain tuples at a time, without SQLAlchemy's rows
(a million cards and two million identities read in 3 s by the driver took 10–17 s through result rows)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

_cursors = itertools.count()
SCAN_CACHE = -8192  # KiB of SQLite's page cache while a result is streamed


def stream_rows(session: Session, stmt: ClauseElement, size: int = 5_000) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``stmt`` in the session's transaction, ``size`` at a time, as the driver's tuples: values in the
    driver's own terms (SQLite gives dates as ISO text, PostgreSQL as dates) — for statements whose parameters need
    no conversion. On PostgreSQL through a server-side cursor, so the result is never held whole."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect)
    params: Any = compiled.params
    order = getattr(compiled, "positiontup", None)  # qmark drivers (SQLite) take the values in order
    if order is not None:
        params = tuple(params[name] for name in order)
    raw: Any = conn.connection.dbapi_connection
    postgresql = conn.dialect.name == "postgresql"
    cursor = raw.cursor(name=f"klientura_stream_{next(_cursors)}") if postgresql else raw.cursor()
    cached = None
    try:
        if not postgresql:  # each page is read once: SQLite's page cache (256 MB, db.py) would only fill the memory
            cached = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.execute(f"PRAGMA cache_size={SCAN_CACHE}")
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        if cached is not None:
            cursor.execute(f"PRAGMA cache_size={int(cached)}")
        cursor.close()
