"""``klientura clv fit`` and ``klientura clv predict``: customer lifetime value from the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from klientura import analytics
from klientura.audit import SYSTEM
from klientura.cli.analytics import sync_now
from klientura.cli.common import console, fail, settings_of, shop_of
from klientura.db import command_session
from klientura.kit.errors import KlienturaError, explained
from klientura.kit.i18n import LOCALES, translations

clv_app = typer.Typer(help="Customer lifetime value: fit the models, predict every customer.", no_args_is_help=True)

NoSync = Annotated[bool, typer.Option("--no-sync", help="use the warehouse as it is")]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date: {value!r} (use YYYY-MM-DD)")
        raise


@clv_app.command("fit")
def fit(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="bgnbd, mbgnbd or pareto")] = "bgnbd",
    time_unit: Annotated[str, typer.Option(help="day, week or month")] = "week",
    calibration_end: Annotated[
        str | None,
        typer.Option(help="fit on purchases up to this date (YYYY-MM-DD); the last day with purchases by default"),
    ] = None,
    holdout_end: Annotated[
        str | None,
        typer.Option(
            help="check predictions against purchases up to this date; the last day with purchases by default"
        ),
    ] = None,
    no_sync: NoSync = False,
) -> None:
    """Fit a purchase-count model and the Gamma-Gamma spend model on the store's orders; print the estimates,
    their standard errors and the log-likelihood as JSON."""
    settings = settings_of(ctx)
    shop = shop_of(ctx)
    chosen_end, chosen_check = _day(calibration_end, "--calibration-end"), _day(holdout_end, "--holdout-end")
    try:
        if not no_sync:
            sync_now(settings, shop)
        with command_session(settings.database_url) as session, analytics.Warehouse.of(settings) as wh:
            last = analytics.clv.data_end(wh, shop.today())
            end = chosen_end or last
            check = chosen_check or (last if end < last else None)
            row = analytics.clv.fit(
                session, SYSTEM, wh, model_name=model, time_unit=time_unit, calibration_end=end, holdout_end=check
            )
            summary = analytics.clv.fit_summary(row)
    except KlienturaError as exc:
        fail(exc, settings)
        return
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    words = translations(settings.default_locale if settings.default_locale in LOCALES else "en").gettext
    for warning in summary["warnings"]:
        console.print("[yellow]warning:[/yellow] " + escape(explained(warning, words)))


@clv_app.command("predict")
def predict(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option(help="months ahead for the CLV and expected purchases")] = 12,
    discount: Annotated[float, typer.Option(help="discount rate per month (0.01 = 1%)")] = 0.01,
    basis: Annotated[str, typer.Option(help="revenue, or margin when product costs are known")] = "revenue",
    fit_id: Annotated[int | None, typer.Option(help="the fit to use; the latest by default")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="predict from this date (YYYY-MM-DD); the last day with purchases by default")
    ] = None,
    no_sync: NoSync = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Predict every customer (P(alive), expected purchases and spend, CLV) and write the figures back to the
    store; fits BG/NBD first when no model has been fitted."""
    settings = settings_of(ctx)
    shop = shop_of(ctx)
    chosen = _day(as_of, "--as-of")
    try:
        if not no_sync:
            sync_now(settings, shop)
        with command_session(settings.database_url) as session, analytics.Warehouse.of(settings) as wh:
            day = chosen or analytics.clv.data_end(wh, shop.today())
            if fit_id is None and analytics.clv.latest_fit(session) is None:
                console.print("no fitted model yet: fitting BG/NBD on all purchases first")
                analytics.clv.fit(session, SYSTEM, wh, calibration_end=day)
            run = analytics.clv.run_predictions(
                session, SYSTEM, wh, as_of=day, fit_id=fit_id, horizon_months=horizon, discount=discount, basis=basis
            )
            out = {
                "run_id": run.id,
                "fit_id": run.fit_id,
                "as_of": run.as_of.isoformat(),
                "customers": run.customers,
                "seconds": run.seconds,
                "totals": run.report["totals"],
                "retention": run.report["retention"],
            }
    except KlienturaError as exc:
        fail(exc, settings)
        return
    if as_json:
        print(json.dumps(out, ensure_ascii=False))
        return
    t = out["totals"]
    console.print(
        f"[green]{run.customers:,} customers predicted[/green] in {run.seconds} s; value of the base over "
        f"1 / 2 / 3 years: {t['value_1y']:,.0f} / {t['value_2y']:,.0f} / {t['value_3y']:,.0f}; "
        f"one point of retention is worth {out['retention']['per_point']:,.0f}"
    )
