"""Events a customer performs: visits, carts, forms, calls, reviews, message opens and clicks."""

from klientura.events.keeping import erase_payloads
from klientura.events.merging import EventsMerge
from klientura.events.models import Event
from klientura.events.schemas import EVENT_TYPES, EventIn, EventRead
from klientura.events.service import count_events, events_between, events_of, record_event, record_known_event

__all__ = [
    "EVENT_TYPES",
    "Event",
    "EventIn",
    "EventRead",
    "EventsMerge",
    "count_events",
    "erase_payloads",
    "events_between",
    "events_of",
    "record_event",
    "record_known_event",
]
