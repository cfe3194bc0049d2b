"""Messages in and out: every inbound message lands on its person's one card and in their conversation over that
channel (the first message of a conversation, and every form submission, routed by the repeat-request rule of
:func:`klientura.sales.submit_request`); every reply goes back through the channel it came from, by the outbox.

An inbound message carries the provider's own id, unique per channel: a provider retrying a webhook, or two
deliveries of one update, store one message (a concurrent twin fails the unique index and its transaction writes
nothing; the provider's next retry finds the first)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from klientura import campaigns, customers, sales
from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.conversations import bot as bots
from klientura.conversations.accounts import account_route
from klientura.conversations.errors import (
    CONVERSATION_NO_CHANNEL,
    CONVERSATION_NOT_FOUND,
    REPLY_FILE_BASE64,
    REPLY_FILES,
    REPLY_NO_FILES,
)
from klientura.conversations.models import Bot, Conversation, Message
from klientura.conversations.schemas import Inbound, MessageRead
from klientura.conversations.sla import Sla
from klientura.db import Session
from klientura.kit.errors import KlienturaError, NotFound, TooLarge, ValidationFailed
from klientura.kit.pagination import decode_cursor, encode_cursor
from klientura.kit.shop import Shop
from klientura.kit.storage import FileStore

# how a reply reaches the person, by the conversation's channel (a form's: the address or number it gave)
REPLY_CHANNELS = {"telegram": "telegram", "email": "email", "vk": "vk"}


MAX_FILES, MAX_FILES_MB = 5, 10


def decoded(content: str) -> bytes:
    """A file's base64 as the API sends it; a refusal naming the field when it is not base64."""
    try:
        return base64.b64decode(content, validate=True)
    except ValueError:
        raise ValidationFailed(REPLY_FILE_BASE64, field="attachments") from None


def _file_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable()).strip()[:200] or "file"


def inbound_actor(name: str) -> Actor:
    """Who writes what a channel brings in: the system, named after the channel or form (the audit shows it)."""
    return Actor(type="system", id=None, name=name, role="admin", scopes=frozenset({"*"}))


def receive(
    session: Session,
    shop: Shop,
    inbound: Inbound,
    *,
    repeat_days: int,
    route_every: bool = False,
    sla: Sla | None = None,
) -> tuple[Conversation, Message, sales.LeadOutcome | None]:
    """Store one inbound message (the one already stored when the provider's id was seen: then no outcome).
    A message joins the person's open conversation over the channel; the first one of a conversation — and every
    one when ``route_every`` (a form's submissions are requests each) — goes through the repeat-request rule."""
    now = shop.now()
    if inbound.provider_id is not None:
        seen = session.scalars(
            select(Message).where(Message.channel == inbound.channel, Message.provider_id == inbound.provider_id)
        ).first()
        if seen is not None:
            return session.get_one(Conversation, seen.conversation_id), seen, None
    actor = inbound_actor(f"inbound:{inbound.channel}")
    talk = _open_talk(session, inbound)
    outcome = None
    if talk is None or route_every:
        outcome = sales.submit_request(
            session,
            actor,
            sales.LeadIn(
                customer=customers.CustomerIn.model_validate(inbound.identities),
                channel=inbound.lead_channel,
                text=(inbound.text or None) and inbound.text[:4000],
                source=inbound.channel,
                **{f"utm_{k}": v[:100] for k, v in inbound.utm.items() if k in ("source", "medium", "campaign")},
            ),
            shop,
            repeat_days=repeat_days,
            roster=sales.Roster(sla.calendar) if sla is not None else None,
        )
        # the card is locked now: a first message of the same person sent alongside has opened its conversation
        talk = talk or _open_talk(session, inbound)
    if talk is None:
        assert outcome is not None
        talk = Conversation(
            channel=inbound.channel,
            peer=inbound.peer,
            subject=inbound.subject,
            customer_id=outcome.customer_id,
            last_at=now,
            created_at=now,
            unread=0,
            bot_state="bot" if bots.bot_of(session, inbound.channel) is not None else None,
        )
        session.add(talk)
    elif inbound.identities.get("phone"):  # a shared contact: the number joins the card when nobody else has it
        _add_phone(session, actor, shop, talk.customer_id, inbound.identities["phone"])
    if outcome is not None:
        talk.lead_id, talk.deal_id = outcome.lead_id, outcome.deal_id
        talk.assignee_id = talk.assignee_id or outcome.owner_id
    talk.unread += 1
    talk.last_at = now
    away = None
    if talk.waiting_since is None:  # the wait starts: its answer is due within the channel's working minutes
        talk.waiting_since = now
        talk.sla_due_at = sla.due(inbound.channel, now) if sla is not None else None
        away = sla.away_text(now) if sla is not None else None
    session.flush()
    message = Message(
        conversation_id=talk.id,
        channel=inbound.channel,
        direction="in",
        provider_id=inbound.provider_id,
        text=inbound.text[:8000],
        attachments=inbound.attachments,
        data=inbound.data,
        at=now,
    )
    session.add(message)
    session.flush()
    if talk.bot_state in ("bot", "asked") and (bot := bots.bot_of(session, talk.channel)) is not None:
        _bot_turn(session, shop, bot, talk, inbound, away, now, actor)
    elif away is not None:  # out of hours: the person is told when to expect an answer (the wait goes on)
        _automatic(session, talk, away, now)
    return talk, message, outcome


def _bot_turn(
    session: Session,
    shop: Shop,
    bot: Bot,
    talk: Conversation,
    inbound: Inbound,
    away: str | None,
    now: datetime,
    actor: Actor,
) -> None:
    """The bot answers: by a rule (nobody waits for a manager then), or hands over to a person (the wait starts;
    out of hours its words say when the shop opens)."""
    known = bots.has_phone(session, talk.customer_id)
    step = bots.turn(session, bot, talk, inbound.text, region=shop.region, has_phone=known)
    if step.phone is not None and not known:
        _add_phone(session, actor, shop, talk.customer_id, step.phone)
    if step.handover:
        talk.bot_state = "human"
        if talk.waiting_since is None:
            talk.waiting_since = now
        text = f"{step.text}\n\n{away}" if away else step.text
    else:
        talk.bot_state = "asked" if step.asked else talk.bot_state
        talk.waiting_since, talk.sla_due_at = None, None
        text = step.text
    if text:
        try:
            _send(session, talk, text, now, author_id=None, data={"bot": True})
        except KlienturaError:
            return


def _automatic(session: Session, talk: Conversation, text: str, now: datetime) -> None:
    try:
        _send(session, talk, text, now, author_id=None, data={"automatic": True})
    except KlienturaError:
        return  # a channel with no way back (a form that gave only a phone): nothing to say


def _send(
    session: Session,
    talk: Conversation,
    text: str,
    now: datetime,
    *,
    author_id: int | None,
    data: dict[str, Any],
    files: Sequence[tuple[str, str, bytes]] = (),
    store: FileStore | None = None,
) -> Message:
    """An outbound message of the conversation, queued in the outbox to the channel and address it came by. An
    e-mail answers the thread: ``In-Reply-To`` and ``References`` name the person's last message, ``Reply-To``
    the mailbox it came to, and our own ``Message-ID`` (kept as the message's) threads their answer to it."""
    channel, to = reply_route(talk)
    kept = [
        {"kind": "file", "name": name, "mime": mime, "size": len(blob),
         **({"file_key": store.put(blob)} if store is not None else {})}
        for name, mime, blob in files
    ]  # fmt: skip
    message = Message(conversation_id=talk.id, channel=talk.channel, direction="out", text=text,
                      attachments=kept, data=data, author_id=author_id, at=now)  # fmt: skip
    session.add(message)
    session.flush()
    message.outbox_key = f"conversation-message:{message.id}"
    extra: dict[str, Any] = {"conversation_id": talk.id}
    if files:  # what the channel sends along (an e-mail's attachments, a Telegram or VK document)
        extra["attachments"] = [{"name": n, "type": m, "content": base64.b64encode(b).decode()} for n, m, b in files]
    subject = talk.subject or ""
    if subject and not subject.lower().startswith(("re:", "на:")):
        subject = f"Re: {subject}"
    if talk.channel == "email":
        extra.update(_mail_headers(session, talk, message, automatic=bool(data.get("automatic"))))
        message.provider_id = extra["message_id"]
    draft = campaigns.Draft(key=message.outbox_key, channel=channel, to=to, source=f"conversation:{talk.id}",
                            customer_id=talk.customer_id, subject=subject, text=text, data=extra)  # fmt: skip
    campaigns.enqueue(session, [draft], now)
    return message


def _mail_headers(session: Session, talk: Conversation, message: Message, *, automatic: bool) -> dict[str, Any]:
    last = session.scalars(
        select(Message)
        .where(Message.conversation_id == talk.id, Message.direction == "in", Message.provider_id.is_not(None))
        .order_by(Message.id.desc())
    ).first()
    mailbox = str((last.data or {}).get("mailbox") or "") if last is not None else ""
    domain = mailbox.rpartition("@")[2] or "klientura.local"
    headers: dict[str, str] = {}
    if last is not None and last.provider_id:
        chain = [str(r) for r in (last.data or {}).get("references") or []][-9:]
        headers["In-Reply-To"] = last.provider_id
        headers["References"] = " ".join([*chain, last.provider_id])
    if mailbox:
        headers["Reply-To"] = mailbox
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: their robot does not answer ours
    token = hashlib.sha256(f"{talk.id}:{message.id}:{message.at.isoformat()}".encode()).hexdigest()[:12]
    return {"message_id": f"<conversation.{talk.id}.{message.id}.{token}@{domain}>", "headers": headers}


def _open_talk(session: Session, inbound: Inbound) -> Conversation | None:
    """The open conversation a message joins: an e-mail's is its thread's (a message it answers, ours or the
    person's; a new thread is a new conversation), any other channel's the person's over that channel."""
    if inbound.channel == "email":
        if not inbound.thread:
            return None
        earlier = session.scalars(
            select(Message.conversation_id)
            .where(Message.channel == "email", Message.provider_id.in_(inbound.thread))
            .order_by(Message.id.desc())
        ).first()
        talk = session.get(Conversation, earlier) if earlier is not None else None
        return talk if talk is not None and talk.status == "open" and talk.peer == inbound.peer else None
    return session.scalars(
        select(Conversation)
        .where(Conversation.channel == inbound.channel, Conversation.peer == inbound.peer)
        .where(Conversation.status == "open")
        .order_by(Conversation.id.desc())
    ).first()


def _add_phone(session: Session, actor: Actor, shop: Shop, customer_id: int, raw: str) -> None:
    try:
        if customers.find_by_identity(session, actor, "phone", raw, shop.region) is None:
            customers.add_identity(session, actor, customer_id, "phone", raw, shop.region)
    except KlienturaError:  # a number that is not one: the message is kept all the same
        return


def visible(actor: Actor) -> object | None:
    """The condition on conversations a confined actor sees (None: all)."""
    if (scope := owner_scope(actor)) is None:
        return None
    mine = Conversation.assignee_id.in_(sorted(scope))
    return or_(mine, Conversation.assignee_id.is_(None)) if actor.role == "head" else mine


def get_conversation(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    """The conversation if the actor sees it: a manager their own, a head of sales their team's and the unassigned."""
    require(actor, "sales:read")
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if (scoped := visible(actor)) is not None:
        stmt = stmt.where(scoped)  # type: ignore[arg-type]
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFound(CONVERSATION_NOT_FOUND, id=conversation_id)
    return found


def list_conversations(
    session: Session,
    actor: Actor,
    *,
    customer_id: int | None = None,
    status: str | None = None,
    channel: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Conversation], str | None]:
    """Newest activity first is the inbox's order; here, for pages by cursor, the newest conversation first."""
    require(actor, "sales:read")
    stmt = select(Conversation)
    if (scoped := visible(actor)) is not None:
        stmt = stmt.where(scoped)  # type: ignore[arg-type]
    for column, value in (
        (Conversation.customer_id, customer_id),
        (Conversation.status, status),
        (Conversation.channel, channel),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if cursor:
        (after,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(Conversation.id < after)
    rows = list(session.scalars(stmt.order_by(Conversation.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].id]) if more and rows else None


def messages_of(
    session: Session, actor: Actor, conversation_id: int, *, after: int | None = None, limit: int = 200
) -> list[MessageRead]:
    """The conversation's messages, oldest first (``after``: only those after that message's id), each outbound
    one with its delivery status."""
    talk = get_conversation(session, actor, conversation_id)
    stmt = select(Message).where(Message.conversation_id == talk.id)
    if after is not None:
        stmt = stmt.where(Message.id > after)
    rows = list(session.scalars(stmt.order_by(Message.id).limit(limit)))
    status = campaigns.statuses(session, [m.outbox_key for m in rows if m.outbox_key])
    return [MessageRead.model_validate(m).model_copy(update={"delivery": status.get(m.outbox_key or "")}) for m in rows]


def reply_route(talk: Conversation) -> tuple[str, str]:
    """The outbox channel and address a reply to this conversation goes by (a configured bot's own)."""
    if (own := account_route(talk.channel, talk.peer)) is not None:
        return own
    if talk.channel in REPLY_CHANNELS:
        return REPLY_CHANNELS[talk.channel], talk.peer
    if talk.channel == "form" and "@" in talk.peer:
        return "email", talk.peer
    if talk.channel in ("form", "call") and talk.peer.startswith("+"):
        return "sms", talk.peer
    raise ValidationFailed(CONVERSATION_NO_CHANNEL, channel=talk.channel)


def reply(
    session: Session,
    actor: Actor,
    conversation_id: int,
    text: str,
    now: datetime,
    *,
    files: Sequence[tuple[str, str, bytes]] = (),
    store: FileStore | None = None,
) -> Message:
    """A manager's answer, queued in the outbox in this transaction to go back the way the person came (with
    ``files``: (name, type, bytes), at most 5 and 10 MB in all, kept in ``store`` for the thread); the
    conversation is no longer waiting and its first response time is kept."""
    require(actor, "sales:write")
    talk = get_conversation(session, actor, conversation_id)
    files = [(_file_name(n), m or "application/octet-stream", b) for n, m, b in files if b]
    if len(files) > MAX_FILES or sum(len(b) for _n, _m, b in files) > MAX_FILES_MB * 2**20:
        raise TooLarge(REPLY_FILES, field="files", files=MAX_FILES, limit=MAX_FILES_MB)
    if files and reply_route(talk)[0] == "sms":  # a text message carries no file: said, not dropped
        raise ValidationFailed(REPLY_NO_FILES, field="files", channel="SMS")
    message = _send(session, talk, text, now, author_id=actor.id if actor.is_user else None, data={}, files=files,
                    store=store)  # fmt: skip
    talk.first_reply_at = talk.first_reply_at or now
    talk.waiting_since, talk.sla_due_at, talk.escalated_at, talk.unread, talk.last_at = None, None, None, 0, now
    if talk.status == "closed":
        talk.status, talk.closed_at = "open", None
    session.flush()
    record(session, actor, "conversation.reply", "conversation", talk.id, None, {"message_id": message.id})
    return message
