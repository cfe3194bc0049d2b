"""Mail taken from a mailbox: each message read (:func:`klientura.conversations.mail.read_mail`) and either landed
as a request or a reply in its thread (once per Message-ID: a message read again after a crash is the same one),
or set aside — an automatic answer, a mailing list — or, a bounce, recorded against the message it returns (the
outbox's delivery turns failed; a bad address is marked on the card, and campaigns leave it alone). Where reading
got to is kept per mailbox and moved on in the same transaction as what the message brought."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from klientura import campaigns
from klientura.audit import Actor
from klientura.conversations.errors import CONVERSATION_FILE_NOT_FOUND
from klientura.conversations.mail import Mail
from klientura.conversations.models import Mailbox, Message
from klientura.conversations.service import get_conversation, receive
from klientura.conversations.sla import Sla
from klientura.db import Session
from klientura.kit.errors import NotFound
from klientura.kit.shop import Shop
from klientura.kit.storage import FileStore

log = logging.getLogger("klientura.inbound")

Taken = Literal["landed", "seen", "auto", "list", "bounce"]


@dataclass(frozen=True)
class Place:
    """Where reading a mailbox's folder got to."""

    id: int
    uidvalidity: int | None
    last_uid: int


def mailbox_place(session: Session, address: str, folder: str) -> Place:
    """The mailbox's place (a new mailbox: nothing read yet)."""
    box = session.scalars(select(Mailbox).where(Mailbox.address == address)).first()
    if box is None:
        box = Mailbox(address=address, folder=folder, last_uid=0, taken=0, skipped=0)
        session.add(box)
        session.flush()
    elif box.folder != folder:  # another folder: its UIDs are its own
        box.folder, box.uidvalidity, box.last_uid = folder, None, 0
        session.flush()
    return Place(box.id, box.uidvalidity, box.last_uid)


def mailbox_moved(
    session: Session, place: Place, *, uidvalidity: int, uid: int, taken: Taken | None, error: str | None = None
) -> None:
    """Reading got past ``uid``: with the message's own transaction (or alone, when landing it failed)."""
    box = session.get_one(Mailbox, place.id)
    if box.uidvalidity != uidvalidity:
        box.uidvalidity = uidvalidity
    box.last_uid = max(box.last_uid if box.uidvalidity == uidvalidity else 0, uid)
    if taken in ("landed", "seen"):
        box.taken += 1
    elif taken is not None:
        box.skipped += 1
    box.last_error = error[:500] if error else None
    session.flush()


def mailbox_polled(session: Session, place: Place, shop: Shop, *, uidvalidity: int | None, error: str | None) -> None:
    box = session.get_one(Mailbox, place.id)
    box.polled_at = shop.now()
    if uidvalidity is not None and box.uidvalidity != uidvalidity:  # the folder was rebuilt: read it again
        box.uidvalidity, box.last_uid = uidvalidity, 0
    box.last_error = error[:500] if error else box.last_error
    session.flush()


def take_mail(
    session: Session,
    shop: Shop,
    mail: Mail,
    *,
    mailbox: str,
    store: FileStore | None,
    repeat_days: int,
    sla: Sla | None,
) -> Taken:
    """What became of one message."""
    if mail.kind == "bounce":
        bounce = mail.bounce
        if bounce is not None and bounce.original_id and bounce.status.startswith("5"):
            error = f"bounce {bounce.status} {bounce.diagnostic}".strip()[:500]
            receipt = campaigns.DeliveryReceipt(bounce.original_id, "failed", error, bounce.hard)
            campaigns.apply_receipts(session, [receipt], shop.now())
        return "bounce"
    if mail.kind != "request":
        log.info("mail %s from %s set aside: %s", mail.message_id, mail.sender, mail.reason)
        return mail.kind
    seen = session.scalars(
        select(Message.id).where(Message.channel == "email", Message.provider_id == mail.message_id)
    ).first()
    if seen is not None:
        return "seen"
    files = [
        {"kind": "file", "name": name[:200], "mime": mime[:100], "size": len(data),
         **({"file_key": store.put(data)} if store is not None else {})}
        for name, mime, data in mail.files
    ]  # fmt: skip
    receive(session, shop, mail.inbound(mailbox=mailbox, attachments=files), repeat_days=repeat_days, sla=sla)
    return "landed"


def message_file(
    session: Session, actor: Actor, store: FileStore, conversation_id: int, message_id: int, index: int
) -> tuple[str, str, bytes]:
    """A file a message brought (name, type, bytes), to those who see its conversation."""
    talk = get_conversation(session, actor, conversation_id)
    message = session.get(Message, message_id)
    files = message.attachments if message is not None and message.conversation_id == talk.id else []
    if not 0 <= index < len(files) or not files[index].get("file_key"):
        raise NotFound(CONVERSATION_FILE_NOT_FOUND, id=index)
    item = files[index]
    try:
        data = store.get(str(item["file_key"]))
    except FileNotFoundError:
        raise NotFound(CONVERSATION_FILE_NOT_FOUND, id=index) from None
    return str(item.get("name") or "file"), str(item.get("mime") or "application/octet-stream"), data
