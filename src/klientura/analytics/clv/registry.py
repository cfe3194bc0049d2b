"""The purchase-count models by name, behind one interface: fit, P(alive), expected purchases, survival."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from klientura.analytics.clv import betageo, pareto, spend
from klientura.analytics.clv.fitting import Array, Counts, Estimate, enough, maximise
from klientura.analytics.errors import (
    CORRELATED,
    NO_FINITE_MEAN,
    RETENTION_AT_TOP,
    RETENTION_FIXED,
    TOO_LITTLE_SPEND,
    UNKNOWN_MODEL,
)
from klientura.kit.errors import ValidationFailed, notice


@dataclass(frozen=True)
class Model:
    name: str
    title: str
    names: tuple[str, ...]
    loglik: Callable[[Array, Counts], tuple[float, Array | None]]
    start: Callable[[Counts], Array]
    p_alive: Callable[..., Array]
    expected_if_alive: Callable[..., Array]
    survival: Callable[[Array, float], float]
    retention_param: int  # the parameter that moves loyalty: b (dropout ~ Beta(a, b)) or beta (mu ~ Gamma(s, beta))

    def fit(self, data: Counts) -> Estimate:
        enough(data.customers, data.repeaters)
        return maximise(self.name, self.names, self.loglik, data, self.start(data), data.customers)

    def expected(self, p: Array, t: Any, x: Any, t_x: Any, T: Any) -> Array:
        return self.expected_if_alive(p, t, x, T) * self.p_alive(p, x, t_x, T)

    def more_loyal(self, p: Array, horizon: float, points: float = 0.01) -> Array:
        """The parameters under which ``points`` more of the customers alive now are still alive ``horizon``
        later (the retention parameter moved, the rest kept)."""
        base = self.survival(p, horizon)
        target = base + points
        if target >= 1:
            raise ValidationFailed(RETENTION_AT_TOP)
        i = self.retention_param

        def gap(log_value: float) -> float:
            q = p.copy()
            q[i] = np.exp(log_value)
            return self.survival(q, horizon) - target

        lo, hi = np.log(p[i]), np.log(p[i]) + 1.0
        while gap(hi) < 0:
            hi += 1.0
            if hi > np.log(p[i]) + 40:
                raise ValidationFailed(RETENTION_FIXED)
        q = p.copy()
        from scipy.optimize import brentq  # on first use: scipy.optimize takes 0.4 s to import

        q[i] = np.exp(brentq(gap, lo, hi, xtol=1e-12))
        return q


MODELS: dict[str, Model] = {
    "bgnbd": Model(
        "bgnbd",
        "BG/NBD",
        betageo.NAMES,
        betageo.loglik,
        betageo.start,
        betageo.p_alive,
        betageo.expected_if_alive,
        betageo.survival,
        3,
    ),
    "mbgnbd": Model(
        "mbgnbd",
        "MBG/NBD",
        betageo.NAMES,
        betageo.loglik_modified,
        betageo.start,
        partial(betageo.p_alive, modified=True),
        partial(betageo.expected_if_alive, modified=True),
        betageo.survival,
        3,
    ),
    "pareto": Model(
        "pareto",
        "Pareto/NBD",
        pareto.NAMES,
        pareto.loglik,
        pareto.start,
        pareto.p_alive,
        pareto.expected_if_alive,
        pareto.survival,
        3,
    ),
}


def model(name: str) -> Model:
    if name not in MODELS:
        raise ValidationFailed(UNKNOWN_MODEL, value=name, allowed=", ".join(MODELS))
    return MODELS[name]


def fit_spend(data: spend.Spends) -> Estimate:
    """Gamma-Gamma, with the warnings it needs: q <= 1 leaves the mean spend undefined."""
    if data.customers < 10:
        raise ValidationFailed(TOO_LITTLE_SPEND, customers=data.customers)
    est = maximise("gamma_gamma", spend.NAMES, spend.loglik, data, spend.start(data), data.customers)
    if est.params["q"] <= 1:
        raise ValidationFailed(NO_FINITE_MEAN, q=f"{est.params['q']:.3g}")
    x, m = data.x, data.m
    if len(x) > 2 and np.std(x) > 0 and np.std(m) > 0:
        corr = float(np.corrcoef(x, m)[0, 1])
        if abs(corr) > 0.3:
            est.warnings.append(notice(CORRELATED, value=f"{corr:.2f}"))
    return est
