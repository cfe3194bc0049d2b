"""`klientura demo`: build the demo chain into the embedded store and serve the UI."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from klientura import analytics, campaigns, conversations, dedup
from klientura.audit import SYSTEM
from klientura.cli.common import console, demo_secret, shop_of
from klientura.cli.serving import serve
from klientura.config import DEFAULT_DATA_DIR, Settings
from klientura.customers import count_customers
from klientura.db import SessionFactory, factory_for, session_scope
from klientura.demo import DEMO_PASSWORD, HEADS, USERS, ad_spend, build, feedback, inbox, marketing_history, wholesale
from klientura.kit.shop import Shop
from klientura.kit.storage import DiskStore
from klientura.migrations import upgrade
from klientura.sales import Documents

app = typer.Typer()


@app.command()
def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(help="how many customer cards")] = 20_000,
    deals: Annotated[int, typer.Option(help="how many deals the wholesale department made in 18 months")] = 25_000,
    seed: Annotated[int, typer.Option(help="random seed: the same seed builds the same chain")] = 42,
    serve_ui: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the UI when built")] = True,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Build a realistic retail chain (customers, orders, returns, duplicates) and serve the UI."""
    settings = demo_secret(ctx, DEFAULT_DATA_DIR / "secret.key")
    if not settings.public_url:  # the demo's messages link back to the demo itself
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    upgrade(settings.database_url)
    with factory_for(settings.database_url) as factory:
        _build(settings, shop_of(ctx), factory, customers, deals, seed, host, port)
    console.print(f"\nLog in at [bold]http://{host}:{port}/[/bold]")
    for email, _name, role in USERS:
        console.print(f"  {role:9} {email}  password: {DEMO_PASSWORD}")
    console.print(f"  {'head':9} {HEADS[0][0]}  password: {DEMO_PASSWORD}  (head of sales, team {HEADS[0][2]})")
    if serve_ui:
        serve(settings, host=host, port=port)


def _build(
    settings: Settings,
    shop: Shop,
    factory: SessionFactory,
    customers: int,
    deals: int,
    seed: int,
    host: str,
    port: int,
) -> None:
    """The chain, its duplicates, scores, lifetime values and marketing history (nothing when the store has customers)."""
    with session_scope(factory) as session:
        existing = count_customers(session, SYSTEM)
    if existing:
        console.print(f"the store already holds {existing:,} customers: serving it as it is")
    else:
        started = time.perf_counter()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("customers", total=customers)
            orders_task = bar.add_task("orders", total=None)

            def progress(what: str, n: int) -> None:
                bar.advance(task if what == "customers" else orders_task, n)

            with session_scope(factory) as session:
                summary = build(session, end=shop.today(), customers=customers, seed=seed, progress=progress)
        with session_scope(factory) as session:
            docs = Documents(DiskStore(settings.files_dir), settings.pdf_font_dir, settings.public_url)
            sold = wholesale(session, end=shop.today(), seed=seed, deals=deals, docs=docs, shop=shop)
            spent = ad_spend(session, random.Random(seed + 29), end=shop.today())
        with session_scope(factory) as session:
            talks = inbox(session, random.Random(seed + 19), shop, conversations.sla_of(settings))
        with session_scope(factory) as session:
            links = campaigns.Links((settings.public_url or "http://127.0.0.1:8000").rstrip("/"), settings.key("links"))
            surveyed = feedback(session, random.Random(seed + 23), shop, links)
        console.print(
            f"inbox: {talks['conversations']:,} requests by Telegram, VK, the site's form, e-mail and phone, "
            f"{talks['answered']:,} answered ({talks['closed']:,} closed), the rest waiting; "
            f"{surveyed:,} NPS answers after purchases (/surveys)"
        )
        console.print(
            f"wholesale department: 3 pipelines, 15 managers in 3 teams, {sold['companies']:,} companies, "
            f"{sold['deals']:,} deals ({sold['history']:,} stage moves), {sold['orders']:,} paid invoices, "
            f"{sold['tasks']:,} open tasks, {sold['quotes']:,} quotes, {sold['leads']:,} requests; "
            f"{spent:,} days × campaigns of advertising spend (/sales/analytics/sources)"
        )
        console.print(
            f"built {summary.customers:,} customers ({summary.duplicates:,} planted duplicates), "
            f"{summary.orders:,} orders with {summary.lines:,} lines ({summary.anonymous:,} anonymous), "
            f"{summary.returns:,} returns, {summary.events:,} events ({summary.never_bought:,} customers never "
            f"bought), {summary.members:,} loyalty members in {time.perf_counter() - started:.0f} s"
        )
        with session_scope(factory) as session:
            found = dedup.scan(session, SYSTEM, shop.now(), precision=settings.dedup_precision)
        console.print(f"duplicate suggestions: {found:,}")
        analytics.sync(settings.database_url, analytics.path_of(settings), timezone=shop.timezone)
        with session_scope(factory) as session, analytics.Warehouse.of(settings) as wh:
            report = analytics.recompute(session, SYSTEM, wh, as_of=shop.today())
            valued = analytics.clv.value_the_base(
                session, SYSTEM, wh, as_of=analytics.clv.data_end(wh, report.as_of), holdout_weeks=26
            )
        console.print(f"segments computed for {report.customers:,} customers (klientura analytics recompute)")
        console.print(f"{valued.customers:,} customers valued with BG/NBD (klientura clv predict)")
        links = campaigns.Links(settings.public_url.rstrip("/"), settings.key("links"))
        sending = campaigns.Sending(links, shop.timezone, settings.default_locale, shop.currency)
        with session_scope(factory) as session, analytics.Warehouse.of(settings) as wh:
            made = marketing_history(session, wh, sending, report.as_of, shop=shop, seed=seed)
        console.print(
            f"a seasonal sale campaign ({made['campaign_messages']:,} messages) and four scenarios "
            f"({made['scenario_messages']:,} messages) with their results"
        )
        analytics.sync(settings.database_url, analytics.path_of(settings), timezone=shop.timezone)
        with session_scope(factory) as session, analytics.Warehouse.of(settings) as wh:
            analytics.recompute(
                session, SYSTEM, wh, as_of=shop.today()
            )  # the purchases the messages brought counted too
            # the trend charts begin with a history: the group sizes as of each week of the last quarter
            weeks = [report.as_of - timedelta(weeks=k) for k in range(1, 14)]
            analytics.backfill_snapshots(session, SYSTEM, wh, weeks)
