"""Everything held on one person, in one JSON document: the card (and the cards merged into it), identities,
consents with their history, values seen, tags, orders and returns, events, points, messages sent, conversations, segments, merges
and the audit log's entries about the card. The export is itself recorded (who exported whose data, when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from klientura import audit, campaigns, conversations, customers, events, loyalty, orders, segments
from klientura.audit import Actor, record
from klientura.auth import can, require
from klientura.db import Session


def _json(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def export_person(session: Session, actor: Actor, customer_id: int, at: datetime) -> dict[str, Any]:
    require(actor, "customers:read")
    card = customers.get_customer(session, actor, customer_id, follow_merge=False)
    cards = customers.cards_of_person(session, card.id)
    by_id = {o.id: o for cid in cards for o in orders.orders_of(session, actor, cid, limit=100_000)}
    order_rows = [by_id[k] for k in sorted(by_id)]  # a merged card's orders are its survivor's: once each
    out: dict[str, Any] = {
        "customer_id": card.id,
        "exported_at": at.isoformat(),
        # the twins merged into the card are the same person's: theirs to read with it, whoever owned them
        "cards": [_json(customers.to_read(session, customers.card_of(session, c) or card)) for c in cards],
        "values_seen": [
            {"field": v.field, "value": v.value, "source": v.source}
            for c in cards
            for v in customers.field_values(session, c)
        ],
        "consent_history": [
            _json(customers.ConsentEventRead.model_validate(e))
            for c in cards
            for e in customers.consent_history(session, actor, c)
        ],
        "orders": [_json(orders.OrderRead.model_validate(o)) for o in order_rows],
        "returns": [
            _json(orders.ReturnRead.model_validate(r)) for r in orders.returns_of(session, [o.id for o in order_rows])
        ],
        "events": [
            _json(events.EventRead.model_validate(e))
            for e in {e.id: e for c in cards for e in events.events_of(session, actor, c, limit=100_000)}.values()
        ],
        "loyalty": loyalty.account_view(session, actor, card.id, at) if can(actor, "loyalty:read") else None,
        "messages": campaigns.messages_to(session, cards),
        "conversations": conversations.conversations_of(session, cards),
        "surveys": conversations.surveys_of(session, cards),
        "segments": [{"id": s.id, "name": s.name} for s in segments.segments_of(session, card.id)],
        "merges": [
            {"id": m.id, "survivor_id": m.survivor_id, "merged_id": m.merged_id, "at": m.merged_at.isoformat()}
            for m in customers.merges_of(session, card.id)
        ],
        "audit": [
            {"at": e.at.isoformat(), "by": e.actor_name, "action": e.action, "before": e.before, "after": e.after}
            for e in audit.entries_about(session, "customer", cards)
        ],
    }
    record(session, actor, "customer.export", "customer", card.id, None, {"cards": cards})
    return out
