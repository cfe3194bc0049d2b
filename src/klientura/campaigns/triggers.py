"""What fires each scenario between two moments: ``find(session, key, since, until, delay, zone)``.

A trigger is (customer, a key unique within the scenario, the moment it fired). A scenario with a delay fires for
what happened ``delay`` before: a cart left at 12:00 with a 3-hour delay fires at 15:00 — unless the customer has
bought since (the purchase cancels it).

- ``abandoned_cart``: a ``cart_abandoned`` event, no order by the customer after it; one per event.
- ``expiring_points``: a ``points_expiring`` event (written by the nightly loyalty run); one per event.
- ``welcome``: a new card (not merged away); one per customer.
- ``birthday``: the customer's birthday on the shop's calendar; one per customer and year.
- ``win_back``: the customer's lifecycle stage is ``sleeping`` (the nightly scores); one per sleep — the key is the
  day of the last purchase, so a customer who buys and falls asleep again is won back again.
- ``feedback``: a completed order (a review request after the delay); one per order.
- ``repeat_purchase``: as long since the last purchase as the customer's usual interval between purchases (two
  purchases at least; within a week after it is due); one per last order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from klientura.analytics import in_lifecycle
from klientura.customers import born_on, created_between
from klientura.db import Session
from klientura.events import events_between
from klientura.orders import last_purchases, placed_between, purchase_rhythms


@dataclass(frozen=True)
class Trigger:
    customer_id: int
    key: str
    at: datetime


def _events(session: Session, kind: str, since: datetime, until: datetime) -> list[Trigger]:
    return [Trigger(cid, f"event:{eid}", at) for eid, cid, at in events_between(session, kind, since, until)]


def _abandoned(session: Session, since: datetime, until: datetime, delay: timedelta) -> list[Trigger]:
    found = _events(session, "cart_abandoned", since - delay, until - delay)
    if not found:
        return []
    last = last_purchases(session, [t.customer_id for t in found])
    return [
        Trigger(t.customer_id, t.key, t.at + delay)
        for t in found
        if last.get(t.customer_id) is None or last[t.customer_id] <= t.at
    ]


def _welcome(session: Session, since: datetime, until: datetime, delay: timedelta) -> list[Trigger]:
    rows = created_between(session, since - delay, until - delay)
    return [Trigger(cid, f"customer:{cid}", at + delay) for cid, at in rows]


def _birthdays(session: Session, since: datetime, until: datetime, zone: ZoneInfo) -> list[Trigger]:
    first, last = since.astimezone(zone).date() + timedelta(days=1), until.astimezone(zone).date()
    out: list[Trigger] = []
    day = first
    while day <= last and (day - first).days < 366:
        rows = session.scalars(born_on(day.month, [day.day]))
        at = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        out.extend(Trigger(cid, f"birthday:{cid}:{day.year}", at) for cid in rows)
        day += timedelta(days=1)
    return out


def _sleeping(session: Session, until: datetime) -> list[Trigger]:
    out = []
    for cid, as_of, recency in in_lifecycle(session, "sleeping"):
        last: date = as_of - timedelta(days=recency or 0)
        out.append(Trigger(cid, f"sleeping:{cid}:{last.isoformat()}", until))
    return out


def _orders(session: Session, since: datetime, until: datetime, delay: timedelta) -> list[Trigger]:
    rows = placed_between(session, since - delay, until - delay)
    return [Trigger(cid, f"order:{oid}", at + delay) for oid, cid, at in rows]


def _due_again(session: Session, until: datetime) -> list[Trigger]:
    """Customers whose usual interval (first to last purchase over the purchases between) has passed since the last
    one, by at most a week."""
    out = []
    for cid, first, last, n, last_id in purchase_rhythms(session):
        usual = (last - first) / (n - 1)
        if cid is not None and usual >= timedelta(days=1) and last + usual <= until < last + usual + timedelta(days=7):
            out.append(Trigger(cid, f"repeat:{cid}:{last_id}", last + usual))
    return out


def find(
    session: Session, key: str, since: datetime, until: datetime, delay: timedelta, zone: ZoneInfo
) -> list[Trigger]:
    if key == "abandoned_cart":
        return _abandoned(session, since, until, delay)
    if key == "expiring_points":
        return [
            Trigger(t.customer_id, t.key, t.at + delay)
            for t in _events(session, "points_expiring", since - delay, until - delay)
        ]
    if key == "welcome":
        return _welcome(session, since, until, delay)
    if key == "birthday":
        return _birthdays(session, since, until, zone)
    if key == "win_back":
        return _sleeping(session, until)
    if key == "feedback":
        return _orders(session, since, until, delay)
    if key == "repeat_purchase":
        return _due_again(session, until)
    raise ValueError(f"no scenario {key!r}")
