"""What became of a campaign's or a scenario's messages: per status, the providers' receipts, opens and clicks."""

from __future__ import annotations

from sqlalchemy import func, select

from klientura.campaigns.models import OutboxMessage
from klientura.db import Session
from klientura.events import count_events


def delivery_of(session: Session, source: str) -> tuple[dict[str, int], dict[str, int]]:
    """Messages of ``source`` per status, with the providers' receipts, opens and clicks; and sent per channel."""
    statuses = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.source == source)
            .group_by(OutboxMessage.status)
        ).all()
    )
    sent_by_channel = dict(
        session.execute(
            select(OutboxMessage.channel, func.count())
            .where(OutboxMessage.source == source, OutboxMessage.status == "sent")
            .group_by(OutboxMessage.channel)
        ).all()
    )
    delivery = {s: int(statuses.get(s, 0)) for s in ("queued", "sending", "sent", "failed")}
    reported = dict(
        session.execute(
            select(OutboxMessage.delivery, func.count())
            .where(OutboxMessage.source == source, OutboxMessage.delivery.is_not(None))
            .group_by(OutboxMessage.delivery)
        ).all()
    )
    # delivered and undelivered as the providers reported them later; opened and clicked from the tracking links
    delivery["delivered"] = int(reported.get("delivered", 0)) + int(reported.get("read", 0))
    delivery["undelivered"] = int(reported.get("failed", 0))
    for kind in ("opened", "clicked"):
        delivery[kind] = count_events(session, "tracking", f"{kind}:{source}:")
    return delivery, {k: int(v) for k, v in sent_by_channel.items()}


def progress(session: Session, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Messages per status of each campaign: {campaign id: {queued, sending, sent, failed}}."""
    sources = {f"campaign:{i}": i for i in campaign_ids}
    out = {i: dict.fromkeys(("queued", "sending", "sent", "failed"), 0) for i in campaign_ids}
    if sources:
        for source, status, n in session.execute(
            select(OutboxMessage.source, OutboxMessage.status, func.count())
            .where(OutboxMessage.source.in_(list(sources)))
            .group_by(OutboxMessage.source, OutboxMessage.status)
        ):
            out[sources[source]][status] = int(n)
    return out
