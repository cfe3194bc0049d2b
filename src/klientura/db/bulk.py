"""The fast paths for many rows at once, inside the caller's transaction: ``COPY ... FROM STDIN`` on PostgreSQL and
the driver's ``executemany`` on SQLite (values through SQLAlchemy's own bind processors), id ranges drawn ahead,
long ``IN`` lists in store-sized slices, one background writer at a time (:class:`Deferred`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session


def table_of(model: type[DeclarativeBase]) -> Table:
    """The table an ORM class maps (every model of the store maps one table)."""
    return cast(Table, model.__table__)


def bulk_insert(session: Session, model: type[DeclarativeBase], rows: list[dict[str, Any]]) -> None:
    """Insert generated or imported rows without ORM bookkeeping (see :func:`insert_rows`).

    Rows that leave out a column with a Python-side default go through SQLAlchemy Core, which applies it.
    """
    if not rows:
        return
    table = table_of(model)
    keys = list(rows[0])
    if any(c.default is not None and c.name not in rows[0] for c in table.columns) or any(
        len(r) != len(keys) for r in rows
    ):
        session.connection().execute(table.insert(), rows)
        return
    insert_rows(session, model, keys, [tuple(r[k] for k in keys) for r in rows])


def insert_rows(
    session: Session, model: type[DeclarativeBase], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """The fastest insert each store offers, inside the session's transaction: ``COPY ... FROM STDIN`` on
    PostgreSQL, the driver's own ``executemany`` on SQLite. Values pass through the same bind processors
    SQLAlchemy would apply (UTC datetimes, JSON, Decimal on SQLite), column by column, so what is read back
    through the ORM is identical; the per-row parameter dictionaries of Core's executemany are skipped.
    """
    if not rows:
        return
    table = table_of(model)
    conn = session.connection()
    procs = [(i, p) for i, name in enumerate(columns) if (p := table.c[name].type._cached_bind_processor(conn.dialect))]
    data: Sequence[Sequence[Any]] = rows
    if procs:
        cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for i, proc in procs:
            cols[i] = _convert(cols[i], proc)
        data = list(zip(*cols, strict=True))
    _bulk(conn, table, columns, data)


def insert_columns(
    session: Session, model: type[DeclarativeBase], data: Mapping[str, Sequence[Any]], *, ready: Collection[str] = ()
) -> None:
    """:func:`insert_rows` for values held column by column (from Arrow, say). Columns named in ``ready`` hold
    values already in the driver's terms — ISO dates, decimal strings — and skip the bind processors."""
    columns = list(data)
    if not columns or not len(data[columns[0]]):
        return
    table = table_of(model)
    conn = session.connection()
    cols: list[Sequence[Any]] = []
    for name in columns:
        proc = None if name in ready else table.c[name].type._cached_bind_processor(conn.dialect)
        cols.append(_convert(data[name], proc) if proc else data[name])
    _bulk(conn, table, columns, list(zip(*cols, strict=True)))


def _bulk(conn: Any, table: Any, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> None:
    dialect = conn.dialect
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        _execute_bulk(cursor, dialect.name, table.name, columns, data)
    except dialect.loaded_dbapi.Error as exc:  # the same exception SQLAlchemy would raise (IntegrityError, ...)
        raise DBAPIError.instance(
            f'bulk insert into "{table.name}"', None, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc
    finally:
        cursor.close()


COPY_ROWS = 50_000  # rows of COPY text built at a time


def _execute_bulk(cursor: Any, dialect: str, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    if dialect == "postgresql":
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for i in range(0, len(data), COPY_ROWS):  # the text of a slice at a time: a million rows' is ~0.5 GB
                copy.write(_copy_text(data[i : i + COPY_ROWS], len(columns)))
    else:
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', data)


def reserve_ids(session: Session, model: type[DeclarativeBase], n: int) -> list[int]:
    """``n`` fresh primary keys for a bulk insert without RETURNING.

    PostgreSQL draws them from the table's sequence; SQLite continues after the current maximum, as its
    rowid allocation does — a concurrent writer that takes one of them makes the insert fail on the
    primary key, which callers treat like any other unique-constraint race.
    """
    from sqlalchemy import func, select, text

    if n <= 0:
        return []
    table = table_of(model)
    if session.get_bind().dialect.name == "postgresql":
        # drawn 20,000 at a time and kept for the rest of this transaction: a sequence never hands a value out
        # twice, so ids left over stay safe to use; at worst they leave a gap. Not beyond the transaction: the
        # warehouse sync relies on every id being written (or abandoned) by the transaction that drew it, and
        # the draw gives the transaction its xid at once (pg_current_xact_id), so a sync sees it writing
        session.connection()  # begins the transaction, if none has begun yet
        txn = session.get_transaction()
        pools: tuple[object, dict[str, list[int]]] | None = session.info.get("klientura.id_pool")
        if pools is None or pools[0] is not txn:
            pools = session.info["klientura.id_pool"] = (txn, {})
        pool = pools[1].setdefault(table.name, [])
        if len(pool) < n:
            seq = f"pg_get_serial_sequence('{table.name}', 'id')"
            lo, hi, scattered, _ = session.execute(
                text(
                    "SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL ELSE array_agg(v) END,"
                    f" pg_current_xact_id() FROM (SELECT nextval({seq}) AS v FROM generate_series(1, :n)) AS drawn"
                ),
                {"n": max(n - len(pool), 20_000)},
            ).one()
            # contiguous, unless another session drew at the same moment: then the values themselves come back
            pool.extend(range(lo, hi + 1) if scattered is None else sorted(scattered))
        taken, pool[:] = pool[:n], pool[n:]
        return taken
    start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
    return list(range(start, start + n))


def _convert(values: Sequence[Any], proc: Any, *, none: bool = False) -> list[Any]:
    """Apply a bind processor to a column (to ``None`` too if ``none``); values that repeat (one timestamp
    per batch, birth dates, empty JSON objects) are converted once."""

    def one(v: Any) -> Any:
        return None if v is None and not none else proc(v)

    try:
        mostly_distinct = len(set(values[:256])) * 2 > len(values[:256])  # prices, names: no table to build
        distinct = set() if mostly_distinct else set(values)
    except TypeError:  # unhashable (JSON): convert runs of the same object once
        out, seen, done = [], object(), None
        for v in values:
            if v is not seen:
                seen, done = v, one(v)
            out.append(done)
        return out
    if distinct and len(distinct) * 4 < len(values):
        table = {v: one(v) for v in distinct}
        return [table[v] for v in values]
    return [one(v) for v in values]


_NULL = "\\N"
_PLAIN = {int, Decimal, float, type(None)}


def _copy_field(v: Any) -> str:
    if v is None:
        return _NULL
    if v is True or v is False:
        return "t" if v else "f"
    if isinstance(v, str):
        return _escaped(v)
    if isinstance(v, datetime | date):
        return v.isoformat()
    if type(v).__name__ in ("Json", "Jsonb"):  # psycopg's wrappers, from SQLAlchemy's JSON bind processor
        return _escaped(json.dumps(v.obj, ensure_ascii=False))
    return _escaped(str(v))


def _escaped(v: str) -> str:
    # str.translate with a mapping walks the string in Python-level steps; four replaces run in C
    if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
        return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return v


def _copy_text(rows: Sequence[Sequence[Any]], width: int) -> str:
    """Rows in PostgreSQL's COPY text format, built column by column: a string column with nothing to
    escape (the usual case, checked once for the whole column) is taken as it is."""
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [[] for _ in range(width)]
    out: list[Sequence[str]] = []
    for col in cols:
        kinds = {type(v) for v in col}
        if kinds == {str}:
            joined = "\x00".join(col)
            if "\\" not in joined and "\t" not in joined and "\n" not in joined and "\r" not in joined:
                out.append(col)
                continue
        elif kinds <= _PLAIN:  # numbers: their str() needs no escaping
            out.append([_NULL if v is None else str(v) for v in col])
            continue
        out.append(_convert(col, _copy_field, none=True))
    return "".join("\t".join(r) + "\n" for r in zip(*out, strict=True))


class Deferred:
    """One bulk write at a time in a background thread, so this thread's work on the next batch (unpickling,
    matching, building rows) overlaps the store's work on this one: PostgreSQL's COPY and SQLite's
    executemany both wait with the GIL released. Until :meth:`wait` returns nothing else may touch the
    session; callers wait before every other use of it, and at the end.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def run(self, fn: Any, *args: Any) -> None:
        self.wait()

        def call() -> None:
            try:
                fn(*args)
            except BaseException as exc:  # re-raised in the caller's thread by wait()
                self._error = exc

        self._thread = threading.Thread(target=call, name="klientura-bulk-write", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def abandon(self) -> None:
        """Let a write still running finish, its outcome dropped: for a caller already failing, which must not
        roll back the session under a thread still using it."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._error = None


class InChunk:
    """One slice of a long list of values, as a ``column IN (...)`` predicate fit for the store."""

    __slots__ = ("pg", "values")

    def __init__(self, values: Sequence[Any], pg: bool) -> None:
        self.values, self.pg = values, pg

    def of(self, column: Any) -> Any:
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        if self.pg:  # one array parameter instead of thousands of placeholders
            return column == any_(bindparam(None, list(self.values), type_=ARRAY(column.type)))
        return column.in_(self.values)


def in_chunks(session: Session, values: Sequence[Any]) -> Iterator[InChunk]:
    """Split ``values`` for ``IN`` lookups: 900 per query on SQLite (its parameter limit), 20,000 on PostgreSQL."""
    pg = session.get_bind().dialect.name == "postgresql"
    step = 20_000 if pg else 900
    for i in range(0, len(values), step):
        yield InChunk(values[i : i + step], pg)


_SEP = "\x1f"  # the unit separator: never part of an identity, a receipt number or a name


def select_in(
    session: Session,
    model: type[DeclarativeBase],
    columns: Sequence[str],
    key: str,
    values: Sequence[Any],
    **equal: Any,
) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM model WHERE key IN values AND name = value ...`` through the driver, for bulk
    lookups of plain text and integer columns (no type processing): long lists in few statements, with no
    SQL compiled per call — one array parameter on PostgreSQL, up to 30,000 placeholders on SQLite."""
    table = table_of(model)
    for name in (*columns, key, *equal):
        table.c[name]
    pg = session.get_bind().dialect.name == "postgresql"
    cols = ", ".join(f'"{c}"' for c in columns)
    mark = "%s" if pg else "?"
    conds = "".join(f' AND "{n}" = {mark}' for n in equal)
    conn = session.connection()
    out: list[tuple[Any, ...]] = []
    step = 100_000 if pg else 30_000
    for i in range(0, len(values), step):
        part = list(values[i : i + step])
        if pg and all(type(v) is str and v and _SEP not in v for v in part):
            # one text parameter split by the server: psycopg's list-to-array dumping is slow in Python
            sql = f'SELECT {cols} FROM "{table.name}" WHERE "{key}" = ANY(string_to_array(%s, chr(31))){conds}'
            params: tuple[Any, ...] = (_SEP.join(part), *equal.values())
        elif pg:
            sql = f'SELECT {cols} FROM "{table.name}" WHERE "{key}" = ANY(%s){conds}'
            params = (part, *equal.values())
        else:
            sql = f'SELECT {cols} FROM "{table.name}" WHERE "{key}" IN ({",".join("?" * len(part))}){conds}'
            params = (*part, *equal.values())
        out.extend(tuple(r) for r in conn.exec_driver_sql(sql, params))
    return out


def refresh_statistics(session: Session, *models: type[DeclarativeBase]) -> None:
    """PostgreSQL plans from table statistics; a table that grew from empty inside one bulk load still looks
    empty to the planner (sequential scans instead of the unique index) until it is analysed."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        for model in models:
            session.execute(text(f"ANALYZE {table_of(model).name}"))
