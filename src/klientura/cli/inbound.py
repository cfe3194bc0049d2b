"""``klientura mail-poll``: the shop's mailbox read over IMAP, its mail landing as requests and replies."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer

from klientura import worker as jobs
from klientura.cli.common import console, fail, shop_of, strong_settings
from klientura.db import make_session_factory
from klientura.kit.storage import DiskStore

app = typer.Typer()


@app.command("mail-poll")
def mail_poll(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="read what is there, then exit")] = False,
) -> None:
    """Read the mailbox (KLIENTURA_IMAP_HOST, _USERNAME, _PASSWORD; IMAPS on 993 unless KLIENTURA_IMAP_SSL=false):
    each message becomes a request on its sender's card or joins its thread's conversation; automatic answers,
    mailing lists and bounces are set aside (a bounce marks the message it returns as not delivered). Then waits
    for new mail (IDLE) until stopped."""
    from imapclient.exceptions import IMAPClientError, LoginError

    from klientura import conversations

    settings, shop = strong_settings(ctx), shop_of(ctx)
    if not (settings.imap_host and settings.imap_username):
        fail("KLIENTURA_IMAP_HOST and KLIENTURA_IMAP_USERNAME are not set: the mailbox to read")
    address = (settings.imap_address or settings.imap_username or "").lower()
    if "@" not in address:
        fail("KLIENTURA_IMAP_ADDRESS is not set: the mailbox's e-mail address (replies say it in Reply-To)")
    box = jobs.MailboxSettings(
        host=settings.imap_host, port=settings.imap_port, ssl=settings.imap_ssl, username=settings.imap_username,
        password=settings.imap_password or "", address=address, folder=settings.imap_folder,
        backfill_days=settings.imap_backfill_days, own=frozenset({address, settings.smtp_sender.lower()}),
    )  # fmt: skip
    factory = make_session_factory(settings.database_url)
    common = {"shop": shop, "store": DiskStore(settings.files_dir), "repeat_days": settings.sales_repeat_days,
              "sla": conversations.sla_of(settings)}  # fmt: skip
    try:
        with jobs.connect(box, timeout=30) as client:  # the settings are checked before anything waits
            done = jobs.read_round(factory, client, box, **common)  # type: ignore[arg-type]
        console.print(f"mail {address}: {done.landed} landed, {done.skipped} set aside, {done.failed} refused")
        if once:
            return
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        jobs.follow(factory, box, stop=threading.Event(), **common)  # type: ignore[arg-type]
    except LoginError as exc:
        fail(f"the mailbox {settings.imap_username}@{settings.imap_host} refused the login: {exc}")
    except (IMAPClientError, OSError) as exc:
        fail(f"the mailbox {settings.imap_host}:{settings.imap_port} cannot be read: {exc}")
    except KeyboardInterrupt:
        pass
    finally:
        factory.kw["bind"].dispose()
