"""Test fixtures: a real store (SQLite file or PostgreSQL), schema from `alembic upgrade head`,
each test inside a transaction that is rolled back at the end."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from klientura.audit import SYSTEM, Actor
from klientura.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
# the apps under test do not answer out of hours by themselves, whatever the hour the tests run at (the automatic
# answer is tested with a fixed clock in tests/conversations/test_sla.py)
os.environ.setdefault("KLIENTURA_AWAY_ANSWER", "false")
PG_ADMIN_URL = os.environ.get("KLIENTURA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    """A TCP port on loopback nobody listens on (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default=os.environ.get("KLIENTURA_TEST_DB", "sqlite"), choices=["sqlite", "postgresql"])


def upgrade(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")


@contextmanager
def fresh_store(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new, migrated store: an SQLite file in ``folder`` or a PostgreSQL database, dropped after."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'store.db'}"
        upgrade(url)
        yield url
        return
    name = f"klientura_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_store(request.config.getoption("--db"), tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, even when the code under test commits."""
    conn = engine.connect()
    trans = conn.begin()
    factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    s = factory()
    try:
        yield s
    finally:
        s.close()
        trans.rollback()
        conn.close()


@pytest.fixture
def actor() -> Actor:
    return SYSTEM


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture
def app_factory(engine: Engine, tmp_path: Path) -> Iterator[Any]:
    """Apps whose every request runs inside one outer transaction, rolled back after the test."""
    from klientura.app import create_app
    from klientura.config import Settings

    conn = engine.connect()
    trans = conn.begin()
    factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)

    def make() -> Any:
        settings = Settings(
            database_url="sqlite://",
            secret_key="test-secret",
            public_url="http://testserver",
            upload_dir=tmp_path / "uploads",
            files_dir=tmp_path / "files",
            max_attachment_mb=1,
            warehouse_path=tmp_path / "warehouse.duckdb",
        )
        return create_app(settings, session_factory=factory)

    make.session_factory = factory  # type: ignore[attr-defined]
    try:
        yield make
    finally:
        trans.rollback()
        conn.close()


@pytest.fixture
def app_session(app_factory: Any) -> Iterator[Session]:
    s = app_factory.session_factory()
    yield s
    s.close()
