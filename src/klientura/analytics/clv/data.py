"""Purchase histories from the warehouse, in the standard preparation of the buy-till-you-die literature.

A purchase is a day on which the customer completed an order worth something after returns (several orders of a
day are one purchase, as the CDNOW preparation merges a customer's rows of one day). As of an end date, per
surviving card: x = purchase days - 1, t_x = days from the first purchase to the last, T = days from the first
purchase to the end, m_x = mean value of the repeat purchase days (the first excluded) — all in days here; the
fit divides by the time unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
from ibis import _

from klientura.analytics.scores import purchases

Expr = Any
UNITS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
MONTH_DAYS = 365.25 / 12


def purchase_days(tables: dict[str, Expr], end: date) -> Expr:
    """(cid, day, value_k): each customer's purchase days up to ``end`` and what they spent on each. An order
    returned in full is no purchase; one that cost nothing (a gift, paid with points) still is."""
    r = tables["returns"]
    returned = r.filter(r.day <= ibis.date(end)).select(back=r.order_id).distinct()
    buys = purchases(tables, end)
    buys = buys.left_join(returned, buys.order_id == returned.back)
    buys = buys.filter((buys.net_k > 0) | buys.back.isnull())
    return buys.group_by(["cid", "day"]).aggregate(value_k=_.net_k.sum())


def histories(tables: dict[str, Expr], end: date) -> Expr:
    """Per customer who bought by ``end``: x, t_x_days, T_days, m_k (mean repeat purchase value, kopecks; null
    when x = 0), first_day, and revenue_k over the whole history."""
    days = purchase_days(tables, end)
    first = days.group_by("cid").aggregate(first_day=_.day.min())
    days = days.join(first, "cid")
    per = days.group_by(["cid", "first_day"]).aggregate(
        n=_.count(),
        last_day=_.day.max(),
        revenue_k=_.value_k.sum(),
        repeat_k=(_.day > _.first_day).ifelse(_.value_k, 0).sum(),
    )
    x = (per.n - 1).cast("int64")
    return per.select(
        "cid",
        "first_day",
        "revenue_k",
        x=x,
        t_x_days=per.last_day.delta(per.first_day, unit="day").cast("int64"),
        T_days=ibis.date(end).delta(per.first_day, unit="day").cast("int64"),
        m_k=(x > 0).ifelse(per.repeat_k.cast("float64") / x.cast("float64"), ibis.null("float64")),
    )


def holdout(tables: dict[str, Expr], calibration_end: date, end: date) -> Expr:
    """Purchase days in (calibration_end, end] of the customers who had bought by ``calibration_end``, per
    customer and week of the holdout: (cid, week, purchases)."""
    before = purchase_days(tables, calibration_end).select(known="cid").distinct()
    after = purchase_days(tables, end)
    after = after.filter(after.day > ibis.date(calibration_end))
    after = after.join(before, after.cid == before.known)
    week = (after.day.delta(ibis.date(calibration_end), unit="day") - 1) // 7
    return after.group_by([after.cid, week.cast("int64").name("week")]).aggregate(purchases=_.count())


def margins(tables: dict[str, Expr], end: date) -> Expr:
    """(cid, revenue_k, cost_k, uncosted): each customer's net revenue and the catalogue cost of what they bought
    up to ``end``, from the warehouse's ``sales``."""
    s = tables["sales"]
    s = s.filter(s.cid.notnull() & (s.day <= ibis.date(end)))
    return s.group_by("cid").aggregate(revenue_k=_.net_k.sum(), cost_k=_.cost_k.sum(), uncosted=_.uncosted.sum())


def attributes(tables: dict[str, Expr]) -> Expr:
    """(a_cid, acquisition_source) of the surviving cards: the breakdowns of the base valuation."""
    c = tables["customers"]
    return c.filter(c.id == c.root_id).select(a_cid=c.id, acquisition_source=c.acquisition_source)
