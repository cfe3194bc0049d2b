"""``klientura dedup scan|train``: duplicate cards found with the model learned from this base."""

from __future__ import annotations

import math
import time
from typing import Annotated

import typer
from rich.table import Table

from klientura import dedup
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, settings_of, shop_of
from klientura.db import command_session
from klientura.kit.errors import KlienturaError

dedup_app = typer.Typer(help="Duplicate cards.", no_args_is_help=True)


@dedup_app.command("scan")
def dedup_scan(
    ctx: typer.Context,
    threshold: Annotated[
        float | None, typer.Option(min=0.5, max=0.9999, help="this scan's threshold instead of the model's")
    ] = None,
    learn: Annotated[
        bool | None, typer.Option("--learn/--no-learn", help="learn the model again / use the stored one")
    ] = None,
) -> None:
    """Find cards that look like one person, with the model learned from this base (learned first when there is
    none or the base has changed by a tenth since)."""
    settings, shop = settings_of(ctx), shop_of(ctx)
    try:
        with command_session(settings.database_url) as session:
            n = dedup.scan(
                session, SYSTEM, shop.now(), threshold=threshold, precision=settings.dedup_precision, learn=learn
            )
            row = dedup.current_model(session)
    except KlienturaError as exc:
        fail(exc, settings)
    assert row is not None
    console.print(f"{n} duplicate suggestions at the threshold {row.threshold if threshold is None else threshold}")


@dedup_app.command("train")
def dedup_train(ctx: typer.Context) -> None:
    """Learn the duplicate model from the base as it is now (levels' weights, the prior, the threshold for the
    wanted precision, KLIENTURA_DEDUP_PRECISION) and rescan with it."""
    settings, shop = settings_of(ctx), shop_of(ctx)
    started = time.perf_counter()
    try:
        with command_session(settings.database_url) as session:
            n = dedup.scan(session, SYSTEM, shop.now(), precision=settings.dedup_precision, learn=True)
            row = dedup.current_model(session)
    except KlienturaError as exc:
        fail(exc, settings)
    assert row is not None
    console.print(
        f"learned from {row.cards:,} cards and {row.pairs_seen:,} candidate pairs in {time.perf_counter() - started:.1f} s; "
        f"threshold {row.threshold} (expected precision ≥ {row.precision_wanted}); {n:,} duplicate suggestions"
    )
    table = Table("field", "level", "m", "u", "weight, bits")
    for c in row.comparisons:
        for level in c["levels"]:
            table.add_row(c["name"], level["name"], f"{level['m']:.4f}", f"{level['u']:.6f}",
                          f"{math.log2(level['m'] / level['u']):+.1f}")  # fmt: skip
    console.print(table)
