"""Delivering the outbox: one round claims due messages, commits the lease, sends each through its channel and
commits its status as soon as the provider has answered — a worker killed mid-round re-sends at most the messages
it had in flight, with their idempotency keys, once their lease runs out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from klientura import campaigns
from klientura.audit import SYSTEM, record
from klientura.channels import Channel, DeliveryResult, Throttle
from klientura.db import Session
from klientura.kit.errors import KlienturaError, ValidationFailed


def deliver(
    session: Session,
    channels: Mapping[str, Channel],
    clock: Callable[[], datetime],
    links: campaigns.Links | None = None,
    limit: int = 200,
    lease: timedelta = campaigns.LEASE,
    contents: dict[Any, campaigns.Content] | None = None,
    throttles: Mapping[str, Throttle] | None = None,
) -> dict[str, int]:
    """One round over the configured channels; the count of messages sent, to retry and failed. A campaign's
    message is rendered here from what its launch froze (``contents`` keeps the compiled templates between rounds);
    one that cannot be rendered fails with the reason."""
    claimed = campaigns.claim(session, limit, clock(), channels.keys(), lease)
    session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    cache = {} if contents is None else contents
    for message in claimed:
        try:
            if links is None and "variant" in (message.data or {}):
                raise ValidationFailed(campaigns.NO_PUBLIC_URL)
            outgoing = campaigns.compose(session, message, links or campaigns.Links("", ""), cache)
        except KlienturaError as exc:
            campaigns.record_delivery(
                session, message, DeliveryResult("failed", error=f"cannot render: {exc.detail}"), clock()
            )
            session.commit()
            counts["failed"] += 1
            continue
        if throttles and message.channel in throttles:
            throttles[message.channel].wait()  # the provider's pace (KLIENTURA_RATE_LIMITS)
        result = channels[message.channel].send(outgoing)
        campaigns.record_delivery(session, message, result, clock())
        session.commit()
        counts["sent" if result.ok else ("retry" if message.status == "queued" else "failed")] += 1
    return counts


def launch_due(session: Session, now: datetime, sending: campaigns.Sending) -> dict[int, str]:
    """Launch the scheduled campaigns whose time has come, each in its own transaction; one that cannot go (its
    segment emptied, say) goes back to a draft with the reason in the audit log. {campaign id: outcome}."""
    outcomes: dict[int, str] = {}
    for campaign_id in campaigns.due(session, now):
        try:
            c = campaigns.launch(session, SYSTEM, campaign_id, now, sending)
            outcomes[campaign_id] = f"launched: {c.plan.get('target', 0):,} messages"
        except KlienturaError as exc:
            session.rollback()
            campaigns.schedule(session, SYSTEM, campaign_id, None)
            record(session, SYSTEM, "campaign.launch_failed", "campaigns", campaign_id, None, {"reason": exc.detail})
            outcomes[campaign_id] = f"not launched: {exc.detail}"
        session.commit()
    return outcomes


def trigger_scenarios(session: Session, now: datetime, sending: campaigns.Sending) -> dict[str, dict[str, int]]:
    """One round of the switched-on scenarios, committed: triggers become messages (and entries for the report)."""
    fired = campaigns.run_scenarios(session, now, sending)
    session.commit()
    return fired
