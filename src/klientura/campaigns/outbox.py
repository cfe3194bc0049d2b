"""Writing to the outbox and delivering from it, at least once, never twice to a provider that honours the key.

- :func:`enqueue` adds messages in the caller's transaction: a launch that rolls back sends nothing.
- :func:`claim` takes due messages for one worker — ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers never
  take the same row — marks them ``sending`` with a lease, and the caller commits. A worker killed mid-send
  leaves them ``sending``; when the lease runs out another claim takes them again, with the same idempotency key.
- :func:`record` writes what the provider said: sent; retry with exponential backoff (or the provider's delay),
  failed after ``MAX_ATTEMPTS``; failed at once for a permanent refusal. Every step goes to the history.
The worker's round (claim, commit the lease, send, record and commit each) is :func:`klientura.worker.deliver`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from klientura import customers
from klientura.campaigns.models import OutboxEvent, OutboxMessage
from klientura.channels import DeliveryResult, OutgoingMessage
from klientura.db import Session, dialect_name, in_chunks, insert_columns

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)  # a claimed message not recorded by then is taken again (its worker died)
BACKOFF = timedelta(seconds=30)  # doubled each attempt: 30 s, 1 min, 2 min ... ~1 h before the 8th


@dataclass(frozen=True)
class Draft:
    key: str
    channel: str
    to: str
    source: str
    customer_id: int | None = None
    subject: str = ""
    text: str = ""
    html: str | None = None
    unsubscribe_url: str | None = None
    due: datetime | None = None  # not before (the end of the recipient's quiet hours); None: now
    data: dict[str, Any] | None = None  # what the channel needs besides (an e-mail's attachments)


def enqueue(session: Session, drafts: Iterable[Draft], now: datetime) -> list[OutboxMessage]:
    """A few messages (a trigger's, a test send); queued at ``now`` (the history's first step is the row itself)."""
    rows = [
        OutboxMessage(
            key=d.key,
            channel=d.channel,
            to=d.to,
            source=d.source,
            customer_id=d.customer_id,
            subject=d.subject,
            text=d.text,
            html=d.html,
            unsubscribe_url=d.unsubscribe_url,
            next_attempt_at=d.due or now,
            created_at=now,
            data=d.data or {},
        )
        for d in drafts
    ]
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_many(session: Session, columns: dict[str, list[Any]], now: datetime, ready: Collection[str] = ()) -> int:
    """Many messages at once (a campaign's launch), column by column — ``key``, ``channel``, ``to``, ``source``,
    ``customer_id``, ``next_attempt_at``, and ``data`` or ``subject``/``text``/``html`` — in the caller's
    transaction with the store's bulk insert (columns named in ``ready`` hold the driver's values already: JSON
    text); how many."""
    n = len(columns["key"])
    defaults: dict[str, list[Any]] = {"subject": [""] * n, "text": [""] * n, "data": [{}] * n}
    insert_columns(
        session,
        OutboxMessage,
        {**defaults, **columns, "status": ["queued"] * n, "attempts": [0] * n, "created_at": [now] * n},
        ready=ready,
    )
    return n


def stop(session: Session, source: str, now: datetime) -> int:
    """Fail the messages of ``source`` still waiting (a cancelled campaign); those being sent finish."""
    waiting = list(
        session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.source == source, OutboxMessage.status == "queued")
        )
    )
    for chunk in in_chunks(session, waiting):
        session.execute(
            update(OutboxMessage).where(chunk.of(OutboxMessage.id)).values(status="failed", last_error="cancelled")
        )
    insert_columns(
        session,
        OutboxEvent,
        {
            "message_id": waiting,
            "status": ["failed"] * len(waiting),
            "at": [now] * len(waiting),
            "detail": ["cancelled"] * len(waiting),
        },
    )
    return len(waiting)


def claim(
    session: Session, limit: int, now: datetime, channels: Iterable[str] | None = None, lease: timedelta = LEASE
) -> list[OutboxMessage]:
    """Due messages (queued or retrying, or sending past their lease), oldest due first, leased to this worker."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(("queued", "sending")), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if channels is not None:
        query = query.where(OutboxMessage.channel.in_(list(channels)))
    if dialect_name(session) == "postgresql":  # one statement: atomic even on a connection in autocommit mode
        due = query.with_only_columns(OutboxMessage.id).with_for_update(skip_locked=True).scalar_subquery()
        taken = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due))
            .values(status="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now + lease)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        rows = sorted(session.scalars(taken), key=lambda m: m.id)
    else:
        rows = list(session.scalars(query))
        for m in rows:
            m.status, m.attempts, m.next_attempt_at = "sending", m.attempts + 1, now + lease
        session.flush()
    n = len(rows)
    insert_columns(
        session,
        OutboxEvent,
        {
            "message_id": [m.id for m in rows],
            "status": ["sending"] * n,
            "at": [now] * n,
            "detail": [f"attempt {m.attempts}" for m in rows],
        },
    )
    return rows


def _recording() -> tuple[Any, Any, Any]:
    """The statements that record an answer, built once: (PostgreSQL's one statement; elsewhere, two)."""
    messages, events = cast(Table, OutboxMessage.__table__), cast(Table, OutboxEvent.__table__)
    m, e = messages.c, events.c
    change = (
        update(messages)
        .where(m.id == bindparam("mid"))
        .values(
            status=bindparam("status"),
            last_error=bindparam("error"),
            provider_id=func.coalesce(bindparam("pid", type_=m.provider_id.type), m.provider_id),
            sent_at=func.coalesce(bindparam("sent_at", type_=m.sent_at.type), m.sent_at),
            next_attempt_at=func.coalesce(bindparam("next", type_=m.next_attempt_at.type), m.next_attempt_at),
        )
    )
    step = insert(events)
    step_values = {
        "message_id": bindparam("mid"),
        "status": bindparam("step"),
        "at": bindparam("at", type_=e.at.type),
        "detail": bindparam("detail"),
    }
    changed = change.returning(m.id).cte("changed")
    together = step.from_select(
        ["message_id", "status", "at", "detail"],
        select(
            changed.c.id,
            bindparam("step", type_=e.status.type),
            bindparam("at", type_=e.at.type),
            bindparam("detail", type_=e.detail.type),
        ),
    )
    return together, change, step.values(step_values)


_TOGETHER, _CHANGE, _STEP = _recording()


def record_delivery(session: Session, message: OutboxMessage, result: DeliveryResult, now: datetime) -> None:
    """The provider's answer: the message's new status and a history step — one prepared statement on PostgreSQL (a
    sender records a status per message sent: the round trips to the store were most of its time)."""
    error = (result.error or "")[:500]
    params: dict[str, Any] = {"mid": message.id, "at": now, "pid": None, "sent_at": None, "next": None}
    if result.status == "sent":
        params.update(
            status="sent", pid=result.provider_id, sent_at=now, error=None, step="sent", detail=result.provider_id
        )
    elif result.status == "retry" and message.attempts < MAX_ATTEMPTS:
        wait = timedelta(seconds=result.retry_after) if result.retry_after else BACKOFF * 2 ** (message.attempts - 1)
        params.update(
            status="queued",
            next=now + wait,
            error=error,
            step="retry",
            detail=f"{result.error or ''} (next {now + wait:%H:%M:%S})"[:500],
        )
    else:
        params.update(status="failed", error=error, step="failed", detail=error)
        if result.bounce:  # the address itself is bad: campaigns leave it alone from now on
            customers.mark_bounced(session, message.channel, message.to, error, now)
    if dialect_name(session) == "postgresql":
        session.execute(_TOGETHER, params)
    else:
        session.execute(_CHANGE, params)
        session.execute(_STEP, params)
    # the object in memory as the row now is, without another write
    set_committed_value(message, "status", params["status"])
    set_committed_value(message, "last_error", params["error"])
    for name, key in (("provider_id", "pid"), ("sent_at", "sent_at"), ("next_attempt_at", "next")):
        if params[key] is not None:
            set_committed_value(message, name, params[key])


def outgoing(message: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        key=message.key,
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        unsubscribe_url=message.unsubscribe_url,
        data=dict(message.data or {}),
    )


def history(session: Session, message_id: int) -> list[OutboxEvent]:
    """Every step, starting with ``queued`` (when the message was written)."""
    message = session.get_one(OutboxMessage, message_id)
    steps = session.scalars(select(OutboxEvent).where(OutboxEvent.message_id == message_id).order_by(OutboxEvent.id))
    return [OutboxEvent(message_id=message_id, status="queued", at=message.created_at), *steps]


def statuses(session: Session, keys: Collection[str]) -> dict[str, str]:
    """The outbox's status of each of these messages (queued, sending, sent, failed; the provider's later report —
    delivered, read — when it gave one), by idempotency key; keys never queued are absent."""
    if not keys:
        return {}
    rows = session.execute(
        select(OutboxMessage.key, OutboxMessage.status, OutboxMessage.delivery).where(OutboxMessage.key.in_(keys))
    )
    return {key: delivery or status for key, status, delivery in rows}
