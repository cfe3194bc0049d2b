"""What a campaign earned: delivery, opens and clicks; then target against control within the attribution window —
conversion, revenue and margin per customer, the incremental revenue and margin with confidence intervals and
p-values, the ROI after what the messages cost. Per A/B variant too (each variant's recipients against the whole
control group: the holdout is drawn independently of the variant).

Revenue is what the customers paid net of returns of those orders, margin is revenue less the cost of the goods
(the same definitions as the KPIs). Orders count from the launch (for both groups: the control group has no send
time; a message held to the end of the quiet hours starts its window a little late) for ``attribution_days``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from klientura.audit import Actor
from klientura.auth import require
from klientura.campaigns.errors import NEVER_RAN, NOT_LAUNCHED
from klientura.campaigns.models import Campaign, OutboxMessage, Recipient, Scenario, ScenarioEntry
from klientura.campaigns.schemas import ComparisonOut, DifferenceOut, FiguresOut, ReportOut
from klientura.campaigns.service import get_campaign
from klientura.campaigns.stats import Difference, proportions, welch
from klientura.catalog import Product
from klientura.customers import Customer
from klientura.db import Session, in_chunks
from klientura.events import Event
from klientura.kit.errors import Conflict
from klientura.orders import Order, OrderLine, Return


@dataclass(frozen=True)
class Figures:
    customers: int
    buyers: int
    orders: int
    revenue: float
    margin: float

    @property
    def conversion(self) -> float:
        return self.buyers / self.customers if self.customers else 0.0

    @property
    def revenue_per_customer(self) -> float:
        return self.revenue / self.customers if self.customers else 0.0


@dataclass(frozen=True)
class Comparison:
    name: str  # "all" or the variant's name
    target: Figures
    conversion: Difference  # difference in shares
    revenue: Difference  # incremental revenue over the target group (diff per customer x customers)
    margin: Difference


@dataclass(frozen=True)
class Report:
    campaign_id: int
    start: datetime
    end: datetime
    complete: bool  # the attribution window is over
    delivery: dict[str, int]  # queued, sending, sent, failed, opened, clicked
    control: Figures
    overall: Comparison
    variants: list[Comparison]
    cost: float  # what the sent messages cost
    roi: float | None  # (incremental margin - cost) / cost
    daily: list[dict[str, float | str]] = field(default_factory=list)  # cumulative revenue per customer by day

    @property
    def roi_interval(self) -> tuple[float, float] | None:
        """The ROI's 95 % interval, from the incremental margin's; None without a cost or an interval."""
        m = self.overall.margin
        if self.cost <= 0 or not (math.isfinite(m.low) and math.isfinite(m.high)):
            return None
        return (m.low - self.cost) / self.cost, (m.high - self.cost) / self.cost


def _sales() -> Any:
    """(customer, placed_at, revenue net of the order's returns, cost of its goods) of completed orders: the KPIs'
    definitions; callers add which customers and when."""
    returned = select(func.coalesce(func.sum(Return.amount), 0)).where(Return.order_id == Order.id).scalar_subquery()
    cost = (select(func.coalesce(func.sum(OrderLine.qty * Product.cost), 0))
            .join(Product, Product.id == OrderLine.product_id).where(OrderLine.order_id == Order.id).scalar_subquery())  # fmt: skip
    return select(Order.customer_id, Order.placed_at, Order.paid - returned, cost).where(Order.status == "completed")


def _orders(
    session: Session, campaign: Campaign, start: datetime, end: datetime
) -> list[tuple[int, datetime, float, float]]:
    """(customer, placed_at, net revenue, cost of goods) of the orders of target and control customers in the window."""
    rows = session.execute(
        _sales()
        .join(Recipient, Recipient.customer_id == Order.customer_id)
        .where(Recipient.campaign_id == campaign.id, Recipient.grp.in_(("target", "control")),
               Order.placed_at >= start, Order.placed_at < end)
    )  # fmt: skip
    out = [(cid, at, float(Decimal(net)), float(Decimal(c))) for cid, at, net, c in rows if cid is not None]
    moved = _survivors(session, select(Recipient.customer_id, Customer.merged_into_id)
                       .join(Customer, Customer.id == Recipient.customer_id)
                       .where(Recipient.campaign_id == campaign.id, Recipient.grp.in_(("target", "control")),
                              Customer.merged_into_id.is_not(None)))  # fmt: skip
    if moved:  # a recipient's card merged since: its orders are the survivor's now, unless it is compared itself
        mine = {cid for part in in_chunks(session, sorted(set(moved.values()))) for cid in session.scalars(
            select(Recipient.customer_id).where(Recipient.campaign_id == campaign.id, part.of(Recipient.customer_id),
                                                Recipient.grp.in_(("target", "control"))))}  # fmt: skip
        heir = {root: card for card, root in sorted(moved.items(), reverse=True) if root not in mine}
        out += [(heir[root], at, net, c) for root, at, net, c in _sales_of(session, list(heir), start, end)]
    return out


def _sales_of(
    session: Session, cards: list[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, float, float]]:
    """(customer, placed_at, net revenue, cost of goods) of these cards' orders from ``start`` until ``end``."""
    return [(cid, at, float(Decimal(net)), float(Decimal(c))) for part in in_chunks(session, cards)
            for cid, at, net, c in session.execute(_sales().where(part.of(Order.customer_id), Order.placed_at >= start,
                                                                  Order.placed_at < end)) if cid is not None]  # fmt: skip


def _survivors(session: Session, merged: Any) -> dict[int, int]:
    """{card: the card it lives on now} for the cards of ``merged`` — a query of (card, merged into) — with chains of
    merges followed: a merge moves the card's orders to the survivor."""
    into = {card: first for card, first in session.execute(merged)}
    further: dict[int, int] = {}
    ahead = set(into.values())
    while ahead:  # the survivor merged in its turn: rare, a few cards
        step: dict[int, int] = {a: b for part in in_chunks(session, sorted(ahead)) for a, b in session.execute(
            select(Customer.id, Customer.merged_into_id).where(part.of(Customer.id), Customer.merged_into_id.is_not(None)))
            if b is not None}  # fmt: skip
        further.update(step)
        ahead = set(step.values()) - set(further)

    def root(card: int) -> int:
        while card in further:
            card = further[card]
        return card

    return {card: root(first) for card, first in into.items()}


def _delivery(session: Session, source: str) -> tuple[dict[str, int], dict[str, int]]:
    """Messages of ``source`` per status, with the providers' receipts, opens and clicks; and sent per channel."""
    statuses = dict(session.execute(select(OutboxMessage.status, func.count()).where(OutboxMessage.source == source)
                                    .group_by(OutboxMessage.status)).all())  # fmt: skip
    sent_by_channel = dict(session.execute(
        select(OutboxMessage.channel, func.count()).where(OutboxMessage.source == source, OutboxMessage.status == "sent")
        .group_by(OutboxMessage.channel)).all())  # fmt: skip
    delivery = {s: int(statuses.get(s, 0)) for s in ("queued", "sending", "sent", "failed")}
    _receipts(session, source, delivery)
    return delivery, {k: int(v) for k, v in sent_by_channel.items()}


def _receipts(session: Session, source: str, delivery: dict[str, int]) -> None:
    """Delivered and undelivered as the providers reported them later; opened and clicked from the tracking links."""
    reported = dict(session.execute(select(OutboxMessage.delivery, func.count()).where(
        OutboxMessage.source == source, OutboxMessage.delivery.is_not(None)).group_by(OutboxMessage.delivery)).all())  # fmt: skip
    delivery["delivered"] = int(reported.get("delivered", 0)) + int(reported.get("read", 0))
    delivery["undelivered"] = int(reported.get("failed", 0))
    for kind in ("opened", "clicked"):
        delivery[kind] = int(session.scalar(select(func.count()).select_from(Event).where(
            Event.source == "tracking", Event.external_id.like(f"{kind}:{source}:%"))) or 0)  # fmt: skip


def _figures(ids: set[int], per: Mapping[int, list[tuple[datetime, float, float]]]) -> Figures:
    bought = [per[c] for c in ids if c in per]
    return Figures(len(ids), len(bought), sum(len(b) for b in bought), sum(r for b in bought for _a, r, _m in b),
                   sum(r - m for b in bought for _a, r, m in b))  # fmt: skip


def _compare(name: str, target: set[int], control: set[int], per: Mapping[int, list[tuple[datetime, float, float]]],
             ctl: Figures) -> Comparison:  # fmt: skip
    fig = _figures(target, per)

    def values(ids: set[int], margin: bool) -> list[float]:
        return [sum(r - m if margin else r for _a, r, m in per[c]) for c in ids if c in per]

    n_t, n_c = len(target), len(control)
    return Comparison(
        name, fig, proportions(fig.buyers, n_t, ctl.buyers, n_c),
        welch(values(target, False), values(control, False), n_t, n_c).scaled(n_t),
        welch(values(target, True), values(control, True), n_t, n_c).scaled(n_t),
    )  # fmt: skip


def _daily(start: datetime, end: datetime, zone: ZoneInfo, groups: Mapping[str, set[int]],
           per: Mapping[int, list[tuple[datetime, float, float]]]) -> list[dict[str, float | str]]:  # fmt: skip
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    by_day: dict[str, dict[date, float]] = {g: defaultdict(float) for g in groups}
    for g, ids in groups.items():
        for c in ids:
            for at, revenue, _m in per.get(c, ()):
                by_day[g][at.astimezone(zone).date()] += revenue
    out, running = [], dict.fromkeys(groups, 0.0)
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        row: dict[str, float | str] = {"day": day.isoformat()}
        for g, ids in groups.items():
            running[g] += by_day[g].get(day, 0.0)
            row[g] = round(running[g] / len(ids), 4) if ids else 0.0
        out.append(row)
    return out


def report(session: Session, actor: Actor, campaign_id: int, now: datetime, costs: Mapping[str, float],
           timezone: str = "Europe/Moscow") -> Report:  # fmt: skip
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.launched_at is None:
        raise Conflict(NOT_LAUNCHED, id=campaign_id)
    start = campaign.launched_at
    end = start + timedelta(days=campaign.attribution_days)
    groups: dict[str, set[int]] = {"target": set(), "control": set()}
    by_variant: dict[str, set[int]] = defaultdict(set)
    for cid, grp, variant in session.execute(select(Recipient.customer_id, Recipient.grp, Recipient.variant).where(
            Recipient.campaign_id == campaign.id, Recipient.grp.in_(("target", "control")))):  # fmt: skip
        groups[grp].add(cid)
        if grp == "target" and variant is not None:
            by_variant[variant].add(cid)
    per: dict[int, list[tuple[datetime, float, float]]] = defaultdict(list)
    for cid, at, net, cost in _orders(session, campaign, start, min(end, now)):
        per[cid].append((at, net, cost))
    ctl = _figures(groups["control"], per)
    overall = _compare("all", groups["target"], groups["control"], per, ctl)
    variants = [_compare(v, ids, groups["control"], per, ctl) for v, ids in sorted(by_variant.items())] if len(by_variant) > 1 else []  # fmt: skip
    delivery, sent = _delivery(session, f"campaign:{campaign.id}")
    cost = sum(n * float(costs.get(ch, 0)) for ch, n in sent.items())
    roi = (overall.margin.diff - cost) / cost if cost > 0 else None
    daily = _daily(start, min(end, max(now, start)), ZoneInfo(timezone), groups, per)
    return Report(campaign.id, start, end, now >= end, delivery, ctl, overall, variants, round(cost, 2), roi, daily)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _difference(d: Difference) -> DifferenceOut:
    return DifferenceOut(target=d.target, control=d.control, diff=d.diff, low=_finite(d.low), high=_finite(d.high),
                         p_value=d.p_value, significant=d.significant)  # fmt: skip


def _figures_out(f: Figures) -> FiguresOut:
    return FiguresOut(customers=f.customers, buyers=f.buyers, orders=f.orders, revenue=f.revenue, margin=f.margin,
                      conversion=f.conversion, revenue_per_customer=f.revenue_per_customer)  # fmt: skip


def _comparison(c: Comparison) -> ComparisonOut:
    return ComparisonOut(name=c.name, target=_figures_out(c.target), conversion=_difference(c.conversion),
                         revenue=_difference(c.revenue), margin=_difference(c.margin))  # fmt: skip


def report_out(r: Report) -> ReportOut:
    """The report as the API sends it (infinite bounds, which JSON cannot carry, as null)."""
    return ReportOut(campaign_id=r.campaign_id, start=r.start, end=r.end, complete=r.complete, delivery=r.delivery,
                     control=_figures_out(r.control), overall=_comparison(r.overall),
                     variants=[_comparison(v) for v in r.variants], cost=r.cost, roi=r.roi, daily=r.daily)  # fmt: skip


def progress(session: Session, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Messages per status of each campaign: {campaign id: {queued, sending, sent, failed}}."""
    sources = {f"campaign:{i}": i for i in campaign_ids}
    out = {i: dict.fromkeys(("queued", "sending", "sent", "failed"), 0) for i in campaign_ids}
    if sources:
        for source, status, n in session.execute(
            select(OutboxMessage.source, OutboxMessage.status, func.count())
            .where(OutboxMessage.source.in_(list(sources))).group_by(OutboxMessage.source, OutboxMessage.status)
        ):  # fmt: skip
            out[sources[source]][status] = int(n)
    return out


def scenario_report(session: Session, actor: Actor, key: str, now: datetime, costs: Mapping[str, float],
                    since: datetime | None = None) -> Report:  # fmt: skip
    """A scenario's entries (each trigger, since ``since``) target against control: each entry's own window opens
    just after it fired (the order that fired a feedback request is not its effect) and lasts the scenario's
    attribution days; a customer triggered twice counts twice."""
    require(actor, "campaigns:read")
    scenario = session.scalars(select(Scenario).where(Scenario.key == key)).first()
    if scenario is None:
        raise Conflict(NEVER_RAN, value=key)
    window = timedelta(days=scenario.attribution_days)
    query = select(ScenarioEntry.id, ScenarioEntry.customer_id, ScenarioEntry.grp, ScenarioEntry.at).where(
        ScenarioEntry.scenario_id == scenario.id, ScenarioEntry.grp.in_(("target", "control")))  # fmt: skip
    if since is not None:
        query = query.where(ScenarioEntry.at >= since)
    entries = session.execute(query).all()
    start = min((e.at for e in entries), default=since or now)
    end = max((e.at for e in entries), default=start) + window
    moved = _survivors(session, select(ScenarioEntry.customer_id, Customer.merged_into_id).distinct()
                       .join(Customer, Customer.id == ScenarioEntry.customer_id)
                       .where(ScenarioEntry.scenario_id == scenario.id, Customer.merged_into_id.is_not(None)))  # fmt: skip
    per: dict[int, list[tuple[datetime, float, float]]] = defaultdict(list)
    for cid, at, net, c in _sales_of(session, sorted({moved.get(e.customer_id, e.customer_id) for e in entries}),
                                     start, min(end, now)):  # fmt: skip
        per[cid].append((at, net, c))
    values: dict[str, list[tuple[float, float, int]]] = {"target": [], "control": []}
    for e in entries:
        bought = per.get(moved.get(e.customer_id, e.customer_id), ())
        inside = [(r, m) for at, r, m in bought if e.at < at < min(e.at + window, now)]
        values[e.grp].append((sum(r for r, _m in inside), sum(r - m for r, m in inside), len(inside)))

    def figures(rows: list[tuple[float, float, int]]) -> Figures:
        return Figures(len(rows), sum(1 for _r, _m, n in rows if n), sum(n for _r, _m, n in rows),
                       sum(r for r, _m, _n in rows), sum(m for _r, m, _n in rows))  # fmt: skip

    tgt, ctl = values["target"], values["control"]
    fig_t, fig_c = figures(tgt), figures(ctl)
    overall = Comparison(
        "all", fig_t, proportions(fig_t.buyers, len(tgt), fig_c.buyers, len(ctl)),
        welch([r for r, _m, _n in tgt], [r for r, _m, _n in ctl]).scaled(len(tgt)),
        welch([m for _r, m, _n in tgt], [m for _r, m, _n in ctl]).scaled(len(tgt)),
    )  # fmt: skip
    delivery, sent = _delivery(session, f"scenario:{key}")
    spent = sum(n * float(costs.get(ch, 0)) for ch, n in sent.items())
    roi = (overall.margin.diff - spent) / spent if spent > 0 else None
    return Report(scenario.id, start, end, now >= end, delivery, fig_c, overall, [], round(spent, 2), roi, [])
