"""Backups of the store and their restore: SQLite's online backup API (a consistent copy while the server runs),
``pg_dump`` / ``pg_restore`` in their custom format for PostgreSQL.

A backup is one file. A restore replaces the store's whole content with the backup's (stop the server and the
worker first: on SQLite their open connections would keep reading the old pages; on PostgreSQL the restore runs
in one transaction and drops what it replaces). A file that is not a backup of this kind of store is refused
before anything is touched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_HEADER = b"SQLite format 3\x00"
PG_HEADER = b"PGDMP"


class BackupError(Exception):
    """A backup or a restore that could not be made, said in plain words."""


def kind_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups are made of SQLite and PostgreSQL stores, not {backend}")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite store has nothing to back up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it (without the driver), and the environment with its password."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (PostgreSQL's client tools: apt-get install postgresql-client)")
    return found


def backup_name(url: str, at: datetime, why: str = "backup") -> str:
    return f"klientura-{why}-{at:%Y%m%d-%H%M%S}" + (".db" if kind_of(url) == "sqlite" else ".dump")


def backup(url: str, dest: Path) -> Path:
    """A consistent copy of the store in ``dest`` (written beside it and moved in place when complete)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    if kind_of(url) == "sqlite":
        source = sqlite_path(url)
        if not source.exists():
            raise BackupError(f"no store at {source}")
        with sqlite3.connect(source) as src, sqlite3.connect(partial) as out:
            src.backup(out)  # page by page, consistent while others write (SQLite's online backup API)
        src.close()
        out.close()
    else:
        target, env = _libpq(url)
        done = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), "--dbname", target],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    partial.replace(dest)
    return dest


def restore(url: str, source: Path) -> None:
    """Replace the store's content with the backup in ``source``."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    with source.open("rb") as fh:
        head = fh.read(16)
    if kind_of(url) == "sqlite":
        if head != SQLITE_HEADER:
            raise BackupError(f"{source} is not an SQLite backup")
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            if src.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{source} is damaged (integrity check failed)")
            store = sqlite_path(url)
            store.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(store) as out:
                src.backup(out)  # the whole store replaced, page by page, in one step for its readers
            out.close()
        src.close()
        return
    if not head.startswith(PG_HEADER):
        raise BackupError(f"{source} is not a pg_dump backup (custom format)")
    dbname, env = _libpq(url)
    done = subprocess.run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            dbname,
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")
