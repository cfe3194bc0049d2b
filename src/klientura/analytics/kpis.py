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


def rows_of(expr: Expr) -> list[dict[str, Any]]:
    """An expression executed: its rows as dictionaries."""
    out: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return out


def within(col: Expr, period: Period) -> Expr:
    """``col`` (a date) in the period, both ends included."""
    return (col >= ibis.date(period.start)) & (col <= ibis.date(period.end))


def _orders(t: dict[str, Expr], outlets: list[int], channels: list[int]) -> Expr:
    """The warehouse's ``sales`` (completed orders with their surviving card, net revenue, items and cost;
    built by the sync), filtered by outlet and channel."""
    sales = t["sales"]
    if outlets:
        sales = sales.filter(sales.outlet_id.isin(outlets))
    if channels:
        sales = sales.filter(sales.channel_id.isin(channels))
    return sales


def period_kpis(
    t: dict[str, Expr],
    period: Period,
    *,
    active_days: int = 90,
    outlets: list[int] | None = None,
    channels: list[int] | None = None,
) -> dict[str, Any]:
    """The figures of one period (executed: a dict of numbers)."""
    outlets, channels = outlets or [], channels or []
    o = _orders(t, outlets, channels)
    start, end = ibis.date(period.start), ibis.date(period.end)
    inside = o.filter((o.day >= start) & (o.day <= end))
    totals = (
        inside.aggregate(
            orders=_.oid.count(),
            revenue_k=_.net_k.sum(),
            items=_.items.sum(),
            cost_k=_.cost_k.sum(),
            identified=_.cid.notnull().ifelse(1, 0).sum(),
            uncosted_lines=_.uncosted.sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    totals = {k: float(v or 0) for k, v in totals.items()}  # sums come back as Decimal from DuckDB's HUGEINT
    known = o.filter(o.cid.notnull())
    first = t["first_purchases"]  # over every outlet and channel: "new" means new to the chain
    buyers = inside.filter(inside.cid.notnull()).group_by("cid").aggregate(n=_.count())
    buyers = buyers.join(first, "cid")
    who = (
        buyers.aggregate(
            buyers=_.cid.count(),
            repeat=(_.n >= 2).ifelse(1, 0).sum(),
            new=(_.first_day >= start).ifelse(1, 0).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    active_from = ibis.date(period.end - timedelta(days=active_days - 1))
    active = known.filter((known.day >= active_from) & (known.day <= end)).select("cid").distinct().count()
    who = {k: int(v or 0) for k, v in who.items()}
    orders, buyers_n = int(totals["orders"]), who["buyers"]
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
        "uncosted_lines": int(totals["uncosted_lines"]),
    }


def daily_revenue(
    t: dict[str, Expr], period: Period, outlets: list[int] | None = None, channels: list[int] | None = None
) -> list[dict[str, Any]]:
    o = _orders(t, outlets or [], channels or [])
    inside = o.filter((o.day >= ibis.date(period.start)) & (o.day <= ibis.date(period.end)))
    rows = inside.group_by("day").aggregate(revenue_k=_.net_k.sum(), orders=_.count()).order_by("day")
    return [
        {"day": r["day"], "revenue": float(r["revenue_k"] or 0) / 100, "orders": r["orders"]}
        for r in rows.to_pyarrow().to_pylist()
    ]


def cohorts(t: dict[str, Expr], since: date, until: date) -> list[dict[str, Any]]:
    """First-purchase month x months since: customers active that month and their revenue."""
    o = _orders(t, [], [])
    known = o.filter(o.cid.notnull() & (o.day <= ibis.date(until)))
    month = known.day.truncate("M")
    known = known.mutate(month=month)
    first = t["first_purchases"].select("cid", cohort=_.first_day.truncate("M"))
    first = first.filter(first.cohort >= ibis.date(since.replace(day=1)))
    known = known.filter(known.day >= ibis.date(since.replace(day=1)))
    joined = known.join(first, "cid")
    joined = joined.mutate(
        age=(joined.month.year() - joined.cohort.year()) * 12 + joined.month.month() - joined.cohort.month()
    )
    # distinct customers by distinct() then count: nunique() is approximate on some engines (DESIGN.md §5)
    people = joined.select("cohort", "age", "cid").distinct().group_by(["cohort", "age"]).aggregate(customers=_.count())
    money = joined.group_by(["cohort", "age"]).aggregate(revenue_k=_.net_k.sum())
    per = people.join(money, ["cohort", "age"])
    rows = per.order_by(["cohort", "age"]).to_pyarrow().to_pylist()
    return [
        {
            "cohort": r["cohort"],
            "age": int(r["age"]),
            "customers": r["customers"],
            "revenue": float(r["revenue_k"] or 0) / 100,
        }
        for r in rows
    ]
