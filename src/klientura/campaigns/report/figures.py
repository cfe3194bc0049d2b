"""The figures of a report: each group's customers, buyers, orders, revenue and margin, and target against control
with intervals (:mod:`klientura.campaigns.stats`)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from klientura.campaigns.stats import Difference, proportions, welch

Bought = Mapping[int, list[tuple[datetime, float, float]]]  # customer: [(placed at, net revenue, cost of goods)]


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
class CampaignReport:
    """What a campaign (or a scenario) earned: delivery, the control group's figures, target against control
    overall and per variant, the cost and the ROI."""

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


def figures_of(ids: set[int], per: Bought) -> Figures:
    bought = [per[c] for c in ids if c in per]
    return Figures(
        len(ids),
        len(bought),
        sum(len(b) for b in bought),
        sum(r for b in bought for _a, r, _m in b),
        sum(r - m for b in bought for _a, r, m in b),
    )


def compare(name: str, target: set[int], control: set[int], per: Bought, ctl: Figures) -> Comparison:
    fig = figures_of(target, per)

    def values(ids: set[int], margin: bool) -> list[float]:
        return [sum(r - m if margin else r for _a, r, m in per[c]) for c in ids if c in per]

    n_t, n_c = len(target), len(control)
    return Comparison(
        name,
        fig,
        proportions(fig.buyers, n_t, ctl.buyers, n_c),
        welch(values(target, False), values(control, False), n_t, n_c).scaled(n_t),
        welch(values(target, True), values(control, True), n_t, n_c).scaled(n_t),
    )


def daily(
    start: datetime, end: datetime, zone: ZoneInfo, groups: Mapping[str, set[int]], per: Bought
) -> list[dict[str, float | str]]:
    """Each group's cumulative revenue per customer by the shop's calendar day, from ``start`` until ``end``."""
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
