"""Triggered scenarios: each fires once per trigger, after its delay, only from when it was switched on; a purchase
cancels the abandoned-cart message; the control group, consent and the global control group hold as in campaigns."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import campaigns
from klientura.analytics import CustomerScore
from klientura.audit import SYSTEM
from klientura.campaigns import OutboxMessage, ScenarioEntry
from klientura.customers import Customer
from klientura.events import EventIn, record_event
from klientura.kit.errors import ValidationFailed
from tests import factories
from tests.campaigns.test_campaigns import SENDING
from tests.factories import SHOP

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # noon in Moscow
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def switch_on(session: Session, key: str, at: datetime, **extra: Any) -> None:
    campaigns.update_scenario(
        session,
        SYSTEM,
        key,
        {"enabled": True, "holdout_share": 0, "quiet_from": None, "quiet_until": None, **extra},
        at,
    )


def fired(session: Session, key: str) -> dict[int, str]:
    rows = session.execute(
        select(ScenarioEntry.customer_id, ScenarioEntry.grp)
        .join(campaigns.Scenario, campaigns.Scenario.id == ScenarioEntry.scenario_id)
        .where(campaigns.Scenario.key == key)
    )
    return dict(rows.all())


def event(session: Session, kind: str, cid: int, at: datetime) -> None:
    record_event(session, SYSTEM, EventIn(type=kind, customer_id=cid, occurred_at=at), shop=SHOP)


def test_every_scenario_starts_off_with_a_text_that_compiles(session: Session) -> None:
    found = campaigns.list_scenarios(session, SYSTEM)
    assert [s.key for s in found] == list(campaigns.SCENARIOS) and not any(s.enabled for s in found)
    for s in found:
        campaigns.update_scenario(session, SYSTEM, s.key, {}, T0)  # the ready texts pass the checks
    assert campaigns.run_scenarios(session, T0, SENDING) == {}  # nothing runs while off
    with pytest.raises(ValidationFailed, match="variant A, text"):
        campaigns.update_scenario(session, SYSTEM, "welcome", {"variants": [{"text": "{{ nmae }}"}]}, T0)


def test_an_abandoned_cart_waits_its_delay_and_a_purchase_cancels_it(session: Session) -> None:
    left = factories.customer(session, first_name="Анна", email="anna@example.com", consents={"email": True})
    bought = factories.customer(session, email="bob@example.com", consents={"email": True})
    earlier = factories.customer(session, email="old@example.com", consents={"email": True})
    event(session, "cart_abandoned", earlier, T0 - 5 * HOUR)  # before it was switched on: never
    switch_on(session, "abandoned_cart", T0)
    event(session, "cart_abandoned", left, T0 + HOUR)
    event(session, "cart_abandoned", bought, T0 + HOUR)
    factories.order(session, bought, at=T0 + 2 * HOUR)
    assert campaigns.run_scenarios(session, T0 + 3 * HOUR, SENDING)["abandoned_cart"]["target"] == 0  # 3 h not yet
    assert campaigns.run_scenarios(session, T0 + 5 * HOUR, SENDING)["abandoned_cart"]["target"] == 1
    assert campaigns.run_scenarios(session, T0 + 9 * HOUR, SENDING)["abandoned_cart"]["target"] == 0  # once
    assert fired(session, "abandoned_cart") == {left: "target"}
    (m,) = session.scalars(select(OutboxMessage).where(OutboxMessage.source == "scenario:abandoned_cart"))
    assert m.customer_id == left and m.next_attempt_at == T0 + 5 * HOUR
    sent = campaigns.compose(session, m, SENDING.links, {})
    assert sent.subject == "Анна, вы кое-что забыли в корзине" and sent.to == "anna@example.com"


def test_welcome_birthday_feedback_and_expiring_points(session: Session) -> None:
    for key in ("welcome", "birthday", "feedback", "expiring_points"):
        switch_on(session, key, T0)
    new = factories.customer(session, email="new@example.com", consents={"email": True})
    session.get_one(Customer, new).created_at = T0 + HOUR
    born = factories.customer(session, email="bday@example.com", consents={"email": True}, birth_date=date(1990, 11, 4))
    session.get_one(Customer, born).created_at = T0 - 400 * DAY
    buyer = factories.customer(session, email="buyer@example.com", consents={"email": True})
    session.get_one(Customer, buyer).created_at = T0 - 400 * DAY
    factories.order(session, buyer, at=T0 + 2 * HOUR)
    event(session, "points_expiring", buyer, T0 + 3 * HOUR)
    session.flush()
    campaigns.run_scenarios(session, T0 + 4 * HOUR, SENDING)
    assert set(fired(session, "welcome")) == {new} and set(fired(session, "expiring_points")) == {buyer}
    assert fired(session, "birthday") == {} and fired(session, "feedback") == {}
    campaigns.run_scenarios(session, T0 + 2 * DAY, SENDING)  # 4 November has begun in Moscow
    assert set(fired(session, "birthday")) == {born}
    assert fired(session, "feedback") == {}  # three days after the order: not yet
    campaigns.run_scenarios(session, T0 + 4 * DAY, SENDING)
    assert set(fired(session, "feedback")) == {buyer}
    assert set(fired(session, "birthday")) == {born}  # once a year
    assert set(fired(session, "welcome")) == {new}


def test_win_back_and_repeat_purchase_once_each(session: Session) -> None:
    switch_on(session, "win_back", T0 - DAY)
    switch_on(session, "repeat_purchase", T0 - DAY)
    sleeper = factories.customer(session, email="sleep@example.com", consents={"email": True})
    session.add(
        CustomerScore(customer_id=sleeper, as_of=T0.date(), temperature="cold", lifecycle="sleeping", recency_days=120)
    )
    regular = factories.customer(session, email="reg@example.com", consents={"email": True})
    for d in (0, 30, 60):
        factories.order(session, regular, at=T0 - 91 * DAY + d * DAY)
    session.flush()
    campaigns.run_scenarios(session, T0, SENDING)
    assert set(fired(session, "win_back")) == {sleeper} and set(fired(session, "repeat_purchase")) == {regular}
    campaigns.run_scenarios(session, T0 + DAY, SENDING)
    assert len(session.scalars(select(ScenarioEntry)).all()) == 2  # the same sleep, the same last order: once


def test_control_group_consent_and_global_control(session: Session) -> None:
    campaigns.set_global_control(session, SYSTEM, {"share": 0.1, "days": 90}, T0 - DAY)
    switch_on(session, "abandoned_cart", T0, holdout_share=0.3, delay_hours=0)
    people = [
        factories.customer(session, email=f"c{i}@example.com", consents={"email": i % 10 != 0}) for i in range(200)
    ]
    for cid in people:
        event(session, "cart_abandoned", cid, T0 + HOUR)
    counts = campaigns.run_scenarios(session, T0 + 2 * HOUR, SENDING)["abandoned_cart"]
    assert sum(counts.values()) == 200 and min(counts.values()) > 0
    groups = fired(session, "abandoned_cart")
    sent = {
        m.customer_id
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.source == "scenario:abandoned_cart"))
    }
    assert sent == {c for c, g in groups.items() if g == "target"}
    refused = {c for i, c in enumerate(people) if i % 10 == 0}
    assert all(groups[c] in ("skipped", "global") for c in refused)


def test_a_scenarios_report_counts_each_entrys_own_window(session: Session) -> None:
    switch_on(session, "feedback", T0, holdout_share=0.5, delay_hours=0, attribution_days=7)
    people = [factories.customer(session, email=f"f{i}@example.com", consents={"email": True}) for i in range(40)]
    for i, cid in enumerate(people):
        factories.order(session, cid, at=T0 + HOUR + i * HOUR, amount="100.00")  # each order fires one entry
    campaigns.run_scenarios(session, T0 + 2 * DAY, SENDING)
    groups = fired(session, "feedback")
    target = [c for c in people if groups[c] == "target"]
    control = [c for c in people if groups[c] == "control"]
    assert target and control
    for cid in target[:5]:
        factories.order(session, cid, at=T0 + 3 * DAY, amount="500.00")  # inside its window
    factories.order(session, control[0], at=T0 + 3 * DAY, amount="500.00")
    factories.order(session, control[1], at=T0 + 20 * DAY, amount="500.00")  # after its window
    r = campaigns.scenario_report(session, SYSTEM, "feedback", T0 + 30 * DAY, {"email": 1.0})
    # the order that fired an entry is not its effect: each window opens just after it
    assert r.overall.target.customers == len(target) and r.control.customers == len(control)
    assert (r.overall.target.revenue, r.overall.target.buyers, r.control.revenue) == (2500, 5, 500)
    assert r.overall.revenue.diff == pytest.approx((2500 / len(target) - 500 / len(control)) * len(target))
    assert r.delivery["queued"] == len(target) and r.cost == 0  # nothing sent yet


def test_many_triggers_go_in_batches_each_once(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from klientura.campaigns import scenarios

    monkeypatch.setattr(scenarios, "BATCH", 7)
    switch_on(session, "expiring_points", T0)
    people = [factories.customer(session, email=f"b{i}@example.com", consents={"email": True}) for i in range(20)]
    for cid in people:
        event(session, "points_expiring", cid, T0 + HOUR)
    assert campaigns.run_scenarios(session, T0 + 2 * HOUR, SENDING)["expiring_points"]["target"] == 20
    assert campaigns.run_scenarios(session, T0 + 3 * HOUR, SENDING)["expiring_points"]["target"] == 0
    assert set(fired(session, "expiring_points")) == set(people)
