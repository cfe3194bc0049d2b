"""Calls from telephony: each call's end reported by a webhook — Klientura's generic JSON or Zadarma's
notifications — lands on the card of the number (made for a new one) in the person's call conversation, with the
direction, outcome, duration and recording. A missed incoming call is a request: routed by the repeat-request rule,
it gives the card's (or the open deal's) owner a call-back task. An answered incoming call from someone new opens
a conversation and a request too; an outgoing call is kept on the card. The provider's call id makes a repeated
notification the same call."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from klientura import customers
from klientura.conversations.errors import CALL_INVALID
from klientura.conversations.models import Conversation, Message
from klientura.conversations.schemas import Inbound
from klientura.conversations.service import inbound_actor, receive
from klientura.conversations.sla import Sla
from klientura.db import Session
from klientura.kit.errors import ValidationFailed
from klientura.kit.phones import normalize_phone
from klientura.kit.shop import Shop

ANSWERED = {"answered", "answer", "success"}


@dataclass(frozen=True)
class Call:
    provider: str
    call_id: str
    direction: str  # in | out
    phone: str  # the person's number, as the provider sent it
    answered: bool
    duration: int  # seconds
    line: str = ""  # our number or the extension that took it
    recording_url: str | None = None


def read_generic(body: Any) -> Call:
    """``{"call_id", "direction": "in"|"out", "phone", "status": "answered"|"missed", "duration", "line",
    "recording_url"}``; a refusal names the first field that is wrong."""
    if not isinstance(body, dict):
        raise ValidationFailed(CALL_INVALID, field="body")
    for name in ("call_id", "phone"):
        if not isinstance(body.get(name), str | int) or not str(body[name]).strip():
            raise ValidationFailed(CALL_INVALID, field=name)
    if body.get("direction", "in") not in ("in", "out"):
        raise ValidationFailed(CALL_INVALID, field="direction")
    if body.get("status") not in ("answered", "missed"):
        raise ValidationFailed(CALL_INVALID, field="status")
    duration = body.get("duration", 0)
    if not isinstance(duration, int) or not 0 <= duration <= 86_400:
        raise ValidationFailed(CALL_INVALID, field="duration")
    recording = body.get("recording_url")
    if recording is not None and not (isinstance(recording, str) and recording.startswith(("http://", "https://"))):
        raise ValidationFailed(CALL_INVALID, field="recording_url")
    return Call(
        provider="generic",
        call_id=str(body["call_id"])[:150],
        direction=body.get("direction", "in"),
        phone=str(body["phone"])[:40],
        answered=body["status"] == "answered",
        duration=duration,
        line=str(body.get("line") or "")[:40],
        recording_url=recording[:500] if recording else None,
    )


def zadarma_signature(secret: str, fields: dict[str, str]) -> str:
    """Zadarma's ``Signature`` header: base64 of the hex HMAC-SHA1 of the event's key fields."""
    event = fields.get("event", "")
    if event.startswith("NOTIFY_OUT"):
        signed = fields.get("internal", "") + fields.get("destination", "") + fields.get("call_start", "")
    else:
        signed = fields.get("caller_id", "") + fields.get("called_did", "") + fields.get("call_start", "")
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def read_zadarma(fields: dict[str, str]) -> Call | None:
    """The end of an incoming (``NOTIFY_END``) or outgoing (``NOTIFY_OUT_END``) call; the other events (a call
    starting, an internal one, a recording ready) are None."""
    event = fields.get("event")
    if event not in ("NOTIFY_END", "NOTIFY_OUT_END") or not fields.get("pbx_call_id"):
        return None
    out = event == "NOTIFY_OUT_END"
    phone = fields.get("destination" if out else "caller_id", "")
    if not phone:
        return None
    duration = fields.get("duration", "0")
    return Call(
        provider="zadarma",
        call_id=fields["pbx_call_id"][:150],
        direction="out" if out else "in",
        phone=phone[:40],
        answered=fields.get("disposition", "") in ANSWERED,
        duration=int(duration) if duration.isdigit() else 0,
        line=(fields.get("internal") or fields.get("called_did") or "")[:40],
        recording_url=None,
    )


def record_call(session: Session, shop: Shop, call: Call, *, repeat_days: int, sla: Sla | None = None) -> Message:
    """Keep the call on the person's card and conversation (see the module); the stored message."""
    data = {
        "call": call.direction,
        "answered": call.answered,
        "duration": call.duration,
        "line": call.line,
        "recording_url": call.recording_url,
        "provider": call.provider,
    }
    text = f"📞 {call.duration // 60}:{call.duration % 60:02d}" if call.answered else "📞 ✗"
    provider_id = f"{call.provider}:{call.call_id}"
    if call.direction == "in":
        inbound = Inbound(
            channel="call",
            peer=normalize_phone(call.phone, shop.region),
            provider_id=provider_id,
            text=text,
            identities={"phone": call.phone},
            lead_channel="call",
            data=data,
        )
        return receive(session, shop, inbound, repeat_days=repeat_days, route_every=not call.answered, sla=sla)[1]
    return _outgoing(session, shop, call, provider_id, text, data)


def _outgoing(session: Session, shop: Shop, call: Call, provider_id: str, text: str, data: dict[str, Any]) -> Message:
    seen = session.scalars(select(Message).where(Message.channel == "call", Message.provider_id == provider_id)).first()
    if seen is not None:
        return seen
    actor = inbound_actor("inbound:call")
    phone = normalize_phone(call.phone, shop.region)
    card = customers.resolve(
        session, actor, customers.prepare(customers.CustomerIn(phone=call.phone), shop=shop, source="call")
    )
    now: datetime = shop.now()
    talk = session.scalars(
        select(Conversation).where(
            Conversation.channel == "call", Conversation.peer == phone, Conversation.status == "open"
        )
    ).first()
    if talk is None:
        talk = Conversation(channel="call", peer=phone, customer_id=card.customer_id, last_at=now, unread=0)
        session.add(talk)
    talk.last_at = now
    if call.answered:  # the person was reached: nothing waits for an answer any more
        talk.waiting_since, talk.sla_due_at, talk.escalated_at = None, None, None
        talk.first_reply_at = talk.first_reply_at or now
    session.flush()
    message = Message(conversation_id=talk.id, channel="call", direction="out", provider_id=provider_id, text=text,
                      attachments=[], data=data, at=now)  # fmt: skip
    session.add(message)
    session.flush()
    return message
