"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the form of Fader & Hardie's note "A note on deriving
the Pareto/NBD model and related expressions" (2005).

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) and lives an exponential
lifetime with rate mu ~ Gamma(s, beta). The likelihood holds Gauss hypergeometric functions whose derivatives in
the parameters have no closed form, so the gradient is numerical. Euler's transformation turns each
2F1(r+s+x, s+1; r+s+x+1; z) into (1-z)^(-s) 2F1(1, r+x; r+s+x+1; z), which stays finite as z -> 1 and for any x.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln

from klientura.analytics.clv.fitting import Array, Counts
from klientura.analytics.clv.special import MAX_TERMS, hyp2f1

NAMES = ("r", "alpha", "s", "beta")
# while fitting, a likelihood whose series needs more terms than this counts as not computable (NaN), and the
# optimiser stays away: such parameters (r, s in the tens of thousands) only come from data the model cannot
# describe, and the fit is flagged; predictions with final parameters may take up to MAX_TERMS
FIT_TERMS = 2_000


def _log_term(r: float, alpha: float, s: float, beta: float, x: Array, y: Array, terms: int) -> Array:
    """log of 2F1(...; z(y)) / (max(alpha, beta) + y)^(r+s+x), the two halves of A0."""
    c = r + s + x + 1
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        return np.asarray(
            -(r + x) * np.log(alpha + y) - s * np.log(beta + y) + np.log(hyp2f1(1.0, r + x, c, z, max_terms=terms))
        )
    z = (beta - alpha) / (beta + y)
    return np.asarray(
        (1 - r - x) * np.log(alpha + y) - (s + 1) * np.log(beta + y) + np.log(hyp2f1(1.0, s + 1, c, z, max_terms=terms))
    )


def _halves(p: Array, x: Array, t_x: Array, T: Array, terms: int = MAX_TERMS) -> tuple[Array, Array]:
    """(L1, L2): the log-likelihood of 'alive at T' and of 'died between t_x and T', without the common part."""
    r, alpha, s, beta = (float(v) for v in p)
    l1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    at_tx, at_T = _log_term(r, alpha, s, beta, x, t_x, terms), _log_term(r, alpha, s, beta, x, T, terms)
    return np.asarray(l1), _died(r, s, x, at_tx, at_T)


def _died(r: float, s: float, x: Array, at_tx: Array, at_T: Array) -> Array:
    """log of s / (r+s+x) * A0, A0 the difference of the two halves (zero when t_x = T)."""
    gap = at_T - at_tx  # < 0 unless t_x = T, when no death in between is possible
    died = gap < -1e-15
    log_a0 = np.where(died, at_tx + np.log1p(-np.exp(np.where(died, gap, -1.0))), -np.inf)
    return np.asarray(np.log(s / (r + s + x)) + log_a0)


def loglik(p: Array, d: Counts) -> tuple[float, None]:
    r, alpha, s, beta = (float(v) for v in p)
    per_x = gammaln(r + d.xs) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    (x_T, T, row_T), (x_tx, t_x, row_tx) = d.by_T, d.by_t_x
    # the hypergeometric halves once per distinct (x, T) and (x, t_x), not per row
    at_T = _log_term(r, alpha, s, beta, x_T, T, FIT_TERMS)[row_T]
    at_tx = _log_term(r, alpha, s, beta, x_tx, t_x, FIT_TERMS)[row_tx]
    l1 = (-(r + x_T) * np.log(alpha + T) - s * np.log(beta + T))[row_T]
    l2 = _died(r, s, d.x, at_tx, at_T)
    return float(d.wx @ per_x + d.w @ np.logaddexp(l1, l2)), None


def start(d: Counts) -> Array:
    rate = max(float(d.w @ d.x) / max(float(d.w @ d.T), 1e-9), 1e-6)
    mean_T = float(d.w @ d.T) / float(d.w.sum())
    return np.array([1.0, 1.0 / rate, 1.0, mean_T])


def _arrays(*values: Any) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def p_alive(p: Array, x: Any, t_x: Any, T: Any) -> Array:
    x_, tx_, T_ = _arrays(x, t_x, T)
    l1, l2 = _halves(p, x_, tx_, T_)
    return np.asarray(np.exp(-np.logaddexp(0.0, l2 - l1)), dtype=np.float64)


def expected_if_alive(p: Array, t: Any, x: Any, T: Any) -> Array:
    """Expected purchases in (T, T + t] were the customer certainly alive at T."""
    r, alpha, s, beta = (float(v) for v in p)
    t_, x_, T_ = _arrays(t, x, T)
    rate = (r + x_) / (alpha + T_)
    # E[min(lifetime, t)] with mu ~ Gamma(s, beta + T): (beta+T)/(s-1) (1 - ((beta+T)/(beta+T+t))^(s-1))
    shrink = np.log1p(t_ / (beta + T_))
    life = (beta + T_) * shrink if abs(s - 1.0) < 1e-09 else (beta + T_) / (s - 1) * -np.expm1(-(s - 1) * shrink)
    return np.asarray(rate * life, dtype=np.float64)


def expected(p: Array, t: Any, x: Any, t_x: Any, T: Any) -> Array:
    return expected_if_alive(p, t, x, T) * p_alive(p, x, t_x, T)


def survival(p: Array, h: float) -> float:
    """The share of customers alive now still alive ``h`` later: E[exp(-mu h)] = (beta / (beta + h))^s."""
    s, beta = float(p[2]), float(p[3])
    return float((beta / (beta + h)) ** s)
