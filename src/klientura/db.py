"""Engine, declarative Base and session helpers shared by every domain.

Transports (api, web, cli, worker) never import SQLAlchemy themselves: they get a
:class:`Session` from here and pass it to services. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "Session",
    "SessionFactory",
    "UTCDateTime",
    "bulk_insert",
    "commit",
    "dialect_name",
    "make_engine",
    "make_session_factory",
    "refresh_statistics",
    "reserve_ids",
    "session_scope",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONType, list[str]: JSONType, datetime: UTCDateTime}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # let SQLAlchemy, not pysqlite, decide when a transaction begins, so SAVEPOINTs work
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # SQLite's own lower() only folds ASCII; names here are mostly Cyrillic
    dbapi_conn.create_function("lower", 1, _lower, deterministic=True)


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


SessionFactory = sessionmaker[Session]


@contextmanager
def session_scope(factory: SessionFactory) -> Iterator[Session]:
    """A unit of work for CLI commands and jobs: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def commit(session: Session) -> None:
    """Commit for a transport; a unique-constraint race surfaces as the domain's Conflict."""
    from sqlalchemy.exc import IntegrityError

    from klientura.kit.errors import Conflict

    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("a concurrent request changed the same data; retry") from exc


def make_session_factory(url: str, **engine_kwargs: Any) -> SessionFactory:
    return sessionmaker(bind=make_engine(url, **engine_kwargs), expire_on_commit=False)


def bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Core executemany: no ORM bookkeeping per row, for imports and generated data."""
    if rows:
        session.connection().execute(model.__table__.insert(), rows)


def reserve_ids(session: Session, model: Any, n: int) -> list[int]:
    """``n`` fresh primary keys for a bulk insert without RETURNING.

    PostgreSQL draws them from the table's sequence; SQLite continues after the current maximum, as its
    rowid allocation does — a concurrent writer that takes one of them makes the insert fail on the
    primary key, which callers treat like any other unique-constraint race.
    """
    from sqlalchemy import func, select, text

    if n <= 0:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
        return [int(r[0]) for r in rows]
    start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
    return list(range(start, start + n))


def refresh_statistics(session: Session, *models: Any) -> None:
    """PostgreSQL plans from table statistics; a table that grew from empty inside one bulk load still looks
    empty to the planner (sequential scans instead of the unique index) until it is analysed."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        for model in models:
            session.execute(text(f"ANALYZE {model.__table__.name}"))
