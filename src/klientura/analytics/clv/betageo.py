"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and MBG/NBD (Batislam, Denizel &
Filiztekin 2007, which also lets a customer drop out right after the first purchase).

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each purchase (and,
for MBG/NBD, at the first) the customer drops out with probability p ~ Beta(a, b). The likelihood and its
gradient are analytic. Predictions use Euler's transformation of the Gauss hypergeometric function, so that
nothing overflows for a customer with hundreds of purchases or a horizon of years:
(1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaincinv, digamma, gammaln, roots_jacobi

from klientura.analytics.clv.fitting import Array, Counts
from klientura.analytics.clv.special import hyp2f1

NAMES = ("r", "alpha", "a", "b")
QUADRATURE_NODES = 96


def _loglik(p: Array, d: Counts, modified: bool) -> tuple[float, Array]:
    r, alpha, a, b = (float(v) for v in p)
    xs, wx, x, w = d.xs, d.wx, d.x, d.w
    k = 1.0 if modified else 0.0  # MBG/NBD: one more chance to drop out, at the first purchase
    per_x = (
        gammaln(r + xs)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + xs + k)
        - gammaln(b)
        - gammaln(a + b + xs + k)
    )
    l_T = np.log(alpha + d.T)
    l_tx = np.log(alpha + d.t_x)
    a3 = -(r + x) * l_T
    pos = x > 0 if not modified else np.ones_like(x, dtype=bool)
    denom = np.where(pos, b + x - 1 + k, 1.0)
    a4 = np.where(pos, np.log(a) - np.log(denom) - (r + x) * l_tx, -np.inf)
    lse = np.logaddexp(a3, a4)
    ll = float(wx @ per_x + w @ lse)
    w3, w4 = w * np.exp(a3 - lse), w * np.exp(a4 - lse)
    g_r = wx @ (digamma(r + xs) - digamma(r) + np.log(alpha)) - w3 @ l_T - w4 @ l_tx
    g_alpha = r * wx.sum() / alpha - w3 @ ((r + x) / (alpha + d.T)) - w4 @ ((r + x) / (alpha + d.t_x))
    g_a = wx @ (digamma(a + b) - digamma(a + b + xs + k)) + w4.sum() / a
    g_b = wx @ (digamma(a + b) + digamma(b + xs + k) - digamma(b) - digamma(a + b + xs + k)) - w4 @ (1 / denom)
    return ll, np.array([g_r, g_alpha, g_a, g_b])


def loglik(p: Array, d: Counts) -> tuple[float, Array]:
    return _loglik(p, d, modified=False)


def loglik_modified(p: Array, d: Counts) -> tuple[float, Array]:
    return _loglik(p, d, modified=True)


def start(d: Counts) -> Array:
    rate = max(float(d.w @ d.x) / max(float(d.w @ d.T), 1e-9), 1e-6)
    return np.array([1.0, 1.0 / rate, 1.0, 3.0])


def _arrays(*values: Any) -> list[Array]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def p_alive(p: Array, x: Any, t_x: Any, T: Any, *, modified: bool = False) -> Array:
    """The probability that a customer with this history is still a customer at T."""
    r, alpha, a, b = (float(v) for v in p)
    x_, tx_, T_ = _arrays(x, t_x, T)
    k = 1.0 if modified else 0.0
    odds_log = (
        np.log(a) - np.log(np.maximum(b + x_ - 1 + k, 1e-300)) + (r + x_) * (np.log(alpha + T_) - np.log(alpha + tx_))
    )
    alive = np.exp(-np.logaddexp(0.0, odds_log))  # 1 / (1 + odds) without overflow
    if not modified:
        alive = np.where(x_ > 0, alive, 1.0)
    return np.asarray(alive, dtype=np.float64)


def expected_if_alive(p: Array, t: Any, x: Any, T: Any, *, modified: bool = False) -> Array:
    """Expected purchases in (T, T + t] of a customer with x repeat purchases observed for T, were the customer
    certainly alive at T (multiply by :func:`p_alive` for the conditional expectation)."""
    r, alpha, a, b = (float(v) for v in p)
    t_, x_, T_ = np.broadcast_arrays(*_arrays(t, x, T))
    k = 1.0 if modified else 0.0
    a_ = 1.0 + 1e-7 if abs(a - 1.0) < 1e-7 else a  # the expression has a removable singularity at a = 1
    z = t_ / (alpha + T_ + t_)
    c = a_ + b + x_ - 1 + k
    with np.errstate(all="ignore"):  # where the closed form breaks down, the quadrature below takes over
        tail = (1 - z) ** (a_ - 1) * hyp2f1(a_ + b - 1 + k - r, a_ - 1, c, z)
        out = np.asarray(c / (a_ - 1) * (1 - tail), dtype=np.float64)
    ceiling = (r + x_) * t_ / (alpha + T_)  # E[lambda] t: what a customer who never drops out would buy
    bad = ~(np.isfinite(out) & (out >= 0) & (out <= ceiling * (1 + 1e-9) + 1e-12))
    if bad.any():
        out = out.copy()
        out[bad] = _by_quadrature(r, alpha, a, b + k, t_[bad], x_[bad], T_[bad])
    return out


def _by_quadrature(r: float, alpha: float, a: float, b: float, t: Array, x: Array, T: Array) -> Array:
    """E[Y(t) | alive] as the integral over the posterior dropout probability p ~ Beta(a, b + x) of
    (1 - ((alpha+T) / (alpha+T+p t))^(r+x)) / p (lambda ~ Gamma(r+x, alpha+T) integrated out), by Gauss-Legendre
    in the quantiles of p — for parameters (a, b in the millions) where the hypergeometric form overflows."""
    nodes, weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    q = (nodes + 1) / 2
    out = np.empty_like(t)
    xs, row = np.unique(x, return_inverse=True)
    for i, xv in enumerate(xs):
        sel = row.ravel() == i
        prob = np.maximum(betaincinv(a, b + xv, q), 1e-300)[None, :]  # the dropout probability at each quantile
        tau = (t[sel] / (alpha + T[sel]))[:, None]
        h = -np.expm1(-(r + xv) * np.log1p(prob * tau)) / prob
        out[sel] = h @ weights / 2
    return out


def expected(p: Array, t: Any, x: Any, t_x: Any, T: Any, *, modified: bool = False) -> Array:
    """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units."""
    return expected_if_alive(p, t, x, T, modified=modified) * p_alive(p, x, t_x, T, modified=modified)


def survival(p: Array, h: float) -> float:
    """The share of customers alive now who are still alive ``h`` time units later, for a customer drawn from the
    population: E[exp(-lambda p h)] = E_p[(alpha / (alpha + p h))^r] with p ~ Beta(a, b) (Gauss–Jacobi)."""
    r, alpha, a, b = (float(v) for v in p)
    if a + b < 500:  # Gauss-Jacobi: the Beta density as the weight (its nodes overflow for larger a + b)
        nodes, weights = roots_jacobi(64, b - 1, a - 1)  # weight (1-u)^(b-1) (1+u)^(a-1) on [-1, 1]
        q = (nodes + 1) / 2  # the dropout probability
        return float(weights @ ((alpha / (alpha + q * h)) ** r) / weights.sum())
    nodes, weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)  # in the quantiles of p
    q = betaincinv(a, b, (nodes + 1) / 2)
    return float(weights @ ((alpha / (alpha + q * h)) ** r) / 2)
