"""The warehouse: a DuckDB file beside the store, holding copies of the store's facts for analytics.

DuckDB reads the store through its sqlite / postgres scanner extensions. They come from PyPI wheels
(``duckdb-ext-sqlite``, ``duckdb-ext-postgres``) so nothing is downloaded at run time: the wheel's folder is
DuckDB's ``extension_directory`` and auto-install is off.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import duckdb
import ibis
from sqlalchemy.engine import make_url

from klientura.analytics.errors import (
    MEMORY_STORE,
    NO_EXTENSION,
    NO_SYNC_FROM,
    WAREHOUSE_BUSY,
    WAREHOUSE_EMPTY,
    WAREHOUSE_UPDATING,
)
from klientura.analytics.sales_tables import TABLES as SALES_TABLES
from klientura.config import Settings
from klientura.kit.errors import Conflict, ValidationFailed
from klientura.kit.memo import Memos

SCHEMA_VERSION = 7  # bump when the tables below change: the warehouse is derived data, rebuilt from the store

TABLES = {
    "customers": "id BIGINT PRIMARY KEY, root_id BIGINT NOT NULL, created_day DATE, gender VARCHAR, "
    "birth_date DATE, city VARCHAR, acquisition_source VARCHAR, owner_id BIGINT",
    "products": "id BIGINT PRIMARY KEY, sku VARCHAR, category_id BIGINT, price_k BIGINT, cost_k BIGINT",
    "identities": "customer_id BIGINT, kind VARCHAR",
    "tags": "customer_id BIGINT, tag VARCHAR",
    "consents": "customer_id BIGINT, channel VARCHAR, granted BOOLEAN",
    "categories": "id BIGINT PRIMARY KEY, code VARCHAR, name VARCHAR, parent_id BIGINT",
    "orders": "id BIGINT PRIMARY KEY, customer_id BIGINT, day DATE NOT NULL, ts TIMESTAMP NOT NULL, "
    "status VARCHAR NOT NULL, total_k BIGINT NOT NULL, discount_k BIGINT NOT NULL, paid_k BIGINT NOT NULL, "
    "promo BOOLEAN NOT NULL, outlet_id BIGINT, channel_id BIGINT",
    "order_lines": "id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, product_id BIGINT, qty DOUBLE NOT NULL, "
    "price_k BIGINT NOT NULL, discount_k BIGINT NOT NULL, amount_k BIGINT NOT NULL",
    "returns": "id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, day DATE NOT NULL, amount_k BIGINT NOT NULL",
    "events": "id BIGINT PRIMARY KEY, customer_id BIGINT, type VARCHAR NOT NULL, day DATE NOT NULL",
    "sync_state": "name VARCHAR PRIMARY KEY, low BIGINT NOT NULL, seen BIGINT NOT NULL, rows BIGINT NOT NULL, "
    "synced_at TIMESTAMP NOT NULL, fingerprint VARCHAR",
    "meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
    **SALES_TABLES,
}


def default_path(database_url: str) -> Path:
    """``klientura.duckdb`` beside an SQLite store; under ``var/`` for a server store."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_suffix(".duckdb")
    return Path("var") / f"warehouse-{url.database or 'store'}.duckdb"


def path_of(settings: Settings) -> Path:
    """The configured warehouse file (``KLIENTURA_WAREHOUSE_PATH``), else :func:`default_path`."""
    return settings.warehouse_path or default_path(settings.database_url)


def _extension_dir() -> Path | None:
    """The folder of the ``duckdb-ext-*`` wheels: ``duckdb_ext/extensions/v<version>/<platform>/*.duckdb_extension``."""
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "extensions"
        if folder.is_dir():
            return folder
    return None


def _load(con: duckdb.DuckDBPyConnection, name: str) -> None:
    folder = _extension_dir()
    if folder is None or not any(folder.glob(f"v{duckdb.__version__}/*/{name}_scanner.duckdb_extension")):
        raise ValidationFailed(NO_EXTENSION, name=name, version=duckdb.__version__)
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET extension_directory = ?", [str(folder)])
    con.load_extension(name)


def money_sql(k: str) -> str:
    """DuckDB SQL turning the kopecks column ``k`` into an exact decimal string ('-12.05'): what the store takes
    for a Money column, without a Decimal object per value in Python."""
    return (
        f"CASE WHEN {k} IS NULL THEN NULL ELSE (CASE WHEN {k} < 0 THEN '-' ELSE '' END) || "
        f"CAST(abs({k}) // 100 AS VARCHAR) || '.' || lpad(CAST(abs({k}) % 100 AS VARCHAR), 2, '0') END"
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Warehouse:
    """An open warehouse. ``con`` is the DuckDB connection, ``ibis`` the same through Ibis."""

    def __init__(
        self, path: Path | str, store_url: str, *, timezone: str, read_only: bool = False, memos: Memos | None = None
    ) -> None:
        self.path, self.store_url, self.timezone = Path(path), store_url, timezone
        self.memos = memos if memos is not None else Memos()  # the process's caches (the reports' compiled SQL)
        if read_only:
            if not self.path.exists():
                raise ValidationFailed(WAREHOUSE_EMPTY)
            try:
                self.con = duckdb.connect(str(self.path), read_only=True)
            except duckdb.IOException as exc:  # a sync or recompute is writing it right now
                raise Conflict(WAREHOUSE_UPDATING) from exc
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.con = duckdb.connect(str(self.path))
            except (duckdb.IOException, duckdb.ConnectionException) as exc:  # another process or reader has it
                raise Conflict(WAREHOUSE_BUSY) from exc
        self.con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self._ensure_schema()
        self.ibis: Any = ibis.duckdb.from_connection(self.con)
        self._attached = False

    @classmethod
    def of(cls, settings: Settings, *, read_only: bool = False, memos: Memos | None = None) -> Warehouse:
        """The warehouse of these settings: its file, the store, the shop's time zone; ``memos``: the caches of the
        app (or command) opening it."""
        return cls(
            path_of(settings), settings.database_url, timezone=settings.timezone, read_only=read_only, memos=memos
        )

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def store_dialect(self) -> str:
        return make_url(self.store_url).get_backend_name()

    def _ensure_schema(self) -> None:
        c = self.con
        c.execute(f"CREATE TABLE IF NOT EXISTS meta ({TABLES['meta']})")
        row = c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and int(row[0]) == SCHEMA_VERSION:
            return
        for name in TABLES:
            if name != "meta":
                c.execute(f"DROP TABLE IF EXISTS {name}")
        for name, columns in TABLES.items():
            c.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
        c.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    def reset(self) -> None:
        """Empty the warehouse whole — every table, the derived ones and the last recompute's too — and make its
        tables afresh: for a store that is no longer the one it was copied from."""
        for (name,) in self.con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                                        " AND table_catalog = current_database()").fetchall():  # fmt: skip
            self.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        self._ensure_schema()

    def attach_store(self) -> None:
        """The store as the read-only catalogue ``oltp`` (not ``store``: DuckDB names its own catalogue after the
        warehouse file, and ``store.duckdb`` beside ``store.db`` would collide)."""
        if self._attached:
            return
        url = make_url(self.store_url)
        dialect = url.get_backend_name()
        if dialect == "sqlite":
            if not url.database or url.database == ":memory:":
                raise ValidationFailed(MEMORY_STORE)
            _load(self.con, "sqlite")
            self.con.execute(f"ATTACH {_quote(url.database)} AS oltp (TYPE sqlite, READ_ONLY)")
        elif dialect == "postgresql":
            _load(self.con, "postgres")
            parts = {
                "host": url.host,
                "port": url.port,
                "dbname": url.database,
                "user": url.username,
                "password": url.password,
            }
            dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v not in (None, ""))
            self.con.execute(f"ATTACH {_quote(dsn)} AS oltp (TYPE postgres, READ_ONLY)")
        else:
            raise ValidationFailed(NO_SYNC_FROM, dialect=dialect)
        self._attached = True

    def table(self, name: str) -> Any:
        return self.ibis.table(name)
