"""The numerical core on its own: textbook formulas as a second implementation, edge cases that must not give
NaN or overflow (pytest runs with -W error, so a numpy overflow warning fails too), gradients, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import betaln, gammaln, hyp2f1

from klientura.analytics import clv
from klientura.analytics.clv import betageo, pareto, spend
from klientura.analytics.clv.fitting import _numeric_gradient
from klientura.kit.errors import ValidationFailed

BG = np.array([0.243, 4.414, 0.793, 2.426])
PNBD = np.array([0.553, 10.578, 0.606, 11.669])
GG = np.array([6.25, 3.74, 15.44])
EDGES = [  # x, t_x, T (weeks)
    (0, 0.0, 39.0),
    (0, 0.0, 1 / 7),
    (1, 1 / 7, 1 / 7),
    (5, 39.0, 39.0),
    (1000, 38.0, 39.0),
    (5000, 39.0, 39.0),
    (5000, 0.5, 39.0),
    (3, 0.1, 500.0),
    (200, 100.0, 520.0),
]


def bg_textbook_ll(p: np.ndarray, x: float, t_x: float, T: float) -> float:
    """BG/NBD likelihood as printed in Fader, Hardie & Lee (2005), eq. 6, without logs or transformations."""
    r, alpha, a, b = p
    common = math.exp(gammaln(r + x) - gammaln(r) + r * math.log(alpha))
    first = math.exp(betaln(a, b + x) - betaln(a, b)) / (alpha + T) ** (r + x)
    second = math.exp(betaln(a + 1, b + x - 1) - betaln(a, b)) / (alpha + t_x) ** (r + x) if x > 0 else 0.0
    return math.log(common * (first + second))


def bg_textbook_expected(p: np.ndarray, t: float, x: float, t_x: float, T: float) -> float:
    """E[Y(t) | x, t_x, T], eq. 10 of the paper, with the hypergeometric function as printed."""
    r, alpha, a, b = p
    z = t / (alpha + T + t)
    num = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    den = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return float(num / den)


def pareto_integral_ll(p: np.ndarray, x: float, t_x: float, T: float) -> float:
    """Pareto/NBD likelihood from its derivation: alive throughout, or died at some tau in (t_x, T] —
    the second part by numerical quadrature instead of hypergeometric functions."""
    r, alpha, s, beta = p
    common = math.exp(gammaln(r + x) - gammaln(r) + r * math.log(alpha) + s * math.log(beta))
    alive = (alpha + T) ** -(r + x) * (beta + T) ** -s
    died = quad(lambda tau: s * (alpha + tau) ** -(r + x) * (beta + tau) ** -(s + 1), t_x, T, epsabs=0, epsrel=1e-12)[0]
    return math.log(common * (alive + died))


@pytest.mark.parametrize("x,t_x,T", [(0, 0, 39), (1, 5, 39), (2, 30.5, 38), (7, 36, 39), (15, 20, 30)])
def test_likelihoods_match_the_textbook(x: int, t_x: float, T: float) -> None:
    d = clv.Counts.of([x], [t_x], [T])
    assert betageo.loglik(BG, d)[0] == pytest.approx(bg_textbook_ll(BG, x, t_x, T), rel=1e-12)
    for q in (PNBD, np.array([0.553, 5.0, 0.606, 11.669])):  # alpha >= beta and alpha < beta take other forms
        assert pareto.loglik(q, d)[0] == pytest.approx(pareto_integral_ll(q, x, t_x, T), rel=1e-9)
    for t in (1.0, 39.0, 156.0):
        ours = float(betageo.expected(BG, t, x, t_x, T)[()])
        assert ours == pytest.approx(bg_textbook_expected(BG, t, x, t_x, T), rel=1e-9)


def test_pareto_expectation_is_its_integral() -> None:
    """E[Y(t) | alive] of Pareto/NBD = E[lambda] E[min(lifetime, t)] under the posteriors, by quadrature."""
    r, alpha, s, beta = PNBD
    x, T, t = 3.0, 30.0, 52.0
    rate = (r + x) / (alpha + T)
    # E[min(L, t)] = integral of P(L > u) = ((beta+T)/(beta+T+u))^s over [0, t]
    life = quad(lambda u: ((beta + T) / (beta + T + u)) ** s, 0, t)[0]
    assert float(pareto.expected_if_alive(PNBD, t, x, T)[()]) == pytest.approx(rate * life, rel=1e-10)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pareto"])
def test_edge_cases_stay_finite(name: str) -> None:
    m = clv.model(name)
    p = PNBD if name == "pareto" else BG
    x, t_x, T = (np.array(v, dtype=float) for v in zip(*EDGES, strict=True))
    assert np.isfinite(m.loglik(p, clv.Counts.of(x, t_x, T))[0])
    alive = m.p_alive(p, x, t_x, T)
    assert np.isfinite(alive).all() and ((alive >= 0) & (alive <= 1)).all()
    for t in (0.0, 1.0, 52.0, 520.0, 5200.0):
        e = m.expected(p, t, x, t_x, T)
        assert np.isfinite(e).all() and (e >= 0).all()
    assert alive[0] == 1.0 if name == "bgnbd" else alive[0] < 1  # BG/NBD: no repeat purchase, no chance to die
    assert alive[5] > 0.99 and alive[6] < 1e-6  # 5,000 purchases up to today vs then 38 silent weeks
    assert np.isfinite(spend.expected_spend(GG, x, np.full_like(x, 25.0))).all()


@given(
    x=st.integers(0, 300),
    frac_tx=st.floats(0, 1),
    T=st.floats(0.01, 600),
    r=st.floats(0.05, 5),
    alpha=st.floats(0.1, 100),
    a=st.floats(0.05, 5),
    b=st.floats(0.05, 20),
)
@settings(max_examples=150, deadline=None)
def test_bg_predictions_are_probabilities_and_grow(
    x: int, frac_tx: float, T: float, r: float, alpha: float, a: float, b: float
) -> None:
    t_x = 0.0 if x == 0 else frac_tx * T
    p = np.array([r, alpha, a, b])
    for modified in (False, True):
        alive = float(betageo.p_alive(p, x, t_x, T, modified=modified)[()])
        assert 0 <= alive <= 1
        e = [float(betageo.expected(p, t, x, t_x, T, modified=modified)[()]) for t in (1.0, 10.0, 100.0)]
        assert all(math.isfinite(v) and v >= 0 for v in e)
        assert e[0] <= e[1] * (1 + 1e-9) and e[1] <= e[2] * (1 + 1e-9)


@pytest.mark.parametrize("loglik,p", [(betageo.loglik, BG), (betageo.loglik_modified, BG)])
def test_analytic_gradients(loglik: object, p: np.ndarray) -> None:
    x, t_x, T = (np.array(v, dtype=float) for v in zip(*EDGES[:5], strict=True))
    d = clv.Counts.of(x, t_x, T)
    analytic = loglik(p, d)[1]  # type: ignore[operator]
    numeric = _numeric_gradient(loglik, p, d)  # type: ignore[arg-type]
    assert analytic == pytest.approx(numeric, rel=1e-5)


def test_spend_gradient() -> None:
    d = spend.Spends.of([1, 2, 2, 5, 40], [10.0, 25.5, 31.0, 12.0, 80.0])
    assert spend.loglik(GG, d)[1] == pytest.approx(_numeric_gradient(spend.loglik, GG, d), rel=1e-5)  # type: ignore[arg-type]


def test_grouping_does_not_change_the_likelihood() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, 500)
    T = rng.integers(1, 6, 500).astype(float)
    t_x = np.where(x > 0, np.minimum(T, rng.integers(0, 6, 500)), 0).astype(float)
    grouped = clv.Counts.of(x, t_x, T)
    assert len(grouped.x) < 100
    one_by_one = sum(betageo.loglik(BG, clv.Counts.of([a], [b], [c]))[0] for a, b, c in zip(x, t_x, T, strict=True))
    assert betageo.loglik(BG, grouped)[0] == pytest.approx(one_by_one, rel=1e-12)


def test_survival_and_one_more_point_of_retention() -> None:
    """BG/NBD's share alive after h: E[(alpha/(alpha + p h))^r] over p ~ Beta(a, b), against direct quadrature;
    the 'more loyal' parameters raise it by exactly one point."""
    r, alpha, a, b = BG
    direct = quad(lambda q: (alpha / (alpha + q * 52)) ** r * q ** (a - 1) * (1 - q) ** (b - 1), 0, 1)[0]
    direct /= math.exp(betaln(a, b))
    assert betageo.survival(BG, 52) == pytest.approx(direct, rel=1e-8)
    for name, p in (("bgnbd", BG), ("pareto", PNBD)):
        m = clv.model(name)
        loyal = m.more_loyal(p, 52)
        assert m.survival(loyal, 52) == pytest.approx(m.survival(p, 52) + 0.01, abs=1e-9)
        assert loyal[m.retention_param] > p[m.retention_param] and (np.delete(loyal, 3) == np.delete(p, 3)).all()


def test_too_little_data_and_bad_input_are_clear_errors() -> None:
    with pytest.raises(ValidationFailed, match="too little data to fit: 3 customers, 1 with a repeat purchase"):
        clv.model("bgnbd").fit(clv.Counts.of([0, 0, 2], [0, 0, 3], [5, 6, 7]))
    with pytest.raises(ValidationFailed, match="after the end of the period"):
        clv.Counts.of([1], [8], [7])
    with pytest.raises(ValidationFailed, match="t_x = 0"):
        clv.Counts.of([0], [2], [7])
    with pytest.raises(ValidationFailed, match="T > 0"):
        clv.Counts.of([0], [0], [0])
    with pytest.raises(ValidationFailed, match="too little data to fit spend"):
        clv.fit_spend(clv.Spends.of([1, 2], [10.0, 20.0]))
    with pytest.raises(ValidationFailed, match="unknown model 'lifetimes'"):
        clv.model("lifetimes")


def test_a_model_without_dropout_signal_is_flagged() -> None:
    """Customers who all keep buying at a steady rate leave the dropout process undetermined: warned, not
    silently reported as precise."""
    rng = np.random.default_rng(7)
    n = 2000
    T = rng.uniform(20, 52, n)
    x = rng.poisson(0.5 * T)
    t_x = np.where(x > 0, T - rng.exponential(0.5, n).clip(0, None), 0).clip(0, T)
    est = clv.model("bgnbd").fit(clv.Counts.of(x, t_x, T))
    assert est.warnings, est.params


@pytest.mark.parametrize(
    "a,b,c,z,mpmath_value",
    [
        (1.0, -0.5, 99.5, 0.9803921568627451, 0.995049019655862),  # scipy 1.17: inf
        (1.0, 3.5, 200.5, 0.99, 1.01767449291446),  # scipy 1.17: nan
        (1.0, -0.5, 9.5, 0.99, 0.945034301644081),  # scipy is right here and is kept
    ],
)
def test_hypergeometric_where_scipy_fails(a: float, b: float, c: float, z: float, mpmath_value: float) -> None:
    from klientura.analytics.clv.special import hyp2f1 as safe

    assert float(safe(a, b, c, z)[()]) == pytest.approx(mpmath_value, rel=1e-12)
    both = safe([a, a], [b, b], [c, 5.0], [z, 0.5])
    assert both.shape == (2,) and np.isfinite(both).all()


@given(
    x=st.integers(0, 5000),
    frac_tx=st.floats(0, 1),
    T=st.floats(0.01, 600),
    r=st.floats(0.05, 5),
    alpha=st.floats(0.1, 100),
    s=st.floats(0.05, 5),
    beta=st.floats(0.1, 100),
)
@settings(max_examples=150, deadline=None)
def test_pareto_stays_finite(x: int, frac_tx: float, T: float, r: float, alpha: float, s: float, beta: float) -> None:
    t_x = 0.0 if x == 0 else frac_tx * T
    p = np.array([r, alpha, s, beta])
    assert math.isfinite(pareto.loglik(p, clv.Counts.of([x], [t_x], [T]))[0])
    alive = float(pareto.p_alive(p, x, t_x, T)[()])
    assert 0 <= alive <= 1
    assert math.isfinite(float(pareto.expected(p, 52.0, x, t_x, T)[()]))


def test_recovers_the_parameters_that_made_the_data() -> None:
    from tests.analytics.clv.simulate import bgnbd

    truth = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 3.0}
    x, t_x, T, future = bgnbd(20_000, *truth.values(), seed=11, horizon=26)
    m = clv.model("bgnbd")
    est = m.fit(clv.Counts.of(x, t_x, T))
    for name, value in truth.items():
        se = est.std_errors[name]
        assert se is not None and abs(est.params[name] - value) < 3 * se, (name, est.params[name], se)
    # and predicts the next half-year of the same customers
    predicted = m.expected(est.vector(), 26, x, t_x, T)
    assert predicted.sum() == pytest.approx(future.sum(), rel=0.05)


def test_where_the_closed_form_overflows_a_quadrature_takes_over() -> None:
    """When the data drive a and b to millions (every customer drops with about the same p), the hypergeometric
    form overflows; the integral over p takes over, and agrees with the closed form where both work."""
    from klientura.analytics.clv.betageo import _by_quadrature

    x, T = np.array([0.0, 3, 20, 300]), np.array([40.0, 40, 40, 40])
    for p in (BG, np.array([0.3, 5.0, 2.0, 30.0]), np.array([1.5, 2.0, 40.0, 160.0])):
        for t in (4.0, 52.0, 156.0):
            closed = betageo.expected_if_alive(p, t, x, T)
            by_integral = _by_quadrature(*p, np.full_like(x, t), x, T)
            assert by_integral == pytest.approx(closed, rel=1e-4)
    far = np.array([0.3, 5.0, 0.2 * 4e8, 0.8 * 4e8])
    limit = betageo.expected_if_alive(far, 52.0, x, T)
    q = 0.2 / (1 + x / 4e8)  # the dropout probability, all but known
    assert limit == pytest.approx(-np.expm1(-(0.3 + x) * np.log1p(q * 52 / (5 + T))) / q, rel=1e-6)
