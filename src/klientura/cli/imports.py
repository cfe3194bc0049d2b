"""Data in: ``import customers|orders|companies|deals`` (a row-by-row report)."""

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
from klientura import sales
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, settings_of, shop_of
from klientura.config import Settings
from klientura.db import Session, command_session
from klientura.kit.errors import KlienturaError, ValidationFailed
from klientura.kit.shop import Shop

import_app = typer.Typer(help="Import customers, orders, companies or deals from CSV/XLSX.", no_args_is_help=True)


def _count_lines(file: Path) -> int:
    with file.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _import(
    settings: Settings,
    shop: Shop,
    kind: str,
    file: Path,
    mapping: list[str],
    dry_run: bool,
    source: str,
    as_json: bool,
    pipeline: str | None = None,
) -> None:
    size_hint = _count_lines(file) if file.suffix.lower() != ".xlsx" and file.exists() else None
    try:
        overrides = imp.parse_overrides(mapping)
        with (
            command_session(settings.database_url) as session,
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                disable=as_json or not sys.stderr.isatty(),
            ) as bar,
        ):
            task = bar.add_task(f"{kind} {file.name}", total=size_hint)
            step = lambda n: bar.advance(task, n)  # noqa: E731
            if kind == "ad_costs":
                report = sales.import_costs(session, SYSTEM, file, source=pipeline, dry_run=dry_run)
            elif kind in ("companies", "deals"):
                report = _sales_import(session, shop, kind, file, overrides, dry_run, pipeline, step)
            else:
                report = imp.run_import(
                    session,
                    SYSTEM,
                    file,
                    kind,
                    overrides=overrides,
                    dry_run=dry_run,
                    shop=shop,
                    source=source,
                    progress=step,
                )
            if dry_run:  # checked, nothing written
                session.rollback()
    except KlienturaError as exc:
        fail(exc, settings)
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
    for r in report.notes[:20]:
        console.print(f"  row {r.row_no}: imported without it — {r.reason}")
    if report.noted > 20:
        console.print(f"  … and {report.noted - 20} more rows imported without a value (the import report, --json)")


def _sales_import(
    session: Session,
    shop: Shop,
    kind: str,
    file: Path,
    overrides: dict[str, str],
    dry_run: bool,
    pipeline: str | None,
    step: imp.Progress,
) -> imp.Report:
    if kind == "companies":
        return sales.import_companies(
            session, SYSTEM, file, shop=shop, overrides=overrides, dry_run=dry_run, progress=step
        )
    chosen = None
    if pipeline:
        named = [p.id for p in sales.list_pipelines(session, SYSTEM) if p.name.lower() == pipeline.strip().lower()]
        if not named:
            raise ValidationFailed(sales.IMPORT_PIPELINE_UNKNOWN, field="pipeline", value=pipeline)
        chosen = named[0]
    return sales.import_deals(
        session, SYSTEM, file, shop=shop, pipeline_id=chosen, overrides=overrides, dry_run=dry_run, progress=step
    )


MapOpt = Annotated[
    list[str], typer.Option("--map", "-m", help="'Column=field' to override detection; 'Column=' skips it")
]


@import_app.command("customers")
def import_customers(
    ctx: typer.Context,
    file: Path,
    mapping: MapOpt = [],  # noqa: B006
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")] = False,
    source: Annotated[str, typer.Option(help="source system, scopes external ids")] = "import",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import customer cards: known identities land on existing cards."""
    _import(settings_of(ctx), shop_of(ctx), "customers", file, mapping, dry_run, source, as_json)


@import_app.command("orders")
def import_orders(
    ctx: typer.Context,
    file: Path,
    mapping: MapOpt = [],  # noqa: B006
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    source: Annotated[str, typer.Option(help="source system: receipt numbers are unique per source")] = "import",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import receipts, matched to cards by external id, phone, e-mail or card."""
    _import(settings_of(ctx), shop_of(ctx), "orders", file, mapping, dry_run, source, as_json)


@import_app.command("companies")
def import_companies(
    ctx: typer.Context,
    file: Path,
    mapping: MapOpt = [],  # noqa: B006
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import companies (Bitrix24's and amoCRM's Russian headers recognised): one per INN, re-import changes
    nothing."""
    _import(settings_of(ctx), shop_of(ctx), "companies", file, mapping, dry_run, "import", as_json)


@import_app.command("ad-costs")
def import_ad_costs(
    ctx: typer.Context,
    file: Path,
    source: Annotated[
        str | None, typer.Option(help="the ad system (yandex, vk ...) when the file neither says nor is recognised")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import advertising spend per day, source and campaign: Yandex Direct's and VK Ads' exports recognised ("День",
    "Кампания", "Показы", "Клики", "Расход"), or any file with a date, a source, a campaign and a cost. Importing
    again changes nothing; a corrected export replaces the figures."""
    _import(settings_of(ctx), shop_of(ctx), "ad_costs", file, [], dry_run, "import", as_json, source)


@import_app.command("deals")
def import_deals(
    ctx: typer.Context,
    file: Path,
    mapping: MapOpt = [],  # noqa: B006
    pipeline: Annotated[str | None, typer.Option(help="the pipeline when the file has no 'Воронка' column")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import deals from a Bitrix24 or amoCRM export ("Название сделки", "Стадия сделки", "Бюджет", "Ответственный",
    "Компания", "ИНН", "Причина отказа", ...): one card per person, one company per INN, a lost deal needs its
    reason; re-import changes nothing."""
    _import(settings_of(ctx), shop_of(ctx), "deals", file, mapping, dry_run, "import", as_json, pipeline)
