"""The demo chain's marketing, already under way: a seasonal sale campaign (two variants, a personal promo code, a 10 %
control group) launched five weeks before the data ends, and four triggered scenarios that have run for its last
month — their messages delivered (a few bounced), opened and clicked, and the purchases they brought — so the
campaign and scenario pages have a report to show the day the demo is built. Seeded like the rest of the demo;
run after the scores (the campaign's segment is a rule on them).

The purchases "brought" are drawn on top of the demo's own: a share of the recipients who got a message buy once
more within the window (the control groups never do), so the reports show an effect of a known size.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from klientura import campaigns, customers, segments
from klientura.audit import SYSTEM
from klientura.campaigns import OutboxEvent, OutboxMessage, Recipient, ScenarioEntry
from klientura.catalog import Product
from klientura.db import Session, insert_columns
from klientura.demo.orders import closing_time
from klientura.events import Event
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop
from klientura.loyalty import create_offer
from klientura.orders import LineIn, OrderIn, ingest_order

if TYPE_CHECKING:
    from klientura.analytics import Warehouse


def launch_time(as_of: date) -> datetime:
    """The campaign's launch: a Tuesday, 10:00 in Moscow, about five weeks before the data ends (its 14-day
    attribution window closed well before)."""
    day = as_of - timedelta(days=33)
    return datetime.combine(day - timedelta(days=(day.weekday() - 1) % 7), time(7, 0), tzinfo=UTC)


HTML = """<html><body><h2>{{ name }}, распродажа</h2>
<p>Скидка 15 % на всё по вашему коду <b>{{ promo_code }}</b> до конца месяца.</p>
{% if products %}<p>Вам может понравиться:</p><ul>{% for p in products %}<li>{{ p.name }} — {{ p.price | money }}</li>
{% endfor %}</ul>{% endif %}<p><a href="https://shop.example.ru/sale">Выбрать подарки</a></p>
<p style="font-size:small"><a href="{{ unsubscribe_url }}">Отписаться</a></p></body></html>"""
# how many of those who got the message buy once more because of it, and within how many days
UPLIFT = {"campaign": (0.08, 14), "welcome": (0.06, 14), "abandoned_cart": (0.10, 3), "birthday": (0.08, 7)}


def history(
    session: Session, wh: Warehouse, sending: campaigns.Sending, as_of: date, *, shop: Shop, seed: int = 42
) -> dict[str, int]:
    """Write the campaign and the scenarios' month; counts of what was written. Flushes; the caller commits."""
    rng = random.Random(seed + 3)
    launch, until = launch_time(as_of), closing_time(as_of)
    scenarios_since = until - timedelta(days=30)  # a month of scenarios, up to the end of the data
    catalogue = [(sku, price) for sku, price in session.execute(select(Product.sku, Product.price)) if price]
    seg = segments.create_segment(
        session,
        SYSTEM,
        wh,
        segments.SegmentIn(
            name="Активные и засыпающие",
            description="Жизненный цикл: активные и спящие — кого стоит позвать на распродаже",
            rule={"kind": "score", "field": "lifecycle", "op": "in", "value": ["active", "sleeping"]},
        ),
        as_of,
    )
    offer = create_offer(session, SYSTEM, {"name": "−15 % на распродаже", "discount_percent": 15})
    c = campaigns.create_campaign(
        session,
        SYSTEM,
        {
            "name": "Распродажа сезона",
            "segment_id": seg.id,
            "offer_id": offer.id,
            "holdout_share": 0.1,
            "attribution_days": 14,
            "variants": [
                {
                    "name": "A",
                    "subject": "{{ name }}, распродажа: −15 %",
                    "html": HTML,
                    "text": "{{ name }}, скидка 15 % по коду {{ promo_code }} до конца месяца.",
                },
                {
                    "name": "B",
                    "subject": "Только для вас, {{ name }}: код {{ promo_code }}",
                    "html": HTML,
                    "text": "{{ name }}, ваш личный код {{ promo_code }} даёт −15 % на всё.",
                },
            ],
        },
    )
    c.seed = f"demo-{seed}"  # the holdout and the variants drawn the same way each time the demo is built
    campaigns.launch(session, SYSTEM, c.id, launch, sending)
    counts = {"campaign_messages": _delivered(session, f"campaign:{c.id}", rng, until)}
    targets = session.execute(
        select(Recipient.customer_id).where(Recipient.campaign_id == c.id, Recipient.grp == "target")
    ).scalars()
    counts["campaign_orders"] = _bought(
        session, shop, rng, catalogue, [(cid, launch) for cid in targets], "campaign", until
    )
    for key in ("welcome", "abandoned_cart", "birthday", "feedback"):
        campaigns.update_scenario(session, SYSTEM, key, {"enabled": True}, scenarios_since).seed = f"demo-{seed}-{key}"
    counts["scenario_entries"] = 0
    for day in range(1, 31):  # as `klientura send` would have run them (every minute; a day at a time is the same)
        fired = campaigns.run_scenarios(session, scenarios_since + timedelta(days=day), sending)
        counts["scenario_entries"] += sum(sum(by_group.values()) for by_group in fired.values())
    for key in ("welcome", "abandoned_cart", "birthday", "feedback"):
        counts["scenario_messages"] = counts.get("scenario_messages", 0) + _delivered(
            session, f"scenario:{key}", rng, until
        )
        if key in UPLIFT:
            entries = session.execute(
                select(ScenarioEntry.customer_id, ScenarioEntry.at)
                .join(campaigns.Scenario, campaigns.Scenario.id == ScenarioEntry.scenario_id)
                .where(campaigns.Scenario.key == key, ScenarioEntry.grp == "target")
            ).all()
            counts["scenario_orders"] = counts.get("scenario_orders", 0) + _bought(
                session, shop, rng, catalogue, [(cid, at) for cid, at in entries], key, until
            )
    return counts


def _delivered(session: Session, source: str, rng: random.Random, until: datetime) -> int:
    """The messages of ``source`` as the sender and the tracking links would have left them: sent a few seconds
    after they were due (one e-mail in a hundred bounced: no such mailbox), a fifth of e-mails opened, a fifth of
    those clicked. Nothing happens after ``until`` (the demo's present)."""
    rows = session.execute(select(OutboxMessage).where(OutboxMessage.source == source)).scalars().all()
    steps: dict[str, list[Any]] = {"message_id": [], "status": [], "at": [], "detail": []}
    events: dict[str, list[Any]] = {
        k: [] for k in ("customer_id", "type", "channel", "payload", "occurred_at", "source", "external_id")
    }
    for m in rows:
        at = min(m.next_attempt_at + timedelta(seconds=rng.randint(1, 900)), until)
        m.attempts = 1
        if m.channel == "email" and rng.random() < 0.01:
            m.status, m.last_error = "failed", f"SMTP 550: 5.1.1 <{m.to}>: no such user"
            customers.mark_bounced(session, m.channel, m.to, m.last_error, at)
        else:
            m.status, m.sent_at, m.provider_id = "sent", at, f"<{m.key}@shop.example.ru>"
        for status in ("sending", m.status):
            steps["message_id"].append(m.id)
            steps["status"].append(status)
            steps["at"].append(at)
            steps["detail"].append(m.last_error if status == "failed" else m.provider_id if status == "sent" else None)
        if m.status == "sent" and m.channel == "email" and rng.random() < 0.2:
            kinds = ["opened", "clicked"] if rng.random() < 0.2 else ["opened"]
            for n, kind in enumerate(kinds):
                for name, value in (
                    ("customer_id", m.customer_id),
                    ("type", f"message_{kind}"),
                    ("channel", "email"),
                    ("payload", {"message": m.key, "source": source}),
                    ("occurred_at", min(at + timedelta(hours=rng.uniform(0.2, 30), minutes=n), until)),
                    ("source", "tracking"),
                    ("external_id", f"{kind}:{m.key}"),
                ):
                    events[name].append(value)
    session.flush()
    insert_columns(session, OutboxEvent, steps)
    insert_columns(session, Event, {**events, "created_at": events["occurred_at"]})
    return len(rows)


def _bought(
    session: Session,
    shop: Shop,
    rng: random.Random,
    catalogue: list[tuple[str, Any]],
    reached: list[tuple[int, datetime]],
    what: str,
    until: datetime,
) -> int:
    """One more purchase for a share of those reached, within the window after their message (one that would
    fall after ``until``, the demo's present, has not happened yet)."""
    share, days = UPLIFT[what]
    products = {p.sku: p for p in session.scalars(select(Product))}
    n = 0
    for cid, at in reached:
        if rng.random() >= share:
            continue
        basket = rng.sample(catalogue, rng.randint(1, 3))
        when = at + timedelta(hours=rng.uniform(2, days * 24 - 1))
        if when > until:
            continue
        try:
            ingest_order(
                session,
                SYSTEM,
                OrderIn(
                    external_id=f"M-{what}-{cid}-{at:%Y%m%d%H%M}",
                    source="eshop",
                    customer_id=cid,
                    outlet="eshop",
                    channel="eshop",
                    placed_at=when,
                    lines=[LineIn(sku=sku, qty=1, price=price) for sku, price in basket],
                ),
                looked_up=True,
                products=products,
                customer_resolved=True,
                shop=shop,
            )  # new ids, known cards
        except KlienturaError:  # a card merged away since: its person is counted through the survivor
            continue
        n += 1
    return n
