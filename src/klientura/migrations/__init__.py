"""Alembic migrations, runnable from the installed package (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from klientura.kit.errors import Conflict, code
from klientura.kit.i18n import N_

SCHEMA_BEHIND = code(
    "store.schema_behind",
    N_("the store's schema is older than this version of Klientura: run `klientura db upgrade` first"),
)
STORE_UNREACHABLE = code("store.unreachable", N_("the store cannot be reached: %(reason)s"))

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def pending(url: str) -> bool:
    """Whether the store is behind the latest schema (an empty store is behind too)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() != head
    finally:
        engine.dispose()


def require_current(url: str) -> None:
    """Refuse (a coded error) a store that cannot be reached or is behind the latest schema."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        behind = pending(url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        raise Conflict(STORE_UNREACHABLE, reason=reason) from None
    if behind:
        raise Conflict(SCHEMA_BEHIND)
