"""Delivering the outbox: one round claims due messages, commits the lease, sends each through its channel and
commits its status as soon as the provider has answered — a worker killed mid-round re-sends at most the messages
it had in flight, with their idempotency keys, once their lease runs out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from klientura import campaigns
from klientura.channels import Channel
from klientura.db import Session


def deliver(session: Session, channels: Mapping[str, Channel], clock: Callable[[], datetime], limit: int = 200,
            lease: timedelta = campaigns.LEASE) -> dict[str, int]:  # fmt: skip
    """One round over the configured channels; the count of messages sent, to retry and failed."""
    claimed = campaigns.claim(session, limit, clock(), channels.keys(), lease)
    session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for message in claimed:
        result = channels[message.channel].send(campaigns.outgoing(message))
        campaigns.record(session, message, result, clock())
        session.commit()
        counts["sent" if result.ok else ("retry" if message.status == "queued" else "failed")] += 1
    return counts
