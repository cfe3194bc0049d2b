"""Per-customer scores — RFM, lifecycle, temperature, behaviour — written once in Ibis for every engine.

Everything is judged as of a date (in the shop's time zone) from completed orders up to it, net of their
returns, on the surviving card of merged ones. The traps of DESIGN.md §5 are kept away: money in integer
kopecks, every rank with a tie-breaker or with ties kept together on purpose, divisions in floating point,
day differences of calendar dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
from ibis import _

from klientura.analytics.settings import AnalyticsSettings, RfmSettings

Expr = Any  # Ibis expressions are dynamically typed


def purchases(tables: dict[str, Expr], as_of: date, promo_periods: list[tuple[date, date]] | None = None) -> Expr:
    """Completed orders up to ``as_of`` with a known customer: (cid, order id, day, net_k, discounted, promo).
    An order is a promo purchase with a promo code or, when promo periods are set, placed in one of them."""
    o, c, r = tables["orders"], tables["customers"], tables["returns"]
    day = ibis.date(as_of)
    returned = r.filter(r.day <= day).group_by("order_id").aggregate(returned_k=_.amount_k.sum())
    done = o.filter((o.status == "completed") & o.customer_id.notnull() & (o.day <= day))
    cards = c.select(cust_id=c.id, cid=c.root_id)
    done = done.join(cards, done.customer_id == cards.cust_id)
    done = done.left_join(returned, done.id == returned.order_id)
    promo = done.promo
    for first, last in promo_periods or []:
        promo = promo | done.day.between(ibis.date(first), ibis.date(last))
    return done.select(
        "cid",
        order_id=done.id,
        day=done.day,
        discounted=done.discount_k > 0,
        promo=promo,
        net_k=done.paid_k - done.returned_k.fill_null(0),
    )


def _rank_score(value: Expr, group: Expr | None = None) -> Expr:
    """1-5 by quantiles with equal values kept together: 1 + floor(5 * (customers below) / customers), among the
    customers of the same ``group``."""
    below = ibis.rank().over(group_by=group, order_by=value)  # min rank, 0-based: ties share it on every engine
    n = value.count().over(group_by=group)  # the values are never null
    return ((below * 5).cast("float64") / n.cast("float64")).floor().cast("int8") + 1


def _threshold_score(value: Expr, cuts: list[int], *, lower_is_better: bool = False) -> Expr:
    """1-5 by fixed thresholds ``cuts`` (four, ascending): the value needed for scores 2, 3, 4 and 5 — or, when
    lower is better (days since the last purchase), the most allowed for scores 5, 4, 3 and 2."""
    if lower_is_better:
        return ibis.cases(*((value <= cut, 5 - i) for i, cut in enumerate(cuts)), else_=1).cast("int8")
    return ibis.cases(*((value >= cut, 2 + i) for i, cut in reversed(list(enumerate(cuts)))), else_=1).cast("int8")


def rfm(buys: Expr, settings: RfmSettings, as_of: date) -> Expr:
    """Customers with a purchase: recency (days), frequency and monetary value in the window, r/f/m 1-5."""
    day = ibis.date(as_of)
    start = day - ibis.interval(days=settings.window_days - 1)
    in_window = buys.day >= start
    per = buys.group_by("cid").aggregate(
        last_day=_.day.max(),
        frequency=in_window.ifelse(1, 0).sum(),
        monetary_k=in_window.ifelse(buys.net_k, 0).sum(),
    )
    per = per.mutate(recency_days=day.delta(per.last_day, unit="day").cast("int32"))
    if settings.method == "quantiles":
        # money is ranked among the customers who bought in the window: the many who did not would otherwise push
        # a small spend up (they all tie at the bottom); they score 1. A purchase count is mostly ties - ranked,
        # the one-time buyers swallowed F2 and the two-time buyers F3 - so F is counted against the frequency
        # thresholds by either method: every column has customers whenever someone bought that often
        active = per.frequency > 0
        per = per.mutate(
            r=_rank_score(-per.recency_days),
            f=_threshold_score(per.frequency, settings.frequency),
            m=active.ifelse(_rank_score(per.monetary_k, active), 1).cast("int8"),
        )
    else:
        per = per.mutate(
            r=_threshold_score(per.recency_days, settings.recency_days, lower_is_better=True),
            f=_threshold_score(per.frequency, settings.frequency),
            m=_threshold_score(per.monetary_k, [v * 100 for v in settings.monetary]),
        )
    segment = ibis.cases(
        *(
            ((per.r.between(*rule.r) & per.f.between(*rule.f) & per.m.between(*rule.m)), rule.name)
            for rule in settings.rules
        ),
        else_="other",
    )
    cell = per.r.cast("string").concat(per.f.cast("string"), per.m.cast("string"))
    return per.mutate(rfm_cell=cell, rfm_segment=segment).drop("last_day")


def history(buys: Expr) -> Expr:
    """Per customer over all time: orders, revenue, purchase days and the intervals between them."""
    per_order = buys.group_by("cid").aggregate(
        orders=_.count(),
        revenue_k=_.net_k.sum(),
        discounted=_.discounted.ifelse(1, 0).sum(),
        promo=_.promo.ifelse(1, 0).sum(),
    )
    days = buys.select("cid", "day").distinct()
    days = days.mutate(prev=days.day.lag().over(group_by="cid", order_by="day"))
    days = days.mutate(gap=days.day.delta(days.prev, unit="day").cast("float64"))
    per_day = days.group_by("cid").aggregate(
        first_day=_.day.min(),
        last_day=_.day.max(),
        prev_day=_.prev.max(),
        purchase_days=_.count(),
        gap_sum=_.gap.sum(),
        gap_sq=(_.gap * _.gap).sum(),
    )
    return per_order.join(per_day, "cid")


def scores(tables: dict[str, Expr], settings: AnalyticsSettings, as_of: date, *, existing_only: bool = False) -> Expr:
    """One row per surviving card: every family's result, and the figures behind them. ``existing_only`` (the
    history of a past day) leaves out the cards made after ``as_of`` that had neither bought nor been seen by then
    (an imported card is younger than its history)."""
    buys = purchases(tables, as_of, settings.behaviour.promo_periods)
    hist = history(buys)
    scored = rfm(buys, settings.rfm, as_of)
    lc, bh = settings.lifecycle, settings.behaviour
    day = ibis.date(as_of)

    k = (hist.purchase_days - 1).cast("float64")
    mean_gap = (k > 0).ifelse(hist.gap_sum / k, ibis.null("float64"))
    # the base's rhythm stands in for a customer who bought on one day only
    base_gap = mean_gap.mean().over()
    own = hist.mutate(
        mean_gap=mean_gap,
        cv=(k >= 2).ifelse(
            ((hist.gap_sq / k) - mean_gap * mean_gap).clip(lower=0).sqrt() / mean_gap, ibis.null("float64")
        ),
        rhythm=mean_gap.fill_null(base_gap).fill_null(float(lc.min_interval_days)),
        # the rhythm before the last purchase, to tell a customer who came back after being lost
        before_gap=(hist.purchase_days >= 3).ifelse(
            hist.prev_day.delta(hist.first_day, unit="day").cast("float64") / (k - 1), base_gap
        ),
        last_gap=hist.last_day.delta(hist.prev_day, unit="day").cast("float64"),
        idle=day.delta(hist.last_day, unit="day").cast("float64"),
    )
    lo, hi = float(lc.min_interval_days), float(lc.max_interval_days)
    rhythm = own.rhythm.clip(lo, hi)
    before = own.before_gap.fill_null(own.rhythm).clip(lo, hi)
    stage = ibis.cases(
        (day.delta(own.first_day, unit="day") < lc.new_days, "new"),
        (
            (own.idle <= lc.active_factor * rhythm) & own.last_gap.notnull() & (own.last_gap > lc.lost_factor * before),
            "reactivated",
        ),
        (own.idle <= lc.active_factor * rhythm, "active"),
        (own.idle <= lc.lost_factor * rhythm, "sleeping"),
        (own.purchase_days == 1, "lost_new"),
        (own.purchase_days >= lc.regular_orders, "lost_regular"),
        else_="lost_random",
    )
    judged = own.orders >= bh.min_orders
    n_judged = judged.ifelse(1, 0).sum().over()
    avg_check = own.revenue_k.cast("float64") / own.orders.cast("float64")
    own = own.mutate(lifecycle=stage, avg_check_k=avg_check, judged=judged, n_judged=n_judged)
    # frequent thrifty: ranks among judged customers only (the others sort last, never counted)
    f_rank = ibis.rank().over(order_by=[(~own.judged).desc(), own.orders])
    c_rank = ibis.rank().over(order_by=[(~own.judged).desc(), own.avg_check_k])
    own = own.mutate(f_below=f_rank, c_below=c_rank)
    base_judged = own.cid.count().over() - own.n_judged
    own = own.mutate(
        discount_lover=own.judged & (own.discounted.cast("float64") / own.orders >= bh.discount_share),
        promo_hunter=own.judged & (own.promo.cast("float64") / own.orders >= bh.promo_share),
        irregular=own.judged & own.cv.notnull() & (own.cv >= bh.irregular_cv),
        frequent_thrifty=own.judged
        & ((own.f_below - base_judged).cast("float64") >= (1 - bh.frequent_top_share) * own.n_judged)
        & ((own.c_below - base_judged).cast("float64") < bh.thrifty_bottom_share * own.n_judged),
    )
    behaviour = ibis.cases(
        (own.promo_hunter, "promo_hunter"),
        (own.discount_lover, "discount_lover"),
        (own.frequent_thrifty, "frequent_thrifty"),
        (own.irregular, "irregular"),
        (own.judged, "regular"),
        else_=ibis.null("string"),
    )
    own = own.mutate(behaviour=behaviour)

    cards = tables["customers"]
    roots = cards.filter(cards.id == cards.root_id).select(customer_id=cards.id, created_day=cards.created_day)
    ev = tables["events"]
    engaged = ev.filter(ev.day <= day).join(cards, ev.customer_id == cards.id)
    engaged = engaged.select(eid=engaged.root_id).distinct()
    out = roots.left_join(own, roots.customer_id == own.cid).left_join(scored, roots.customer_id == scored.cid)
    out = out.left_join(engaged, out.customer_id == engaged.eid)
    if existing_only:
        out = out.filter(out.created_day.isnull() | (out.created_day <= day) | out.orders.notnull() | out.eid.notnull())
    temperature = ibis.cases((out.orders.notnull(), "hot"), (out.eid.notnull(), "warm"), else_="cold")
    return out.select(
        customer_id=out.customer_id,
        temperature=temperature,
        lifecycle=out.lifecycle,
        recency_days=out.recency_days,
        frequency=out.frequency,
        monetary_k=out.monetary_k,
        r=out.r,
        f=out.f,
        m=out.m,
        rfm_cell=out.rfm_cell,
        rfm_segment=out.rfm_segment,
        behaviour=out.behaviour,
        discount_lover=out.discount_lover.fill_null(False),
        promo_hunter=out.promo_hunter.fill_null(False),
        irregular=out.irregular.fill_null(False),
        frequent_thrifty=out.frequent_thrifty.fill_null(False),
        orders=out.orders.fill_null(0),
        revenue_k=out.revenue_k.fill_null(0),
        avg_check_k=out.avg_check_k.round().cast("int64"),
        first_purchase=out.first_day,
        last_purchase=out.last_day,
        mean_interval_days=out.mean_gap,
    )


def rfm_map(tables: dict[str, Expr], settings: AnalyticsSettings, as_of: date) -> Expr:
    """The R x F grid: customers and revenue in the window per (r, f) cell."""
    scored = rfm(purchases(tables, as_of), settings.rfm, as_of)
    return scored.group_by(["r", "f"]).aggregate(customers=_.count(), monetary_k=_.monetary_k.sum())


def migration(tables: dict[str, Expr], settings: AnalyticsSettings, start: date, end: date) -> Expr:
    """How customers moved between named RFM cells from ``start`` to ``end`` (those who had bought by ``start``;
    new customers since appear as coming from 'none')."""
    before = rfm(purchases(tables, start), settings.rfm, start).select(b_cid="cid", source="rfm_segment")
    after = rfm(purchases(tables, end), settings.rfm, end).select(a_cid="cid", target="rfm_segment")
    moved = after.left_join(before, after.a_cid == before.b_cid)
    moved = moved.mutate(source=moved.source.fill_null("none"))
    return moved.group_by(["source", "target"]).aggregate(customers=_.count())
