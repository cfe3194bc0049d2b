"""``klientura sync`` and ``klientura analytics ...``: the warehouse from the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from klientura import analytics, segments
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, settings_of, shop_of
from klientura.config import Settings
from klientura.db import command_session
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop

app = typer.Typer()
analytics_app = typer.Typer(help="RFM, lifecycle, temperature and behaviour of the base.", no_args_is_help=True)


def sync_now(settings: Settings, shop: Shop) -> analytics.SyncReport:
    return analytics.sync(settings.database_url, analytics.path_of(settings), timezone=shop.timezone)


@app.command()
def sync(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False
) -> None:
    """Bring the warehouse up to date with the store (incremental; safe to run again or after a crash)."""
    settings = settings_of(ctx)
    shop = shop_of(ctx)
    try:
        report = sync_now(settings, shop)
    except KlienturaError as exc:
        fail(exc, settings)
        return
    if as_json:
        print(json.dumps(report.as_dict()))
        return
    table = Table(title=f"warehouse sync ({report.seconds:.1f} s)")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in report.copied.items():
        table.add_row(name, f"{n:,}")
    for name in report.unchanged:
        table.add_row(name, "unchanged")
    Console().print(table)
    if report.rebuilt:
        console.print(
            "[yellow]the store holds fewer rows than the warehouse had copied (made anew or restored from an older "
            "copy): the warehouse was copied afresh; run `klientura analytics recompute` for the scores[/yellow]"
        )


@analytics_app.command("recompute")
def recompute(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option(help="judge the base as of this date (YYYY-MM-DD); today by default")
    ] = None,
    no_sync: Annotated[bool, typer.Option("--no-sync", help="use the warehouse as it is")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score every card (RFM, lifecycle, temperature, behaviour) and write the results back to the store; predict
    lifetime value again when the base has been valued before; refresh dynamic segments."""
    settings = settings_of(ctx)
    shop = shop_of(ctx)
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of: not a date: {as_of!r} (use YYYY-MM-DD)")
        return
    try:
        if not no_sync:
            sync_now(settings, shop)
        with command_session(settings.database_url) as session, analytics.Warehouse.of(settings) as wh:
            report = analytics.recompute(session, SYSTEM, wh, as_of=day or shop.today())
            valued = analytics.clv.refresh(session, SYSTEM, wh, report.as_of)  # segments may read its figures
            sizes = segments.refresh_segments(session, SYSTEM, wh, report.as_of)
    except KlienturaError as exc:
        fail(exc, settings)
        return
    if as_json:
        print(
            json.dumps(
                {**report.as_dict(), "segments": sizes, "valued": valued.customers if valued else None},
                ensure_ascii=False,
            )
        )
        return
    console.print(
        f"[green]{report.customers:,} customers scored[/green] as of {report.as_of} "
        f"(compute {report.seconds['compute']} s, write {report.seconds['write']} s); "
        f"{len(sizes)} segments refreshed"
    )
    for family, counts in report.groups.items():
        table = Table(title=family)
        table.add_column("group")
        table.add_column("customers", justify="right")
        for value, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            table.add_row(value, f"{n:,}")
        Console().print(table)
