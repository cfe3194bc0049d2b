"""``klientura privacy export|erase|retention``: a person's data in one file, their erasure, the retention periods
applied now (the worker applies them once a day)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from klientura import privacy
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, retention_of, settings_of, shop_of
from klientura.db import command_session
from klientura.kit.errors import KlienturaError

privacy_app = typer.Typer(help="A person's data: export, erasure; retention.", no_args_is_help=True)


@privacy_app.command("export")
def export(
    ctx: typer.Context,
    customer_id: int,
    out: Annotated[Path | None, typer.Option(help="write the JSON here (default: print it)")] = None,
) -> None:
    """Everything held on the person of this card, as JSON."""
    settings = settings_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            data = privacy.export_person(session, SYSTEM, customer_id, shop_of(ctx).now())
    except KlienturaError as exc:
        fail(exc, settings)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"[green]exported[/green] to {out}")


@privacy_app.command("erase")
def erase(
    ctx: typer.Context,
    customer_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="erase without asking")] = False,
) -> None:
    """Erase the person of this card, irreversibly (orders, points and reports keep the card's id)."""
    settings = settings_of(ctx)
    if not yes and not typer.confirm(f"Erase the person of card {customer_id}? This cannot be undone."):
        raise typer.Exit(1)
    try:
        with command_session(settings.database_url) as session:
            done = privacy.erase_person(session, SYSTEM, customer_id, shop_of(ctx).now())
    except KlienturaError as exc:
        fail(exc, settings)
    console.print(
        f"[green]erased[/green]: cards {', '.join(map(str, done['cards']))}; {done['messages']} messages, "
        f"{done['events']} events, {done['import_rows']} import rows, {done['audit_entries']} audit entries scrubbed"
    )


@privacy_app.command("retention")
def retention(ctx: typer.Context) -> None:
    """Drop the personal data past its retention period now (KLIENTURA_RETENTION_*_DAYS)."""
    settings = settings_of(ctx)
    with command_session(settings.database_url) as session:
        done = privacy.apply_retention(session, retention_of(settings), shop_of(ctx).now())
    console.print(", ".join(f"{n.replace('_', ' ')}: {c:,}" for n, c in done.items()))
