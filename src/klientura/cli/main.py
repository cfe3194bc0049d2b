from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from klientura import imports as imp
from klientura.audit import SYSTEM
from klientura.auth import service as auth_svc
from klientura.config import Settings
from klientura.db import make_session_factory, session_scope
from klientura.kit.errors import KlienturaError
from klientura.migrations import upgrade

app = typer.Typer(help="Klientura: one customer base, understood and kept.", no_args_is_help=True)
db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users of the web UI.", no_args_is_help=True)
key_app = typer.Typer(help="API keys for integrations.", no_args_is_help=True)
import_app = typer.Typer(help="Import customers or orders from CSV/XLSX.", no_args_is_help=True)
dedup_app = typer.Typer(help="Duplicate cards.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(key_app, name="apikey")
app.add_typer(import_app, name="import")
app.add_typer(dedup_app, name="dedup")
console = Console(stderr=True)


def fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the store to the latest schema."""
    settings = Settings()
    upgrade(settings.database_url)
    console.print(f"[green]store is up to date[/green] ({settings.database_url.split('@')[-1]})")


@app.command()
def init(
    email: Annotated[str, typer.Option(help="e-mail of the first admin")] = "admin@example.com",
    password: Annotated[str | None, typer.Option(help="password (asked if omitted)")] = None,
) -> None:
    """Create the store and the first admin user."""
    settings = Settings()
    upgrade(settings.database_url)
    pwd = password or typer.prompt("Password for " + email, hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(make_session_factory(settings.database_url)) as session:
            auth_svc.create_user(session, SYSTEM, email, "Administrator", "admin", pwd)
    except KlienturaError as exc:
        fail(exc.detail)
    console.print(f"[green]ready[/green]: log in as {email}")


@user_app.command("create")
def user_create(
    email: str,
    role: Annotated[str, typer.Option(help="admin | marketer | manager | analyst")] = "marketer",
    name: Annotated[str, typer.Option()] = "",
    password: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a user."""
    settings = Settings()
    pwd = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(make_session_factory(settings.database_url)) as session:
            user = auth_svc.create_user(session, SYSTEM, email, name or email, role, pwd)
            console.print(f"user #{user.id} {user.email} ({user.role}) created")
    except KlienturaError as exc:
        fail(exc.detail)


@key_app.command("create")
def apikey_create(
    name: str,
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="repeat; e.g. orders:write")],
) -> None:
    """Create an API key; the key is printed once."""
    settings = Settings()
    try:
        with session_scope(make_session_factory(settings.database_url)) as session:
            _key, token = auth_svc.create_api_key(session, SYSTEM, name, scope)
    except KlienturaError as exc:
        fail(exc.detail)
    print(token)


def _count_lines(file: Path) -> int:
    with file.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _import(kind: str, file: Path, mapping: list[str], dry_run: bool, source: str, as_json: bool) -> None:
    settings = Settings()
    factory = make_session_factory(settings.database_url)
    session = factory()
    size_hint = _count_lines(file) if file.suffix.lower() != ".xlsx" and file.exists() else None
    try:
        overrides = imp.parse_overrides(mapping)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=as_json or not sys.stderr.isatty()) as bar:  # fmt: skip
            task = bar.add_task(f"{kind} {file.name}", total=size_hint)
            report = imp.run_import(
                session, SYSTEM, file, kind, overrides=overrides, dry_run=dry_run, region=settings.default_region,
                source=source, tz=settings.timezone, progress=lambda n: bar.advance(task, n),
            )  # fmt: skip
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except KlienturaError as exc:
        session.rollback()
        fail(exc.detail)
        return
    finally:
        session.close()
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
        return
    table = Table(title=("DRY RUN — nothing written: " if dry_run else "") + f"import of {file.name}")
    for col in ("rows", "created", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="right")
    table.add_row(*(str(x) for x in (report.total, report.created, report.updated, report.unchanged, report.rejected)))
    Console().print(table)
    for r in report.rejections[:20]:
        console.print(f"  row {r.row_no}: [yellow]{r.reason}[/yellow]")
    if report.rejected > 20:
        console.print(f"  … and {report.rejected - 20} more (see the import report in the UI or use --json)")


MapOpt = Annotated[
    list[str], typer.Option("--map", "-m", help="'Column=field' to override detection; 'Column=' skips it")
]


@import_app.command("customers")
def import_customers(
    file: Path,
    mapping: MapOpt = [],  # noqa: B006
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")] = False,
    source: Annotated[str, typer.Option(help="source system, scopes external ids")] = "import",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import customer cards: known identities land on existing cards."""
    _import("customers", file, mapping, dry_run, source, as_json)


@import_app.command("orders")
def import_orders(
    file: Path,
    mapping: MapOpt = [],  # noqa: B006
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    source: Annotated[str, typer.Option(help="source system: receipt numbers are unique per source")] = "import",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import receipts, matched to cards by external id, phone, e-mail or card."""
    _import("orders", file, mapping, dry_run, source, as_json)


@dedup_app.command("scan")
def dedup_scan(threshold: Annotated[float | None, typer.Option()] = None) -> None:
    """Find cards that look like one person."""
    from klientura import dedup

    settings = Settings()
    try:
        with session_scope(make_session_factory(settings.database_url)) as session:
            n = dedup.scan(session, SYSTEM, threshold or settings.dedup_threshold)
    except KlienturaError as exc:
        fail(exc.detail)
    console.print(f"{n} duplicate suggestions")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="processes (one per core for tills' load)")] = 1,
) -> None:
    """Serve the web UI and the API."""
    import uvicorn

    from klientura.app import create_app

    if workers == 1:
        uvicorn.run(create_app(Settings()), host=host, port=port, log_level="info")
    else:  # each worker process builds its own app (settings from the environment, as here)
        import socket

        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config("klientura.app:create_app", factory=True, host=host, port=port, workers=workers,
                                log_level="warning")  # fmt: skip
        # uvicorn's own listening socket for workers is made without IPPROTO_TCP, so asyncio never sets
        # TCP_NODELAY on the connections it accepts and every keep-alive response waits ~40 ms for a delayed ACK
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
        Multiprocess(config, sockets=[sock]).run()


def main() -> None:
    from klientura.cli import analytics, clv, demo, worker  # noqa: F401  (register their commands)

    app()
