"""KPIs of a period against the previous one, and cohorts — Ibis, for every engine.

Revenue is what customers paid, net of the returns of those orders; margin is revenue minus the cost of the
goods (catalogue cost x quantity; lines of products without a cost count at no margin, reported apart).
Buyers are surviving cards (merged cards counted once); anonymous receipts count in revenue and orders but
not in customer figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
from ibis import _

Expr = Any


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def _orders(t: dict[str, Expr], outlets: list[int], channels: list[int]) -> Expr:
    o, c, r = t["orders"], t["customers"], t["returns"]
    done = o.filter(o.status == "completed")
    if outlets:
        done = done.filter(done.outlet_id.isin(outlets))
    if channels:
        done = done.filter(done.channel_id.isin(channels))
    returned = r.group_by("order_id").aggregate(returned_k=_.amount_k.sum())
    cards = c.select(cust_id=c.id, cid=c.root_id)
    done = done.left_join(cards, done.customer_id == cards.cust_id).left_join(returned, done.id == returned.order_id)
    return done.select(oid=done.id, cid=done.cid, day=done.day, net_k=done.paid_k - done.returned_k.fill_null(0))


def period_kpis(t: dict[str, Expr], period: Period, *, active_days: int = 90, outlets: list[int] | None = None,
                channels: list[int] | None = None) -> dict[str, Any]:  # fmt: skip
    """The figures of one period (executed: a dict of numbers)."""
    outlets, channels = outlets or [], channels or []
    o = _orders(t, outlets, channels)
    start, end = ibis.date(period.start), ibis.date(period.end)
    inside = o.filter((o.day >= start) & (o.day <= end))
    lines, products = t["order_lines"], t["products"]
    costed = lines.left_join(products, lines.product_id == products.id)
    per_order = costed.group_by(costed.order_id).aggregate(
        items=costed.qty.sum(), cost_k=(costed.cost_k.cast("float64") * costed.qty).sum(),
        uncosted=(costed.cost_k.isnull()).ifelse(1, 0).sum(),
    )  # fmt: skip
    sold = inside.left_join(per_order, inside.oid == per_order.order_id)
    totals = sold.aggregate(
        orders=_.oid.count(), revenue_k=_.net_k.sum(), items=_.items.sum(), cost_k=_.cost_k.sum(),
        identified=_.cid.notnull().ifelse(1, 0).sum(), uncosted_lines=_.uncosted.sum(),
    ).to_pyarrow().to_pylist()[0]  # fmt: skip
    known = o.filter(o.cid.notnull())
    first = known.group_by("cid").aggregate(first_day=_.day.min())
    buyers = inside.filter(inside.cid.notnull()).group_by("cid").aggregate(n=_.count())
    buyers = buyers.join(first, "cid")
    who = buyers.aggregate(
        buyers=_.cid.count(), repeat=(_.n >= 2).ifelse(1, 0).sum(), new=(_.first_day >= start).ifelse(1, 0).sum(),
    ).to_pyarrow().to_pylist()[0]  # fmt: skip
    active_from = ibis.date(period.end - timedelta(days=active_days - 1))
    active = known.filter((known.day >= active_from) & (known.day <= end)).select("cid").distinct().count()
    orders, buyers_n = totals["orders"] or 0, who["buyers"] or 0
    revenue = (totals["revenue_k"] or 0) / 100
    return {
        "revenue": revenue,
        "orders": orders,
        "average_check": revenue / orders if orders else None,
        "items_per_order": (totals["items"] or 0) / orders if orders else None,
        "buyers": buyers_n,
        "purchase_frequency": (totals["identified"] or 0) / buyers_n if buyers_n else None,
        "repeat_rate": (who["repeat"] or 0) / buyers_n if buyers_n else None,
        "new_buyers": who["new"] or 0,
        "returning_buyers": buyers_n - (who["new"] or 0),
        "active_base": int(active.to_pyarrow().as_py()),
        "margin": revenue - (totals["cost_k"] or 0) / 100,
        "margin_share": (revenue - (totals["cost_k"] or 0) / 100) / revenue if revenue else None,
        "identified_share": (totals["identified"] or 0) / orders if orders else None,
        "uncosted_lines": totals["uncosted_lines"] or 0,
    }


def daily_revenue(t: dict[str, Expr], period: Period, outlets: list[int] | None = None,
                  channels: list[int] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    o = _orders(t, outlets or [], channels or [])
    inside = o.filter((o.day >= ibis.date(period.start)) & (o.day <= ibis.date(period.end)))
    rows = inside.group_by("day").aggregate(revenue_k=_.net_k.sum(), orders=_.count()).order_by("day")
    return [{"day": r["day"], "revenue": (r["revenue_k"] or 0) / 100, "orders": r["orders"]}
            for r in rows.to_pyarrow().to_pylist()]  # fmt: skip


def cohorts(t: dict[str, Expr], since: date, until: date) -> list[dict[str, Any]]:
    """First-purchase month x months since: customers active that month and their revenue."""
    o = _orders(t, [], [])
    known = o.filter(o.cid.notnull() & (o.day <= ibis.date(until)))
    month = known.day.truncate("M")
    known = known.mutate(month=month)
    first = known.group_by("cid").aggregate(cohort=_.month.min())
    joined = known.join(first, "cid").filter(_.cohort >= ibis.date(since.replace(day=1)))
    joined = joined.mutate(
        age=(joined.month.year() - joined.cohort.year()) * 12 + joined.month.month() - joined.cohort.month()
    )
    # distinct customers by distinct() then count: nunique() is approximate on some engines (DESIGN.md §5)
    people = joined.select("cohort", "age", "cid").distinct().group_by(["cohort", "age"]).aggregate(customers=_.count())
    money = joined.group_by(["cohort", "age"]).aggregate(revenue_k=_.net_k.sum())
    per = people.join(money, ["cohort", "age"])
    rows = per.order_by(["cohort", "age"]).to_pyarrow().to_pylist()
    return [{"cohort": r["cohort"], "age": int(r["age"]), "customers": r["customers"],
             "revenue": (r["revenue_k"] or 0) / 100} for r in rows]  # fmt: skip
