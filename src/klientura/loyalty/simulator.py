"""The discount-to-bonus switch simulator: replay a year of orders as they happened (with the discounts given)
and as they would under a bonus programme (full prices, points earned at the tier rates on what is eligible), and
compare revenue, cost, the cost's timing and the liability left at the end.

Assumptions, all stated in the answer and all settable: a share of the orders that had a discount would not have
happened without it (``discount_orders_kept``); a share of the points earned is ever redeemed
(``redemption_rate``: by default what this base's own expired lots show, else 70%); a lot's points are redeemed
evenly over its life, so part of the cost falls after the period — the liability. A point is worth a rouble.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import Notice, notice
from klientura.loyalty.effectiveness import liability
from klientura.loyalty.errors import (
    EVEN_REDEMPTION,
    KEPT_AT_FULL_PRICE,
    REDEEMED_AS_EXPIRED,
    REDEEMED_AS_GIVEN,
    REDEEMED_BY_DEFAULT,
    TIERS_BY_SPEND,
)
from klientura.loyalty.programme import Programme
from klientura.orders import amounts_in_categories, last_purchase_at, receipts_between

DAY = 86400.0
_NOTHING_YET = datetime(2000, 1, 1, tzinfo=UTC)  # no purchases at all: every figure is empty, whatever the day


class SimulationIn(BaseModel):
    programme: Programme | None = Field(default=None, description="the proposed programme; default: the current one")
    period_days: int = Field(default=365, ge=30, le=1095)
    discount_orders_kept: float = Field(default=0.8, ge=0, le=1, description="orders with a discount still made")
    redemption_rate: float | None = Field(default=None, ge=0, le=1, description="share of points ever redeemed")


@dataclass
class Scenario:
    orders: float
    revenue: float
    cost: float  # what the programme gives away in the end (discounts, or points redeemed)
    cost_in_period: float  # of which inside the period
    liability_at_end: float  # points earned, still to be redeemed after the period
    cost_share: float  # cost / revenue
    net_revenue: float  # revenue − cost


@dataclass
class Simulation:
    since: datetime
    until: datetime
    discounts: Scenario
    bonus: Scenario
    redemption_rate: float
    redemption_rate_source: str
    points_earned: float
    by_tier: dict[str, int]
    assumptions: list[Notice]  # kit.errors.notice: code, params, English text

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["since"], out["until"] = self.since.isoformat(), self.until.isoformat()
        return out


def _rolling(cust: np.ndarray, t: np.ndarray, amount: np.ndarray, days: float) -> np.ndarray:
    """For each order (sorted by customer, then time), the customer's amount over the ``days`` before it."""
    key_t = t - t.min() + 1.0
    span = key_t.max() + days + 10
    key = cust.astype(np.float64) * span + key_t
    csum = np.concatenate([[0.0], np.cumsum(amount)])
    first = np.searchsorted(key, key - days, side="right")
    return np.asarray(csum[np.arange(len(t))] - csum[first])


def simulate(
    session: Session, actor: Actor, current: Programme, data: SimulationIn, at: datetime | None = None
) -> Simulation:
    require(actor, "loyalty:read")
    require(actor, "analytics:read")  # the whole base in aggregate: not a manager's
    p = data.programme or current
    until = at or last_purchase_at(session) or _NOTHING_YET
    since = until - timedelta(days=data.period_days)
    history = since - timedelta(days=p.tier_window_days)
    rows = receipts_between(session, history, until)
    n = len(rows)
    ids = np.fromiter((r[0] for r in rows), np.int64, n)
    cust = np.fromiter((r[1] for r in rows), np.int64, n)
    t = np.fromiter((r[2].timestamp() / DAY for r in rows), np.float64, n)
    total = np.fromiter((float(r[3]) for r in rows), np.float64, n)
    disc = np.fromiter((float(r[4] - Decimal(r[5] or 0)) for r in rows), np.float64, n)
    excluded = np.zeros(n)
    if p.excluded_categories and n:
        ex = amounts_in_categories(session, p.excluded_categories, since, until)
        excluded = np.fromiter((float(ex.get(int(i), 0)) for i in ids), np.float64, n)
    start, end = since.timestamp() / DAY, until.timestamp() / DAY
    in_period = t > start
    kept = np.where(disc > 0, data.discount_orders_kept, 1.0)
    spend_before = _rolling(cust, t, total * kept, p.tier_window_days) if n else np.zeros(0)
    cuts = np.array([float(tier.min_spend) for tier in p.tiers])
    rates = np.array([float(tier.earn_percent) for tier in p.tiers])
    tier_idx = np.searchsorted(cuts, spend_before, side="right") - 1
    earned = np.floor((total - excluded) * rates[tier_idx] / 100) * kept
    rr, source = data.redemption_rate, "given"
    if rr is None:
        lia = liability(session, until)
        rr, source = (1 - lia.breakage, "this base's expired lots") if lia.breakage is not None else (0.7, "default")
    life_start = t + p.activation_days
    done = np.clip((end - life_start) / p.expiry_days, 0.0, 1.0)
    m = in_period
    pts = float(earned[m].sum())
    cost_bonus = pts * rr
    cost_bonus_in = float((earned[m] * rr * done[m]).sum())
    rev_now, rev_bonus = float((total - disc)[m].sum()), float((total * kept)[m].sum())
    cost_disc = float(disc[m].sum())

    def scenario(orders: float, revenue: float, cost: float, cost_in: float) -> Scenario:
        return Scenario(
            orders=round(orders, 1),
            revenue=round(revenue, 2),
            cost=round(cost, 2),
            cost_in_period=round(cost_in, 2),
            liability_at_end=round(cost - cost_in, 2),
            cost_share=cost / revenue if revenue else 0.0,
            net_revenue=round(revenue - cost, 2),
        )

    names = [tier.name for tier in p.tiers]
    by_tier = {names[i]: int(c) for i, c in enumerate(np.bincount(tier_idx[m], minlength=len(names)))}
    REDEEMED = {
        "given": REDEEMED_AS_GIVEN,
        "default": REDEEMED_BY_DEFAULT,
        "this base's expired lots": REDEEMED_AS_EXPIRED,
    }
    return Simulation(
        since=since,
        until=until,
        discounts=scenario(float(m.sum()), rev_now, cost_disc, cost_disc),
        bonus=scenario(float(kept[m].sum()), rev_bonus, cost_bonus, cost_bonus_in),
        redemption_rate=rr,
        redemption_rate_source=source,
        points_earned=round(pts, 1),
        by_tier=by_tier,
        assumptions=[
            notice(KEPT_AT_FULL_PRICE, share=f"{data.discount_orders_kept:.0%}"),
            notice(REDEEMED[source], share=f"{rr:.0%}"),
            notice(EVEN_REDEMPTION),
            notice(TIERS_BY_SPEND),
        ],
    )
