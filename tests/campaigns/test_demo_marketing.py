"""The demo's marketing history: a launched campaign and a month of scenarios, delivered, with the purchases they
brought — the reports find the effect that was put there and nothing is left half-done."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from klientura import analytics, campaigns
from klientura.audit import SYSTEM
from klientura.campaigns import OutboxMessage, Recipient, ScenarioEntry
from klientura.customers import Customer, Identity
from klientura.db import make_session_factory, session_scope
from klientura.demo import build, marketing_history
from klientura.migrations import upgrade
from klientura.orders import Order
from tests.factories import SHOP

AS_OF = date(2026, 11, 15)
NOW = datetime(2026, 11, 29, tzinfo=UTC)

DEMO_END = date(2026, 11, 15)  # the day the demo's history ends (it is built on that day)


def test_the_demo_campaign_and_scenarios_show_what_was_put_there(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    factory = make_session_factory(url)
    with session_scope(factory) as s:
        build(s, end=DEMO_END, customers=3000, seed=7)
    analytics.sync(url, analytics.default_path(url), timezone="Europe/Moscow")
    sending = campaigns.Sending(campaigns.Links("http://127.0.0.1:8000", "demo-secret"), "Europe/Moscow", "ru", "RUB")
    with (
        session_scope(factory) as s,
        analytics.Warehouse(analytics.default_path(url), url, timezone="Europe/Moscow") as wh,
    ):
        analytics.recompute(s, SYSTEM, wh, as_of=AS_OF)
        made = marketing_history(s, wh, sending, AS_OF, seed=7, shop=SHOP)
    with session_scope(factory) as s:
        assert session_count(s, OutboxMessage.status.in_(("queued", "sending"))) == 0  # every message went
        ((c,), _next) = campaigns.list_campaigns(s, SYSTEM)
        r = campaigns.report(s, SYSTEM, c.id, NOW, {"email": 0.05, "sms": 3.0}, timezone="Europe/Moscow")
        assert r.complete and r.overall.target.customers == made["campaign_messages"]
        assert r.delivery["sent"] + r.delivery["failed"] == made["campaign_messages"] and r.delivery["opened"] > 0
        assert r.delivery["failed"] < 0.03 * made["campaign_messages"]  # the bounces
        assert 0.05 * len(set(made_targets(s, c.id))) < made["campaign_orders"] < 0.11 * len(set(made_targets(s, c.id)))
        brought = s.scalars(select(Order.customer_id).where(Order.external_id.like("M-campaign-%"))).all()
        assert len(brought) == made["campaign_orders"] and set(brought) <= set(made_targets(s, c.id))
        assert r.overall.target.orders >= len(brought) and r.overall.conversion.diff > 0  # found in the report
        bounced = s.scalar(select(func.count()).select_from(Identity).where(Identity.bounced_at.is_not(None)))
        assert bounced == session_count(s, OutboxMessage.status == "failed") > 0  # each bounce marked its address
        entries = dict(
            s.execute(
                select(campaigns.Scenario.key, func.count())
                .join(ScenarioEntry, ScenarioEntry.scenario_id == campaigns.Scenario.id)
                .group_by(campaigns.Scenario.key)
            ).all()
        )
        assert set(entries) == {"welcome", "abandoned_cart", "birthday", "feedback"}
        assert sum(entries.values()) == made["scenario_entries"]
        cart = campaigns.scenario_report(s, SYSTEM, "abandoned_cart", NOW, {})
        assert cart.overall.target.customers > 0 and cart.overall.conversion.diff > 0


def made_targets(s: object, campaign_id: int) -> list[int]:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    return list(
        s.scalars(select(Recipient.customer_id).where(Recipient.campaign_id == campaign_id, Recipient.grp == "target"))
    )


def session_count(s: object, condition: object) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    return int(s.scalar(select(func.count()).select_from(OutboxMessage).where(condition)) or 0)  # type: ignore[arg-type]


def test_the_demo_a_new_user_sees_first(tmp_path: Path) -> None:
    """Built on 10 March 2027: purchases run up to that day (the dashboard's last 30 days are a working shop), the
    newest cards are not the planted duplicates, the RFM map has customers in every F column and the temperature
    trend has a history of weekly points in which the base grows."""
    from datetime import timedelta

    from klientura.demo.orders import closing_time

    end = date(2027, 3, 10)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    factory = make_session_factory(url)
    with session_scope(factory) as s:
        summary = build(s, end=end, customers=3000, seed=3)
    with session_scope(factory) as s:
        last = s.scalar(select(func.max(Order.placed_at)))
        assert last is not None and end - timedelta(days=2) <= last.date() and last <= closing_time(end)
        in_last_month = s.scalar(select(func.count()).where(Order.placed_at >= closing_time(end - timedelta(days=30))))
        assert in_last_month and in_last_month > 100
        newest = set(s.scalars(select(Customer.id).order_by(Customer.id.desc()).limit(20)))
        planted = {dup for _orig, dup in summary.duplicate_pairs}
        assert len(newest & planted) <= 3, "the first page of the customer list is not a page of planted typos"
    analytics.sync(url, analytics.default_path(url), timezone="Europe/Moscow")
    with (
        session_scope(factory) as s,
        analytics.Warehouse(analytics.default_path(url), url, timezone="Europe/Moscow") as wh,
    ):
        analytics.recompute(s, SYSTEM, wh, as_of=end)
        analytics.backfill_snapshots(s, SYSTEM, wh, [end - timedelta(weeks=k) for k in (1, 2, 3)])
        grid = analytics.rfm_grid(wh, analytics.load_settings(s), end)
        trend = analytics.trend(s, "temperature", 90)
    assert {c["f"] for c in grid if c["customers"]} == {1, 2, 3, 4, 5}
    sizes = {}
    for day, _value, n in trend:
        sizes[day] = sizes.get(day, 0) + n
    assert sorted(sizes) == [end - timedelta(weeks=k) for k in (3, 2, 1, 0)]
    assert (
        list(sizes.values()) == sorted(sizes.values()) and sizes[end] == 3000
    )  # earlier weeks: the cards made since not counted
