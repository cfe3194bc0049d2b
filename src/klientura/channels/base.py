"""One protocol for every channel: ``send(message) -> DeliveryResult``, one adapter per provider.

A message carries its idempotency key (the outbox row's): an adapter passes it to the provider in the form the
provider understands (an SMTP ``Message-ID``, an HTTP ``Idempotency-Key`` header), so a message the worker sends
again after a crash is recognised as the same one. The result says what the worker should do next: ``sent`` (with
the provider's id), ``retry`` (a temporary failure, with the delay the provider asked for, if any) or ``failed``
(permanent — the recipient is not tried again; ``bounce`` when it is the address itself that is bad: no such
mailbox, a wrong number, a chat that blocked the bot — campaigns then leave the address alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Status = Literal["sent", "retry", "failed"]


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # idempotency key: the same message sent twice carries the same key
    to: str  # an e-mail address, a phone in E.164, a Telegram chat id, a webhook's customer reference
    subject: str = ""
    text: str = ""
    html: str | None = None
    unsubscribe_url: str | None = None  # one-click unsubscribe (RFC 8058) where the channel has it
    data: dict[str, Any] = field(default_factory=dict)  # channel-specific extras (a webhook's payload)


@dataclass(frozen=True)
class DeliveryResult:
    status: Status
    provider_id: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, when the provider said
    bounce: bool = False  # failed because of the address itself (no such mailbox, a wrong number, a chat gone)

    @property
    def ok(self) -> bool:
        return self.status == "sent"


class Channel(Protocol):
    kind: str  # email | sms | telegram | webhook

    def send(self, message: OutgoingMessage) -> DeliveryResult: ...

    def close(self) -> None: ...
