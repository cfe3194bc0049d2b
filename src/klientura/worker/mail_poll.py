"""A shop's mailbox read over IMAP: the folder's new messages (by UID, after the last one taken; a mailbox read for
the first time, or a folder rebuilt under a new UIDVALIDITY, from the last few days), each landed in its own
transaction together with the place reading got to — a crash between two messages reads the second again, and
the first lands once (its Message-ID). The folder is opened read-only and messages fetched with ``BODY.PEEK``:
reading them here leaves them unread for the people who use the mailbox too. Between rounds the server's IDLE
wakes us when mail comes (where it has no IDLE, a pause)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from klientura import conversations
from klientura.db import IntegrityError, SessionFactory
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop
from klientura.kit.storage import FileStore

log = logging.getLogger("klientura.inbound")

BATCH = 20


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    address: str
    folder: str = "INBOX"
    backfill_days: int = 3
    own: frozenset[str] = frozenset()  # our own addresses: what comes from them is never a request


@dataclass
class Round:
    landed: int = 0
    skipped: int = 0
    failed: int = 0


def connect(box: MailboxSettings, timeout: float = 60) -> IMAPClient:
    client = IMAPClient(box.host, port=box.port, ssl=box.ssl, timeout=timeout)
    try:
        client.login(box.username, box.password)
    except BaseException:
        client.shutdown()
        raise
    return client


def read_round(
    factory: SessionFactory,
    client: IMAPClient,
    box: MailboxSettings,
    *,
    shop: Shop,
    store: FileStore | None,
    repeat_days: int,
    sla: conversations.Sla | None,
) -> Round:
    """Read what came since the last round."""
    info: dict[bytes, Any] = client.select_folder(box.folder, readonly=True)
    uidvalidity = int(info[b"UIDVALIDITY"])
    with factory() as session:
        place = conversations.mailbox_place(session, box.address, box.folder)
        session.commit()
    if place.uidvalidity != uidvalidity:  # never read, or rebuilt: the last days only
        since = (shop.now() - timedelta(days=box.backfill_days)).date()
        last, uids = 0, client.search(["SINCE", since])
    else:
        last = place.last_uid
        uids = client.search(["UID", f"{last + 1}:*"])  # "n:*" holds the last message even when it is older
    done = Round()
    todo = sorted(int(u) for u in uids if int(u) > last)
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        fetched: dict[int, dict[bytes, Any]] = client.fetch(batch, ["BODY.PEEK[]"])
        for uid in batch:
            raw = fetched.get(uid, {}).get(b"BODY[]")
            _land(factory, box, place, uidvalidity, uid, raw, done, shop=shop, store=store,
                  repeat_days=repeat_days, sla=sla)  # fmt: skip
    with factory() as session:
        conversations.mailbox_polled(session, place, shop, uidvalidity=uidvalidity, error=None)
        session.commit()
    return done


def _land(
    factory: SessionFactory,
    box: MailboxSettings,
    place: conversations.Place,
    uidvalidity: int,
    uid: int,
    raw: bytes | None,
    done: Round,
    *,
    shop: Shop,
    store: FileStore | None,
    repeat_days: int,
    sla: conversations.Sla | None,
) -> None:
    with factory() as session:
        try:
            if raw is None:  # expunged between the search and the fetch
                taken = None
            else:
                mail = conversations.read_mail(raw, own=box.own)
                taken = conversations.take_mail(session, shop, mail, mailbox=box.address, store=store,
                                                repeat_days=repeat_days, sla=sla)  # fmt: skip
            conversations.mailbox_moved(session, place, uidvalidity=uidvalidity, uid=uid, taken=taken)
            session.commit()
        except (KlienturaError, IntegrityError, ValueError, LookupError) as exc:
            # refused (or its twin landed it first): reading moves past it, the reason kept on the mailbox
            session.rollback()
            reason = getattr(exc, "detail", None) or type(exc).__name__
            log.warning("mail uid %s of %s not taken: %s", uid, box.address, reason)
            conversations.mailbox_moved(session, place, uidvalidity=uidvalidity, uid=uid, taken=None,
                                        error=f"uid {uid}: {reason}")  # fmt: skip
            session.commit()
            done.failed += 1
            return
    if taken == "landed":
        done.landed += 1
    elif taken is not None and taken != "seen":
        done.skipped += 1


def follow(
    factory: SessionFactory,
    box: MailboxSettings,
    *,
    shop: Shop,
    store: FileStore | None,
    repeat_days: int,
    sla: conversations.Sla | None,
    stop: threading.Event,
    wait: float = 300,
    pause: float = 60,
) -> None:
    """Rounds until ``stop``: IDLE between them where the server has it (woken by new mail, or after ``wait``
    seconds: servers drop an idle client after 30 minutes), else a pause; a lost connection is opened again."""
    while not stop.is_set():
        try:
            with connect(box) as client:
                idle = client.has_capability("IDLE")
                while not stop.is_set():
                    done = read_round(factory, client, box, shop=shop, store=store, repeat_days=repeat_days, sla=sla)
                    if done.landed or done.skipped or done.failed:
                        log.info("mail %s: %s landed, %s set aside, %s refused", box.address, done.landed,
                                 done.skipped, done.failed)  # fmt: skip
                    if not idle:
                        stop.wait(pause)
                        continue
                    client.idle()
                    try:
                        waited = 0.0
                        while not stop.is_set() and waited < wait:
                            if client.idle_check(timeout=min(1.0, wait)):
                                break
                            waited += 1.0
                    finally:
                        client.idle_done()
        except (IMAPClientError, OSError) as exc:
            log.warning("mail %s: %s; connecting again", box.address, exc)
            stop.wait(min(pause, 30))
