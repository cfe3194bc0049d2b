"""``klientura backup`` and ``klientura restore``: the whole store in one file and back (klientura.db.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from klientura.cli.common import console, fail, settings_of, shop_of
from klientura.config import DEFAULT_DATA_DIR
from klientura.db import backup as backups

app = typer.Typer()


@app.command()
def backup(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option(help="the backup file (default: var/backups/klientura-backup-<time>)")
    ] = None,
) -> None:
    """A consistent copy of the store while it runs: SQLite's backup API, or pg_dump for PostgreSQL."""
    settings = settings_of(ctx)
    try:
        dest = out or DEFAULT_DATA_DIR / "backups" / backups.backup_name(settings.database_url, shop_of(ctx).now())
        made = backups.backup(settings.database_url, dest)
    except backups.BackupError as exc:
        fail(str(exc))
    console.print(f"[green]backed up[/green] to {made} ({made.stat().st_size:,} bytes)")


@app.command()
def restore(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="a file made by klientura backup")],
    yes: Annotated[bool, typer.Option("--yes", help="replace the store without asking")] = False,
) -> None:
    """Replace the store's whole content with a backup (stop the server and the worker first)."""
    settings = settings_of(ctx)
    where = settings.database_url.split("@")[-1]
    if not yes and not typer.confirm(f"Replace everything in {where} with {source}?"):
        raise typer.Exit(1)
    try:
        backups.restore(settings.database_url, source)
    except backups.BackupError as exc:
        fail(str(exc))
    console.print(f"[green]restored[/green] {where} from {source}")
