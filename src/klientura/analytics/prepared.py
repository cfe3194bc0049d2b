"""Ibis expressions compiled once per shape on DuckDB.

Compiling a report's expression to SQL costs more than running it on a warehouse of a million deals (0.12 s of a
funnel's 0.25 s went to Ibis and sqlglot). A report's expressions differ from one call to the next only in their
literals — the pipeline, the dates, the source, the owners — so they are compiled once with stand-in values, and
each call puts its own values in the stand-ins' places in the SQL text and runs it. Other engines (Spark) run the
expressions as they are.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from typing import Any

import ibis
import pyarrow as pa  # type: ignore[import-untyped]

from klientura.kit.memo import Memo

Value = int | str | date | datetime | frozenset[int] | None
MEMO = "warehouse sql"  # the name of the memo (kit.memo) the compiled SQL is kept in


@functools.lru_cache(maxsize=256)
def _literal_sql(value: Any) -> str:
    """How Ibis writes ``value`` in DuckDB SQL (so the stand-in can be found)."""
    if isinstance(value, frozenset):
        (only,) = value
        return f"IN ({_literal_sql(only)})"
    sql = ibis.to_sql(ibis.literal(value).name("v").as_table(), dialect="duckdb")
    found = re.search(r"SELECT\s+(.*?)\s+AS\s+\"v\"", sql, re.S)
    if found is None:  # pragma: no cover - Ibis changed how it writes a literal
        raise RuntimeError(f"cannot find the literal in {sql!r}")
    return found.group(1)


def _value_sql(value: Value) -> str:
    """``value`` as a DuckDB literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.replace(tzinfo=None).isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, frozenset):
        return "IN (" + (", ".join(str(int(v)) for v in sorted(value)) or "NULL") + ")"
    return "'" + str(value).replace("'", "''") + "'"


def run(
    backend: Any,
    memo: Memo | None,
    key: Hashable,
    build: Callable[[Mapping[str, Any]], dict[str, Any]],
    values: Mapping[str, Value],
    stand_ins: Mapping[str, Value],
) -> dict[str, list[dict[str, Any]]]:
    """The rows of each expression ``build(values)`` makes, on ``backend`` (the Ibis backend of its tables). On DuckDB
    the SQL of ``build(stand_ins)`` is kept in ``memo`` under ``key`` (which must tell apart every shape ``build`` can
    take) and run with the stand-ins replaced by ``values``; each stand-in must be a value of its kind that appears
    nowhere else. Without a memo the SQL is compiled for this call alone."""
    if backend.name != "duckdb":
        return {name: e.to_pyarrow().to_pylist() for name, e in build(values).items()}
    sqls = memo.get(key) if memo is not None else None
    if sqls is None:
        sqls = {name: ibis.to_sql(e, dialect="duckdb") for name, e in build(stand_ins).items()}
        if memo is not None:
            memo.put(key, sqls)
    out = {}
    for name, sql in sqls.items():
        for field, stand_in in stand_ins.items():
            if stand_in is not None:
                sql = sql.replace(_literal_sql(stand_in), _value_sql(values[field]))
        out[name] = _whole(backend.con.execute(sql).fetch_arrow_table()).to_pylist()
    return out


def _whole(table: pa.Table) -> pa.Table:
    """``table`` with its whole-number decimals (DuckDB sums BIGINTs into HUGEINTs) as the 64-bit integers Ibis
    declares them to be."""
    fields = [
        pa.field(f.name, pa.int64()) if pa.types.is_decimal(f.type) and f.type.scale == 0 else f for f in table.schema
    ]
    return table.cast(pa.schema(fields))
