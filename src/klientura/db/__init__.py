"""Engine, declarative Base and session helpers shared by every domain.

Transports (api, web, cli, worker) never import SQLAlchemy themselves: they get a
:class:`Session` from here and pass it to services. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, String, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from klientura.db.bulk import (
    Deferred,
    InChunk,
    bulk_insert,
    in_chunks,
    insert_columns,
    insert_rows,
    refresh_statistics,
    reserve_ids,
    select_in,
)
from klientura.db.reading import stream_rows
from klientura.kit.memo import MEMOS, Memos, memos_in

__all__ = [
    "Base",
    "DataError",
    "Deferred",
    "InChunk",
    "IntegrityError",
    "Session",
    "SessionFactory",
    "UTCDateTime",
    "bulk_insert",
    "command_session",
    "commit",
    "dialect_name",
    "in_chunks",
    "insert_columns",
    "insert_rows",
    "key_string",
    "make_engine",
    "make_session_factory",
    "memos_of",
    "notify",
    "refresh_statistics",
    "reserve_ids",
    "select_in",
    "session_scope",
    "stream_rows",
    "utcnow",
    "writing",
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


def key_string(length: int) -> Any:
    """A machine key (canonical identity, receipt number, source code): compared byte by byte on PostgreSQL
    (``COLLATE "C"``). Locale collations cost a ``strcoll`` per comparison — loading 440,000 identities took
    4.4 s under C.UTF-8 and 1.7 s under "C" — and keys have no linguistic order to keep. SQLite compares
    bytes already."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def utcnow() -> datetime:
    """The moment a row is written: the store's own record time (``created_at``, ``updated_at``, ``computed_at``,
    ``found_at`` — as the columns' defaults are). Never for a decision of the domain: what counts as now or today
    for a customer (expiry, windows, quiet hours, "today") comes from the shop's clock (:class:`klientura.kit.shop.
    Shop`), passed in as ``at`` / ``now``, so a test fixes it."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # let SQLAlchemy, not pysqlite, decide when a transaction begins, so SAVEPOINTs work
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # 2 MB of page cache by default: too little for the identity index of a large base (bulk loads slow down
    # as the index outgrows it); 256 MB, used only as the file grows, keeps imports and lookups in memory
    cur.execute("PRAGMA cache_size=-262144")
    cur.close()
    # SQLite's own lower() only folds ASCII; names here are mostly Cyrillic
    dbapi_conn.create_function("lower", 1, _lower, deterministic=True)


def notify(session: Session, channel: str, payload: str) -> None:
    """Tell every process listening on ``channel`` when this transaction commits (PostgreSQL's NOTIFY; on SQLite,
    which has no listeners, nothing)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})


_WRITING: ContextVar[bool] = ContextVar("klientura_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside will write (a POST, a command's or a job's unit of work): on SQLite they take the
    write lock when they begin."""
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


def _sqlite_begin(conn: Any) -> None:
    # A writer takes SQLite's write lock when it begins: two writers that had both read first would each wait for
    # the other to upgrade, and one gets "database is locked" at once whatever the busy timeout; begun immediately,
    # the second waits (busy_timeout) for the first to commit. A reader begins deferred and never waits (WAL).
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")


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
    """A unit of work for CLI commands and jobs: commit on success, roll back on error (a writer: see writing)."""
    session = factory()
    try:
        with writing():
            yield session
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def command_session(url: str) -> Iterator[Session]:
    """:func:`session_scope` on an engine of its own, disposed after: one command, one unit of work."""
    factory = make_session_factory(url)
    try:
        with session_scope(factory) as session:
            yield session
    finally:
        bind = factory.kw["bind"]
        bind.dispose()


@contextmanager
def factory_for(url: str, **kwargs: Any) -> Iterator[SessionFactory]:
    """A session factory on an engine of its own, disposed when the command or job is done with it."""
    factory = make_session_factory(url, **kwargs)
    try:
        yield factory
    finally:
        factory.kw["bind"].dispose()


def commit(session: Session) -> None:
    """Commit for a transport; a unique-constraint race surfaces as the domain's Conflict."""
    from sqlalchemy.exc import IntegrityError

    from klientura.kit.errors import CONCURRENT_CHANGE, Conflict

    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(CONCURRENT_CHANGE) from exc


def make_session_factory(
    url: str, *, relaxed: bool = False, memos: Memos | None = None, **engine_kwargs: Any
) -> SessionFactory:
    """``relaxed`` (PostgreSQL), for a sender recording a status per message, each in one statement: every statement
    commits on its own (autocommit: no BEGIN and COMMIT round trips), without waiting for the write-ahead log to
    reach the disk (``synchronous_commit = off``), and a connection is not pinged before each use. A crash of the
    database server may forget the last fraction of a second's statuses — those messages go again, with their
    idempotency keys; a crash of the application loses nothing. Only for code whose every write is one statement.

    Its sessions carry ``memos`` (a new one by default): the caches of the app, command or worker that made it."""
    if relaxed and url.startswith("postgresql"):
        engine_kwargs.setdefault("connect_args", {})["options"] = "-c synchronous_commit=off"
        engine_kwargs.setdefault("isolation_level", "AUTOCOMMIT")
        engine_kwargs.setdefault("pool_pre_ping", False)
    info = {MEMOS: memos if memos is not None else Memos()}
    return sessionmaker(bind=make_engine(url, **engine_kwargs), expire_on_commit=False, info=info)


def memos_of(session: Session) -> Memos:
    """The caches of the app, command or worker whose factory made this session (none remembered otherwise)."""
    return memos_in(session.info)
