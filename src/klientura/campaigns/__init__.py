"""Campaigns and triggered scenarios; for now the outbox every message goes through."""

from klientura.campaigns.audience import Choice, choose_channel, in_share
from klientura.campaigns.models import OutboxEvent, OutboxMessage
from klientura.campaigns.outbox import LEASE, Draft, claim, enqueue, history, outgoing, record
from klientura.campaigns.timing import over_cap, send_at, zone_of

__all__ = [
    "LEASE",
    "Choice",
    "Draft",
    "OutboxEvent",
    "OutboxMessage",
    "choose_channel",
    "claim",
    "enqueue",
    "history",
    "in_share",
    "outgoing",
    "over_cap",
    "record",
    "send_at",
    "zone_of",
]
