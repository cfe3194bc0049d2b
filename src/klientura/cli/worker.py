"""``klientura worker``: keeps the warehouse fresh — a sync every few minutes, scores, lifetime-value predictions
and dynamic segments once a day. (Campaign sending and other jobs join it with the outbox.)"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from klientura import analytics, campaigns, channels, dedup, imports, loyalty, privacy, segments
from klientura import worker as jobs
from klientura.audit import SYSTEM
from klientura.cli.common import console, fail, retention_of, shop_of, strong_settings
from klientura.config import Settings
from klientura.db import command_session, make_session_factory
from klientura.kit.errors import KlienturaError
from klientura.kit.memo import Memos
from klientura.kit.shop import Shop
from klientura.worker import duplicates

app = typer.Typer()


def tick(settings: Settings, shop: Shop, now: datetime, last_recompute: str | None, recompute_at: int) -> str | None:
    """One round: sync; and, once a day from ``recompute_at`` o'clock (shop time), score and refresh segments.
    Returns the day of the last recompute."""
    report = analytics.sync(settings.database_url, analytics.path_of(settings), timezone=shop.timezone)
    console.print(
        f"{now:%H:%M} sync: {sum(report.copied.get(n, 0) for n in ('orders', 'order_lines', 'events')):,} "
        f"new facts in {report.seconds:.1f} s"
    )
    if gone := imports.clean_uploads(settings.upload_dir, now):
        console.print(f"{now:%H:%M} uploads: {gone} left unimported for a day deleted")
    with command_session(settings.database_url) as session:  # a scan of a large base asked for on the web
        waiting = dedup.waiting(session) is not None
    if waiting and (asked := duplicates.apart(duplicates.asked, settings.database_url, now, settings.dedup_precision)):
        console.print(f"{now:%H:%M} duplicates asked for by {asked.asked_by}: {asked.found:,} suggestions")
    local = now.astimezone(shop.zone)
    today = local.date().isoformat()
    if last_recompute == today or local.hour < recompute_at:
        return last_recompute
    with command_session(settings.database_url) as session:  # once a day: it reads the old rows of whole tables
        kept = privacy.apply_retention(session, retention_of(settings), now)
    console.print(f"{now:%H:%M} retention: " + ", ".join(f"{n.replace('_', ' ')} {c:,}" for n, c in kept.items()))
    with command_session(settings.database_url) as session, analytics.Warehouse.of(settings) as wh:
        done = analytics.recompute(session, SYSTEM, wh, as_of=local.date())
        valued = analytics.clv.refresh(session, SYSTEM, wh, done.as_of)  # before the segments that may use it
        sizes = segments.refresh_segments(session, SYSTEM, wh, done.as_of)
        night = loyalty.nightly(session, SYSTEM, now, loyalty.load_programme(session))
    scanned = duplicates.apart(duplicates.nightly, settings.database_url, now, settings.dedup_precision)
    console.print(
        f"{now:%H:%M} duplicates: {scanned.found:,} suggestions"
        + (" (the model learned again)" if scanned.learned else "")
    )
    console.print(
        f"{now:%H:%M} loyalty: {night.upgrades:,} tier upgrades, {night.downgrades:,} downgrades, "
        f"{night.birthdays:,} birthday bonuses, {night.reminded:,} reminded of expiring points, {night.expired_points:,} "
        f"points expired in {night.expired_lots:,} lots; ledger check: "
        + ("balances equal their ledgers" if not night.breaks else f"[red]{len(night.breaks)} breaks[/red]")
    )
    for b in night.breaks[:20]:
        console.print(f"[red]  account {b.account_id}: {b.problem}[/red]")
    console.print(
        f"{now:%H:%M} recompute: {done.customers:,} customers scored"
        + (f", {valued.customers:,} valued" if valued else "")
        + f", {len(sizes)} segments refreshed"
    )
    return today


@app.command()
def worker(
    ctx: typer.Context,
    every: Annotated[int, typer.Option(help="minutes between warehouse syncs")] = 15,
    recompute_at: Annotated[int, typer.Option(help="hour (shop time) from which the daily recompute runs")] = 3,
    once: Annotated[bool, typer.Option("--once", help="one round, then exit (for cron)")] = False,
) -> None:
    """Keep the warehouse fresh: sync every few minutes, recompute scores and segments daily."""
    settings, shop = strong_settings(ctx), shop_of(ctx)
    last: str | None = None
    while True:
        started = shop.now()
        try:
            last = tick(settings, shop, started, last, recompute_at)
        except KlienturaError as exc:  # a busy warehouse, a store being migrated: try again next round
            console.print(f"[yellow]{exc.detail}[/yellow]")
        if once:
            return
        pause = (started + timedelta(minutes=every) - shop.now()).total_seconds()
        time.sleep(max(pause, 1.0))


@app.command()
def send(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="deliver what is due, then exit")] = False,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="messages claimed per round")] = 200,
    lease: Annotated[float, typer.Option(min=1, help="seconds a claimed message stays with this sender")] = 300,
) -> None:
    """Deliver the outbox through the configured channels (KLIENTURA_SMTP_HOST, KLIENTURA_WEBHOOK_URL,
    KLIENTURA_TELEGRAM_TOKEN, KLIENTURA_VK_TOKEN, KLIENTURA_SMS_KEY), launching scheduled campaigns when their time comes and running
    the switched-on scenarios and reminding assignees of their tasks by e-mail every minute; links in the
    messages point at KLIENTURA_PUBLIC_URL. Safe to run several at once on PostgreSQL."""
    settings, shop = strong_settings(ctx), shop_of(ctx)
    try:
        configured = channels.from_settings(settings)
    except KlienturaError as exc:
        fail(exc, settings)
    factory = make_session_factory(settings.database_url)
    with factory() as session:  # the bots and communities configured in the UI answer their own conversations
        configured |= jobs.account_channels(session, settings)
    factory.kw["bind"].dispose()
    if not configured:
        fail(
            "no channel is configured: set KLIENTURA_SMTP_HOST, KLIENTURA_WEBHOOK_URL, KLIENTURA_TELEGRAM_TOKEN, KLIENTURA_VK_TOKEN "
            "or KLIENTURA_SMS_KEY"
        )
    memos = Memos()  # the sender's caches, shared by its two factories
    factory = make_session_factory(settings.database_url, memos=memos)
    # statuses committed without waiting for the disk: a database crash may resend a fraction of a second's messages
    # (with their keys); launches stay fully durable
    relaxed = make_session_factory(settings.database_url, relaxed=True, memos=memos)
    total = {"sent": 0, "retry": 0, "failed": 0}
    if not settings.public_url:  # the links in messages point at it; a guessed address would send broken links
        fail("KLIENTURA_PUBLIC_URL is not set: the links in messages (unsubscribe, clicks) need it")
    sending = campaigns.Sending(
        campaigns.Links(settings.public_url, settings.key("links")),
        shop.timezone,
        settings.default_locale,
        shop.currency,
    )
    contents: dict[Any, campaigns.Content] = {}
    try:
        throttles = {ch: channels.Throttle(rate) for ch, rate in settings.rate_limits.items()}
    except ValueError as exc:
        fail(f"KLIENTURA_RATE_LIMITS: {exc}")
    last_triggers: datetime | None = None
    try:
        while True:
            with factory() as session:
                now = shop.now()
                for campaign_id, outcome in jobs.launch_due(session, now, sending).items():
                    console.print(f"campaign {campaign_id} {outcome}")
                if last_triggers is None or now - last_triggers >= timedelta(minutes=1):
                    for key, counts in jobs.trigger_scenarios(session, now, sending).items():
                        if any(counts.values()):
                            console.print(f"scenario {key}: " + ", ".join(f"{g} {n}" for g, n in counts.items()))
                    last_triggers = now
                    for key, added in jobs.account_channels(session, settings).items():  # added in the UI since
                        if key not in configured:
                            configured[key] = added
                        else:
                            added.close()
                    reminded = jobs.remind(session, configured, now, public_url=settings.public_url, zone=shop.zone)
                    if any(reminded.values()):
                        console.print("task reminders: " + ", ".join(f"{g} {n}" for g, n in reminded.items()))
                    if late := jobs.escalate_late(session, now, locale=settings.default_locale):
                        console.print(f"conversations answered late, escalated to the heads of sales: {late}")
            with relaxed() as session:
                counts = jobs.deliver(
                    session,
                    configured,
                    shop.clock,
                    sending.links,
                    batch,
                    timedelta(seconds=lease),
                    contents,
                    throttles,
                )
            total = {k: total[k] + counts[k] for k in total}
            if not any(counts.values()):
                if once:
                    break
                time.sleep(1.0)
    finally:
        for channel in configured.values():
            channel.close()
        factory.kw["bind"].dispose()
        relaxed.kw["bind"].dispose()
    console.print(f"{total['sent']:,} sent, {total['retry']:,} to retry, {total['failed']:,} failed")


@app.command("telegram-poll")
def telegram_poll(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="one getUpdates round, then exit")] = False,
    bot: Annotated[int | None, typer.Option("--bot", help="a bot added on the bot page (its number there)")] = None,
) -> None:
    """Take the Telegram bot's messages by long polling (KLIENTURA_TELEGRAM_TOKEN, or --bot for one added in the UI),
    for a server the Bot API cannot reach: each lands on its card and conversation as by the webhook. The bot must
    have no webhook set."""
    import httpx2 as httpx

    from klientura import conversations

    settings, shop = strong_settings(ctx), shop_of(ctx)
    factory = make_session_factory(settings.database_url)
    token = settings.telegram_token
    if bot is not None:
        with factory() as session:
            token = jobs.bot_token(session, bot)
        if token is None:
            fail(f"no Telegram bot {bot} is on: see the bot page (/inbox/bot)")
    if not token:
        fail("KLIENTURA_TELEGRAM_TOKEN is not set: the bot's token from @BotFather")
    sla = conversations.sla_of(settings)
    offset: int | None = None
    with httpx.Client() as client:
        while True:
            try:
                offset, landed = jobs.poll_once(
                    factory, client, base_url=settings.telegram_api_url, token=token, offset=offset, account=bot,
                    shop=shop, repeat_days=settings.sales_repeat_days, sla=sla, wait=0 if once else 25,
                )  # fmt: skip
            except jobs.PollRefused as exc:
                fail(f"{exc} (a bot with a webhook set gives no updates by polling: deleteWebhook first)")
            if landed:
                console.print(f"telegram: {landed} messages")
            if once:
                return
