"""Demo events: visits, carts, forms and opened messages — what makes a customer warm before they buy."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from klientura.db import Session, bulk_insert
from klientura.demo.people import DemoPerson
from klientura.events import Event

TYPES = (
    ("site_visit", 45),
    ("cart_add", 20),
    ("message_opened", 12),
    ("cart_abandoned", 10),
    ("form_submitted", 8),
    ("message_clicked", 5),
)
CHANNELS = {
    "site_visit": "site",
    "cart_add": "site",
    "cart_abandoned": "site",
    "form_submitted": "site",
    "message_opened": "email",
    "message_clicked": "email",
}


def write_events(
    session: Session, rng: random.Random, people: list[DemoPerson], non_buyers: set[int], end: datetime
) -> int:
    """Events for a third of the buyers and half of those who never bought (the warm ones)."""
    names, weights = zip(*TYPES, strict=True)
    rows: list[dict[str, Any]] = []
    for p in people:
        if rng.random() >= (0.5 if p.id in non_buyers else 0.33):
            continue
        start = datetime.combine(p.signup, time(10), tzinfo=UTC)
        span = max((end - start).total_seconds(), 3600.0)
        for kind in rng.choices(names, weights, k=1 + min(int(rng.expovariate(0.6)), 7)):
            rows.append(
                {
                    "customer_id": p.id,
                    "type": kind,
                    "channel": CHANNELS[kind],
                    "payload": {},
                    "occurred_at": start + timedelta(seconds=span * rng.random()),
                    "source": "demo",
                    "external_id": None,
                    "created_at": end,
                }
            )
    for i in range(0, len(rows), 20_000):
        bulk_insert(session, Event, rows[i : i + 20_000])
    return len(rows)
