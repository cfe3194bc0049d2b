"""The report as the API sends it."""

from __future__ import annotations

import math

from klientura.campaigns.report.figures import CampaignReport, Comparison, Figures
from klientura.campaigns.schemas import ComparisonOut, DifferenceOut, FiguresOut, ReportOut
from klientura.campaigns.stats import Difference


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _difference(d: Difference) -> DifferenceOut:
    return DifferenceOut(
        target=d.target,
        control=d.control,
        diff=d.diff,
        low=_finite(d.low),
        high=_finite(d.high),
        p_value=d.p_value,
        significant=d.significant,
    )


def _figures(f: Figures) -> FiguresOut:
    return FiguresOut(
        customers=f.customers,
        buyers=f.buyers,
        orders=f.orders,
        revenue=f.revenue,
        margin=f.margin,
        conversion=f.conversion,
        revenue_per_customer=f.revenue_per_customer,
    )


def _comparison(c: Comparison) -> ComparisonOut:
    return ComparisonOut(
        name=c.name,
        target=_figures(c.target),
        conversion=_difference(c.conversion),
        revenue=_difference(c.revenue),
        margin=_difference(c.margin),
    )


def report_out(r: CampaignReport) -> ReportOut:
    """The report as the API sends it (infinite bounds, which JSON cannot carry, as null)."""
    return ReportOut(
        campaign_id=r.campaign_id,
        start=r.start,
        end=r.end,
        complete=r.complete,
        delivery=r.delivery,
        control=_figures(r.control),
        overall=_comparison(r.overall),
        variants=[_comparison(v) for v in r.variants],
        cost=r.cost,
        roi=r.roi,
        daily=r.daily,
    )
