"""Backups and restores of the whole store (issue 17, item 17): SQLite's online backup API and pg_dump /
pg_restore, through the command line as an administrator runs them; ``db upgrade`` on SQLite backs up first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from klientura.audit import SYSTEM
from klientura.cli import app
from klientura.customers import Customer, CustomerIn, prepare, resolve
from klientura.db import backup as backups
from klientura.db import command_session
from tests.conftest import fresh_store
from tests.factories import SHOP


def _cards(url: str) -> list[str]:
    with command_session(url) as s:
        return sorted(s.scalars(select(Customer.last_name)))


def _card(url: str, name: str) -> None:
    with command_session(url) as s:
        resolve(s, SYSTEM, prepare(CustomerIn(last_name=name, phone=f"+7916{abs(hash(name)) % 10**7:07d}"), shop=SHOP))


def test_backup_and_restore_from_the_command_line(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_store(backend, tmp_path) as url:
        monkeypatch.setenv("KLIENTURA_DATABASE_URL", url)
        _card(url, "Первая")
        out = tmp_path / "b" / ("one.db" if backend == "sqlite" else "one.dump")
        made = CliRunner().invoke(app, ["backup", "--out", str(out)])
        assert made.exit_code == 0 and out.is_file(), made.output
        _card(url, "Вторая")  # written after the backup
        assert _cards(url) == ["Вторая", "Первая"]
        refused = CliRunner().invoke(app, ["restore", str(tmp_path / "nothing.db"), "--yes"])
        assert refused.exit_code == 2 and "no backup" in refused.output
        alien = tmp_path / "alien.db"
        alien.write_bytes(b"not a backup at all, just some bytes")
        assert CliRunner().invoke(app, ["restore", str(alien), "--yes"]).exit_code == 2
        assert _cards(url) == ["Вторая", "Первая"]  # a refused restore touched nothing
        done = CliRunner().invoke(app, ["restore", str(out), "--yes"])
        assert done.exit_code == 0, done.output
        assert _cards(url) == ["Первая"]
        _card(url, "Третья")  # the restored store works on
        assert _cards(url) == ["Первая", "Третья"]


def test_upgrading_an_sqlite_store_backs_it_up_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    from klientura.migrations import pending, upgrade

    upgrade(url, "15af31068fd2")  # a schema of a few migrations ago
    assert pending(url)
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["db", "upgrade"])
    assert r.exit_code == 0 and "backed up" in r.output, r.output
    (copy,) = (tmp_path / "var" / "backups").glob("klientura-before-upgrade-*.db")
    with sqlite3.connect(copy) as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("15af31068fd2",)
    assert not pending(url)
    again = CliRunner().invoke(app, ["db", "upgrade"])  # nothing to do: no second backup
    assert again.exit_code == 0 and "backed up" not in again.output
    assert backups.kind_of(url) == "sqlite"
