"""The base valuation report and the holdout check, from per-customer arrays (no database here)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from klientura.analytics.clv.fitting import Array
from klientura.analytics.clv.predict import YEARS, Predictions, by_frequency, predict, tracking
from klientura.analytics.clv.registry import Model
from klientura.analytics.errors import POOR_HOLDOUT
from klientura.kit.errors import Notice, notice

POOR_FIT = 0.2  # holdout purchases off by more than this share: the fit gets a warning


def breakdown(keys: list[Any], pred: Predictions) -> list[dict[str, Any]]:
    """Customers, expected value over 1-3 years and mean P(alive) per key, most valuable first."""
    labels = ["unknown" if k is None or k == "" else str(k) for k in keys]
    names, row = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    row = row.ravel()
    n = np.bincount(row, minlength=len(names))
    alive = np.bincount(row, weights=pred.p_alive, minlength=len(names))
    sums = {y: np.bincount(row, weights=pred.years[y], minlength=len(names)) for y in YEARS}
    out = [
        {
            "key": str(names[i]),
            "customers": int(n[i]),
            "p_alive": float(alive[i] / n[i]),
            **{f"value_{y}y": round(float(sums[y][i]), 2) for y in YEARS},
        }
        for i in range(len(names))
    ]
    return sorted(out, key=lambda r: -r["value_3y"])


def totals(pred: Predictions) -> dict[str, Any]:
    n = len(pred.p_alive)
    return {
        "customers": n,
        "expected_alive": round(float(pred.p_alive.sum()), 1),
        "purchases": round(float(pred.purchases.sum()), 1),
        "value": round(float(pred.value.sum()), 2),
        **{f"value_{y}y": round(float(pred.years[y].sum()), 2) for y in YEARS},
        "mean_value_1y": round(float(pred.years[1].sum()) / n, 2) if n else 0.0,
    }


def retention(
    model: Model,
    p: Array,
    spend_p: Array,
    hist: dict[str, Any],
    *,
    unit_days: float,
    discount: float,
    ratio: Array | None,
    base_value: float,
) -> dict[str, Any]:
    """What one point of retention is worth: the base's 3-year value were one customer in a hundred more to
    stay for the next 12 months, minus its value now. Loyalty moves through the model's dropout parameter (b of
    the BG family, beta of Pareto/NBD), with everything else and every customer's history as they are."""
    year = 365.25 / unit_days
    now = model.survival(p, year)
    loyal = model.more_loyal(p, year)
    better = predict(
        model, loyal, spend_p, hist, unit_days=unit_days, horizon_months=36, discount=discount, ratio=ratio
    )
    value = float(better.years[3].sum())
    return {
        "survival": now,
        "survival_more_loyal": model.survival(loyal, year),
        "value_3y": base_value,
        "value_3y_more_loyal": round(value, 2),
        "per_point": round(value - base_value, 2),
        "per_point_share": (value - base_value) / base_value if base_value else None,
        "param": model.names[model.retention_param],
        "param_more_loyal": float(loyal[model.retention_param]),
    }


def holdout_check(
    model: Model,
    p: Array,
    hist: dict[str, Any],
    actual: Array,
    weekly_actual: Array,
    *,
    unit_days: float,
    holdout_days: int,
) -> tuple[dict[str, Any], list[Notice]]:
    """Predicted against actual purchases after the calibration end: in total, per week, per frequency."""
    x = np.asarray(hist["x"], dtype=np.float64)
    t_x = np.asarray(hist["t_x_days"], dtype=np.float64) / unit_days
    T = np.asarray(hist["T_days"], dtype=np.float64) / unit_days
    predicted = model.expected(p, holdout_days / unit_days, x, t_x, T)
    weeks = len(weekly_actual)
    weekly = tracking(model, p, hist, unit_days=unit_days, weeks=weeks) if weeks else np.zeros(0)
    total_p, total_a = float(predicted.sum()), float(actual.sum())
    error = (total_p - total_a) / total_a if total_a else None
    warnings = []
    if error is not None and abs(error) > POOR_FIT:
        warnings.append(
            notice(POOR_HOLDOUT, predicted=f"{total_p:,.0f}", actual=f"{total_a:,.0f}", error=f"{error:+.0%}")
        )
    mae = float(np.mean(np.abs(predicted - actual))) if len(actual) else 0.0
    return {
        "days": holdout_days,
        "customers": len(x),
        "predicted": total_p,
        "actual": total_a,
        "error": error,
        "mae": mae,
        "correlation": _corr(predicted, actual),
        "weekly": {"predicted": [float(v) for v in weekly], "actual": [float(v) for v in weekly_actual]},
        "by_frequency": by_frequency(predicted, actual, x),
    }, warnings


def _corr(a: Array, b: Array) -> float | None:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return None
    value = float(np.corrcoef(a, b)[0, 1])
    return value if math.isfinite(value) else None
