"""The campaign report end to end: delivery, opens and clicks, target against control inside the attribution
window (returns netted, margin after the cost of goods), the incremental revenue and its interval, ROI after the
messages' cost, per variant, and the cumulative chart's series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import campaigns, dedup
from klientura.audit import SYSTEM
from klientura.campaigns import OutboxMessage, Recipient
from klientura.catalog import ProductIn, upsert_product
from klientura.channels import DeliveryResult
from klientura.events import Event
from klientura.kit.errors import Conflict
from klientura.orders import LineIn, OrderIn, ReturnIn, create_return, ingest_order
from klientura.wiring import merge_hooks
from tests import factories
from tests.campaigns.test_campaigns import SENDING, segment
from tests.factories import SHOP

LAUNCH = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # noon in Moscow: no waiting for the morning


def buy(session: Session, cid: int, at: datetime, qty: int = 1) -> int:
    data = OrderIn(
        external_id=f"R-{cid}-{at:%d%H%M}",
        customer_id=cid,
        placed_at=at,
        outlet="Магазин",
        lines=[LineIn(sku="TEA", qty=Decimal(qty), price=Decimal(1000))],
    )
    return ingest_order(session, SYSTEM, data, shop=SHOP).order.id


@pytest.fixture
def launched(session: Session) -> dict[str, Any]:
    upsert_product(session, SYSTEM, ProductIn(sku="TEA", name="Чай", price=Decimal(1000), cost=Decimal(600)))
    ids = [factories.customer(session, email=f"r{i}@example.com", consents={"email": True}) for i in range(40)]
    c = campaigns.create_campaign(
        session,
        SYSTEM,
        {
            "name": "Отчёт",
            "segment_id": segment(session, ids),
            "holdout_share": 0.5,
            "attribution_days": 7,
            "variants": [{"name": "A", "subject": "s", "text": "a"}, {"name": "B", "subject": "s", "text": "b"}],
        },
    )
    campaigns.launch(session, SYSTEM, c.id, LAUNCH, SENDING)
    rows = session.scalars(select(Recipient).where(Recipient.campaign_id == c.id)).all()
    return {
        "campaign": c,
        "target": sorted(r.customer_id for r in rows if r.grp == "target"),
        "control": sorted(r.customer_id for r in rows if r.grp == "control"),
        "variant": {r.customer_id: r.variant for r in rows},
    }


def test_the_report_counts_what_happened_inside_the_window(session: Session, launched: dict[str, Any]) -> None:
    c, target, control = launched["campaign"], launched["target"], launched["control"]
    assert len(target) >= 8 and len(control) >= 8
    day = timedelta(days=1)
    # target: four buyers, one buying twice, one returning half; control: two buyers
    buy(session, target[0], LAUNCH + day)
    buy(session, target[0], LAUNCH + 3 * day, qty=2)
    buy(session, target[1], LAUNCH + 2 * day)
    returned = buy(session, target[2], LAUNCH + 2 * day, qty=2)
    create_return(
        session,
        SYSTEM,
        returned,
        ReturnIn(external_id="V-1", returned_at=LAUNCH + 4 * day, lines=[{"line_no": 1, "qty": 1}]),
    )
    buy(session, target[3], LAUNCH + 6 * day)
    buy(session, control[0], LAUNCH + day)
    buy(session, control[1], LAUNCH + 5 * day)
    buy(session, target[4], LAUNCH - day)  # before the launch
    buy(session, target[5], LAUNCH + 8 * day)  # after the window
    buy(session, factories.customer(session), LAUNCH + day)  # not in the campaign
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"campaign:{c.id}")).all()
    for m in messages[:-2]:
        campaigns.record_delivery(session, m, DeliveryResult("sent", provider_id="x"), LAUNCH)
    campaigns.record_delivery(session, messages[-1], DeliveryResult("failed", error="550"), LAUNCH)
    for kind, m in (("opened", messages[0]), ("opened", messages[1]), ("clicked", messages[0])):
        session.add(
            Event(
                customer_id=m.customer_id,
                type=f"message_{kind}",
                source="tracking",
                external_id=f"{kind}:{m.key}",
                occurred_at=LAUNCH + day,
            )
        )
    session.flush()

    r = campaigns.report(session, SYSTEM, c.id, LAUNCH + 10 * day, {"email": 2.0}, timezone="Europe/Moscow")
    assert r.complete and r.end == LAUNCH + 7 * day
    assert r.delivery == {
        "queued": 1,
        "sending": 0,
        "sent": len(messages) - 2,
        "failed": 1,
        "opened": 2,
        "clicked": 1,
        "delivered": 0,
        "undelivered": 0,
    }
    t, ctl = r.overall.target, r.control
    # 1000 + 2000 + 1000 + (2000 - 1000 returned) + 1000; cost of goods 600 a unit (the return's unit too, as the KPIs do)
    assert (t.customers, t.buyers, t.orders, t.revenue) == (len(target), 4, 5, 6000.0)
    assert t.margin == 6000.0 - 600 * 7
    assert (ctl.customers, ctl.buyers, ctl.orders, ctl.revenue, ctl.margin) == (len(control), 2, 2, 2000.0, 800.0)
    per_t, per_c = 6000 / len(target), 2000 / len(control)
    assert r.overall.revenue.diff == pytest.approx((per_t - per_c) * len(target))
    assert r.overall.revenue.low < r.overall.revenue.diff < r.overall.revenue.high
    assert r.overall.conversion.diff == pytest.approx(4 / len(target) - 2 / len(control))
    assert r.cost == 2.0 * (len(messages) - 2)
    assert r.roi == pytest.approx((r.overall.margin.diff - r.cost) / r.cost)
    assert {v.name for v in r.variants} == {"A", "B"}
    assert sum(v.target.revenue for v in r.variants) == 6000.0
    assert (r.daily[0]["day"], r.daily[-1]["day"]) == ("2026-11-02", "2026-11-09")  # noon to noon, Moscow
    assert r.daily[-1]["target"] == pytest.approx(per_t, abs=1e-3) and r.daily[-1]["control"] == pytest.approx(per_c)


def test_a_report_mid_window_and_before_launch(session: Session, launched: dict[str, Any]) -> None:
    c = launched["campaign"]
    buy(session, launched["target"][0], LAUNCH + timedelta(days=5))
    early = campaigns.report(session, SYSTEM, c.id, LAUNCH + timedelta(days=2), {}, timezone="Europe/Moscow")
    assert not early.complete and early.overall.target.revenue == 0 and len(early.daily) == 3
    assert early.roi is None  # nothing sent, no cost
    draft = campaigns.create_campaign(
        session, SYSTEM, {"name": "Черновик", "segment_id": c.segment_id, "variants": [{"text": "x"}]}
    )
    with pytest.raises(Conflict, match="has not been launched"):
        campaigns.report(session, SYSTEM, draft.id, LAUNCH, {}, timezone="Europe/Moscow")


def test_a_recipient_whose_card_is_merged_keeps_its_orders(session: Session, launched: dict[str, Any]) -> None:
    """A merge moves a card's orders to the survivor: the report follows the person, chains of merges too, and
    counts a person once when both cards were recipients."""
    c, target, control = launched["campaign"], launched["target"], launched["control"]
    day = timedelta(days=1)
    twin, third = factories.customer(session), factories.customer(session)  # outside the campaign
    buy(session, target[0], LAUNCH + day)  # on the recipient's own card, moved by the merge
    dedup.merge(session, SYSTEM, twin, target[0], hooks=merge_hooks())
    buy(session, twin, LAUNCH + 2 * day)
    buy(session, twin, LAUNCH - day)  # before the launch
    dedup.merge(session, SYSTEM, third, twin, hooks=merge_hooks())  # and the survivor merged in its turn
    buy(session, third, LAUNCH + 3 * day)
    dedup.merge(session, SYSTEM, control[0], control[1], hooks=merge_hooks())  # two recipients, one person
    buy(session, control[0], LAUNCH + day)
    skipped = factories.customer(session)  # a recipient never reachable: skipped at the launch
    session.add(Recipient(campaign_id=c.id, customer_id=skipped, grp="skipped", reason="no email address"))
    buy(session, target[2], LAUNCH + 4 * day)
    dedup.merge(
        session, SYSTEM, skipped, target[2], hooks=merge_hooks()
    )  # the survivor is no comparison's: the target keeps the order
    buy(session, target[1], LAUNCH + day)
    r = campaigns.report(session, SYSTEM, c.id, LAUNCH + 10 * day, {}, timezone="Europe/Moscow")
    assert (r.overall.target.buyers, r.overall.target.orders, r.overall.target.revenue) == (3, 5, 5000.0)
    assert (r.control.customers, r.control.buyers, r.control.orders) == (len(control), 1, 1)


def test_the_campaigns_of_a_period_credited_and_added(session: Session, launched: dict[str, Any]) -> None:
    """What the end-to-end analytics sets beside the sources: per campaign launched in the period with a control
    group, everything its recipients bought in the window (credited) and what they bought over the control group
    (added), with the interval; none held out, or launched outside the period: not listed."""
    c, target, control = launched["campaign"], launched["target"], launched["control"]
    day = timedelta(days=1)
    for cid in target[:6]:
        buy(session, cid, LAUNCH + day, qty=3)
    buy(session, control[0], LAUNCH + day)
    ids = [factories.customer(session, email=f"n{i}@example.com", consents={"email": True}) for i in range(10)]
    bare = campaigns.create_campaign(session, SYSTEM, {"name": "Без контроля", "segment_id": segment(session, ids, "Другие"),
                                                       "holdout_share": 0, "variants": [{"text": "x"}]})  # fmt: skip
    campaigns.launch(session, SYSTEM, bare.id, LAUNCH + day, SENDING)
    now = LAUNCH + 10 * day
    found = campaigns.earned_between(session, SYSTEM, LAUNCH - day, LAUNCH + 5 * day, now=now, costs={},
                                     timezone="Europe/Moscow")  # fmt: skip
    assert [e.campaign_id for e in found] == [c.id]
    (e,) = found
    assert (e.target, e.control, e.attributed, e.complete) == (len(target), len(control), 18_000.0, True)
    assert e.incremental.diff == pytest.approx((18_000 / len(target) - 1000 / len(control)) * len(target))
    assert e.bounds is not None and e.bounds[0] < e.incremental.diff < e.bounds[1]
    assert e.verdict == ("added" if e.bounds[0] > 0 else "unclear")
    assert campaigns.earned_between(session, SYSTEM, LAUNCH + day, LAUNCH + 5 * day, now=now, costs={},
                                    timezone="Europe/Moscow") == []  # fmt: skip
