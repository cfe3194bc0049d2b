"""What providers report after accepting a message — delivered to the phone or the mailbox, not delivered, read —
through their status callbacks. Each report lands on the message (``delivery``) and in its history; the report of a
campaign counts them. A repeated or late report changes nothing (``read`` outranks ``delivered``, which outranks
nothing; a failure after a delivery is kept in the history only).

Formats understood (``parse``): SMS.ru (form fields ``data[]``: ``sms_status\\n<id>\\n<code>``; 103 delivered,
104–108 and 150 not), SMSC.ru (form fields ``id``, ``status``: 1 delivered, 20 and 22 not, ``err``), and a generic
JSON body ``{"provider_id", "status": "delivered"|"failed"|"read", "error", "bounce": true|false}`` for an MTA's
bounce processor or any other gateway (``bounce``: a hard bounce — the address is marked and left alone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy import select

from klientura import customers
from klientura.campaigns.errors import RECEIPT_SHAPE, UNKNOWN_PROVIDER
from klientura.campaigns.models import OutboxEvent, OutboxMessage
from klientura.db import Session
from klientura.kit.errors import ValidationFailed

RANK = {None: 0, "failed": 1, "delivered": 2, "read": 3}
SMSRU_DELIVERED, SMSRU_FAILED = {103}, {104, 105, 106, 107, 108, 150}
SMSC_DELIVERED, SMSC_FAILED = {1}, {20, 22}


@dataclass(frozen=True)
class DeliveryReceipt:
    provider_id: str
    status: str  # delivered | failed | read
    error: str | None = None
    bounce: bool = False  # failed because the address itself is bad


def parse(provider: str, form: Mapping[str, Sequence[str]], body: object = None) -> list[DeliveryReceipt]:
    """The receipts in a callback; statuses that say nothing final (queued at the operator …) are left out."""
    out: list[DeliveryReceipt] = []
    if provider == "smsru":
        for item in form.get("data[]", []):
            parts = item.split("\n")
            if len(parts) >= 3 and parts[0] == "sms_status" and parts[2].strip().isdigit():
                code = int(parts[2])
                if code in SMSRU_DELIVERED | SMSRU_FAILED:
                    out.append(
                        DeliveryReceipt(
                            parts[1].strip(),
                            "delivered" if code in SMSRU_DELIVERED else "failed",
                            None if code in SMSRU_DELIVERED else f"sms.ru {code}",
                        )
                    )
    elif provider == "smsc":
        ids, statuses = form.get("id", []), form.get("status", [])
        if ids and statuses and statuses[0].lstrip("-").isdigit():
            code = int(statuses[0])
            if code in SMSC_DELIVERED | SMSC_FAILED:
                err = (form.get("err") or [""])[0]
                out.append(
                    DeliveryReceipt(
                        ids[0],
                        "delivered" if code in SMSC_DELIVERED else "failed",
                        None if code in SMSC_DELIVERED else f"smsc.ru {code} {err}".strip(),
                    )
                )
    elif provider == "generic":
        try:
            entries = _GENERIC.validate_python(body if isinstance(body, list) else [body])
        except ValidationError as exc:  # a shape the format does not have ("status": ["a"], no provider_id ...)
            raise ValidationFailed(RECEIPT_SHAPE) from exc
        out += [DeliveryReceipt(e.provider_id, e.status, e.error, e.bounce and e.status == "failed") for e in entries]
    else:
        raise ValidationFailed(UNKNOWN_PROVIDER, value=provider)
    return out


class _Generic(BaseModel):
    provider_id: str = Field(min_length=1, max_length=200)
    status: Literal["delivered", "failed", "read"]
    error: str | None = Field(default=None, max_length=500)
    bounce: bool = False


_GENERIC = TypeAdapter(Annotated[list[_Generic], Field(min_length=1, max_length=1000)])


def apply(session: Session, receipts: Sequence[DeliveryReceipt], at: datetime, *, window_days: int = 14) -> int:
    """Record the receipts; how many messages they were about (unknown ids are ignored: another system's; so are
    messages sent more than ``window_days`` ago: a receipt replayed later changes nothing)."""
    found, since = 0, at - timedelta(days=window_days)
    for r in receipts:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.provider_id == r.provider_id, OutboxMessage.created_at >= since)
        ).first()
        if message is None:
            continue
        found += 1
        if RANK[r.status] > RANK.get(message.delivery, 0):
            message.delivery = r.status
            if r.status == "failed":
                message.last_error = (r.error or "not delivered")[:500]
        if r.bounce:
            customers.mark_bounced(session, message.channel, message.to, r.error or "bounced", at)
        session.add(OutboxEvent(message_id=message.id, status=r.status, at=at, detail=(r.error or None)))
    session.flush()
    return found
