"""What several benchmarks need: a fresh, migrated PostgreSQL database of their own."""

from __future__ import annotations

from sqlalchemy import text


def fresh_database(admin_url: str, name: str) -> str:
    """Drop ``name`` if it exists, create it, migrate it; its URL."""
    from tests.conftest import upgrade

    from klientura.db import make_engine

    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url
