"""Campaigns and triggered scenarios; for now the outbox every message goes through."""

from klientura.campaigns.models import OutboxEvent, OutboxMessage
from klientura.campaigns.outbox import LEASE, Draft, claim, enqueue, history, outgoing, record

__all__ = ["LEASE", "Draft", "OutboxEvent", "OutboxMessage", "claim", "enqueue", "history", "outgoing", "record"]
