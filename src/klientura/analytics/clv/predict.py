"""Per-customer predictions and discounted value, and the checks of a fit against a holdout period.

Expected purchases factor into P(alive) (depends on x, t_x, T) and purchases-if-alive (depends on x and T only),
so the hypergeometric part is evaluated once per distinct (x, T) and month of the horizon — for a million
customers a few tens of thousands of rows. Value is counted month by month: the purchases expected in month m,
times the expected spend (times the margin share on a margin basis), discounted by (1 + d)^m.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from klientura.analytics.clv import spend
from klientura.analytics.clv.data import MONTH_DAYS
from klientura.analytics.clv.fitting import Array
from klientura.analytics.clv.registry import Model

YEARS = (1, 2, 3)


@dataclass
class Predictions:
    """Arrays aligned with the customers given: P(alive), expected purchases and value over the horizon, the
    expected spend per purchase, and the value over 1, 2 and 3 years."""

    p_alive: Array
    purchases: Array
    spend: Array
    value: Array
    years: dict[int, Array]


def _distinct(x: Array, T_days: Array) -> tuple[Array, Array, Any]:
    """Distinct (x, T) and, per customer, the row of theirs."""
    key = x.astype(np.int64) * (int(T_days.max(initial=0)) + 1) + T_days.astype(np.int64)
    keys, inverse = np.unique(key, return_inverse=True)
    width = int(T_days.max(initial=0)) + 1
    return (keys // width).astype(np.float64), (keys % width).astype(np.float64), inverse.ravel()


def curve(model: Model, p: Array, x: Array, T: Array, times: Array) -> Array:
    """Purchases-if-alive at each time of ``times`` (columns) for each (x, T) row; column 0 is time 0."""
    out = np.zeros((len(x), len(times) + 1))
    for j, t in enumerate(times, start=1):
        out[:, j] = model.expected_if_alive(p, t, x, T)
    return out


def predict(
    model: Model,
    p: Array,
    spend_params: Array,
    hist: dict[str, Any],
    *,
    unit_days: float,
    horizon_months: int,
    discount: float,
    ratio: Array | None = None,
) -> Predictions:
    """``hist``: arrays x, t_x_days, T_days and m (mean repeat spend, NaN when x = 0); ``ratio``: the share of
    revenue kept as margin per customer (None on a revenue basis)."""
    x = np.asarray(hist["x"], dtype=np.float64)
    t_x = np.asarray(hist["t_x_days"], dtype=np.float64)
    T_days = np.asarray(hist["T_days"], dtype=np.float64)
    if len(x) == 0:
        empty = np.zeros(0)
        return Predictions(empty, empty, empty, empty, {y: empty for y in YEARS})
    alive = model.p_alive(p, x, t_x / unit_days, T_days / unit_days)
    ux, uT, row = _distinct(x, T_days)
    months = max(horizon_months, 12 * max(YEARS))
    times = np.arange(1, months + 1, dtype=np.float64) * (MONTH_DAYS / unit_days)
    k = curve(model, p, ux, np.asarray(uT / unit_days, dtype=np.float64), times)
    per_month = np.diff(k, axis=1)
    discounted = np.cumsum(per_month / (1 + discount) ** np.arange(1, months + 1), axis=1)
    each = spend.expected_spend(spend_params, x, np.asarray(hist["m"], dtype=np.float64))
    worth = each * (ratio if ratio is not None else 1.0) * alive
    value = discounted[row, horizon_months - 1] * worth
    years = {y: discounted[row, 12 * y - 1] * worth for y in YEARS}
    return Predictions(alive, k[row, horizon_months] * alive, each, value, years)


def tracking(model: Model, p: Array, hist: dict[str, Any], *, unit_days: float, weeks: int) -> Array:
    """Expected repeat purchases of these customers in each week of the holdout that follows their history."""
    x = np.asarray(hist["x"], dtype=np.float64)
    T_days = np.asarray(hist["T_days"], dtype=np.float64)
    alive = model.p_alive(p, x, np.asarray(hist["t_x_days"], dtype=np.float64) / unit_days, T_days / unit_days)
    ux, uT, row = _distinct(x, T_days)
    weight = np.bincount(row, weights=alive, minlength=len(ux))
    k = curve(
        model,
        p,
        ux,
        np.asarray(uT / unit_days, dtype=np.float64),
        np.arange(1, weeks + 1, dtype=np.float64) * (7 / unit_days),
    )
    return np.asarray(weight @ np.diff(k, axis=1), dtype=np.float64)


def by_frequency(predicted: Array, actual: Array, x: Array, top: int = 7) -> list[dict[str, Any]]:
    """Mean predicted and actual holdout purchases per calibration frequency 0, 1, ..., ``top``+."""
    rows = []
    for k in range(top + 1):
        sel = x == k if k < top else x >= top
        n = int(sel.sum())
        if n:
            rows.append(
                {
                    "x": f"{k}+" if k == top else str(k),
                    "customers": n,
                    "predicted": float(predicted[sel].mean()),
                    "actual": float(actual[sel].mean()),
                }
            )
    return rows
