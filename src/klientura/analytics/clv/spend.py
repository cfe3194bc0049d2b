"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves"; Colombo & Jiang 1999).

A customer's transaction values are Gamma(p, nu) around their own mean, with nu ~ Gamma(q, gamma) across
customers; it is fitted on the x repeat purchases' mean value m_x of customers with x > 0. Terms that depend on x
alone are summed per distinct x, and sums of log m_x are computed once, so an evaluation is one pass of
log(gamma + x m_x) over the customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from klientura.analytics.clv.fitting import Array
from klientura.analytics.errors import BAD_INPUT
from klientura.kit.errors import ValidationFailed

NAMES = ("p", "q", "gamma")


@dataclass(frozen=True)
class Spends:
    """Repeat customers' (x, m_x), with the sums the likelihood needs precomputed."""

    x: Array
    m: Array
    w: Array
    xs: Array
    wx: Array
    s_xlogm: float
    s_logm: float
    s_xlogx: float

    @classmethod
    def of(cls, x: Any, m: Any, w: Any = None) -> Spends:
        x_, m_ = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
        w_ = np.ones_like(x_) if w is None else np.asarray(w, dtype=np.float64)
        if len(x_) != len(m_):
            raise ValidationFailed(BAD_INPUT, why="x and m_x must have the same length")
        if np.isnan(x_).any() or np.isinf(m_).any():
            raise ValidationFailed(BAD_INPUT, why="purchase counts and spends must be numbers")
        keep = (x_ > 0) & (m_ > 0)  # repeat purchases that all cost nothing say nothing about spend
        x_, m_, w_ = x_[keep], m_[keep], w_[keep]
        xs, xi = np.unique(x_, return_inverse=True)
        wx = np.bincount(xi.ravel(), weights=w_, minlength=len(xs)).astype(np.float64)
        logm = np.log(m_)
        return cls(x_, m_, w_, xs, wx, float(w_ @ (x_ * logm)), float(w_ @ logm), float(w_ @ (x_ * np.log(x_))))

    @property
    def customers(self) -> int:
        return round(float(self.w.sum()))


def loglik(params: Array, d: Spends) -> tuple[float, Array]:
    p, q, g = (float(v) for v in params)
    px = p * d.xs
    per_x = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
    spent = g + d.m * d.x
    log_spent = np.log(spent)
    ll = float(d.wx @ per_x + p * d.s_xlogm - d.s_logm + p * d.s_xlogx - d.w @ ((p * d.x + q) * log_spent))
    g_p = d.wx @ (d.xs * (digamma(px + q) - digamma(px))) + d.s_xlogm + d.s_xlogx - d.w @ (d.x * log_spent)
    g_q = d.wx @ (digamma(px + q) - digamma(q) + np.log(g)) - d.w @ log_spent
    g_g = q * d.wx.sum() / g - d.w @ ((p * d.x + q) / spent)
    return ll, np.array([g_p, g_q, g_g])


def start(d: Spends) -> Array:
    mean = float(d.w @ d.m) / float(d.w.sum())
    return np.array([1.0, 2.0, mean])


def expected_spend(params: Array, x: Any, m: Any) -> Array:
    """E[M | x, m_x]: the customer's expected value per purchase, a weighted mean of their own average and the
    population's. A customer without repeat purchases gets the population mean p gamma / (q - 1)."""
    p, q, g = (float(v) for v in params)
    x_, m_ = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
    population = p * g / (q - 1)
    own = np.where(x_ > 0, np.nan_to_num(m_), 0.0)
    weight = p * x_ / (p * x_ + q - 1)
    return np.asarray((1 - weight) * population + weight * own, dtype=np.float64)
