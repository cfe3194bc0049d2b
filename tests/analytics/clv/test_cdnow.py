"""The published CDNOW estimates, reproduced from the raw file — by the numerical core and end to end through
the warehouse — and the predictions checked against the holdout period of the same file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from klientura.analytics import Warehouse, clv
from klientura.analytics.clv import betageo, pareto
from klientura.audit import SYSTEM
from tests.analytics.clv.cdnow import CALIBRATION_END, HOLDOUT_END, load, prepared

# Fader, Hardie & Lee (2005), as quoted in ../shared/data/README.md: rounded to the digits shown
PUBLISHED = {
    "bgnbd": ({"r": "0.243", "alpha": "4.414", "a": "0.793", "b": "2.426"}, -9582.4),
    "pareto": ({"r": "0.553", "alpha": "10.578", "s": "0.606", "beta": "11.669"}, -9595.0),
}
PUBLISHED_SPEND = {"p": "6.25", "q": "3.74", "gamma": "15.44"}
# a second implementation: lifetimes 0.11.3 on the same arrays (run outside the test suite; see bench/clv_bench.py)
LIFETIMES = {
    "bgnbd": {"r": 0.24259454, "alpha": 4.41360272, "a": 0.79292183, "b": 2.42590573},
    "mbgnbd": {"r": 0.52484290, "alpha": 6.18308176, "a": 0.89135952, "b": 1.61400293},
    "pareto": {"r": 0.55327910, "alpha": 10.57768907, "s": 0.60623050, "beta": 11.66803777},
}
LIFETIMES_SPEND = {"p": 6.24957228, "q": 3.74422467, "gamma": 15.44352102}


def agrees(value: float, published: str) -> bool:
    """Within 1e-3 relative of the published figure, allowing for its rounding (half a unit of its last digit)."""
    decimals = len(published.split(".")[1])
    return abs(value - float(published)) <= max(1e-3 * float(published), 0.5 * 10**-decimals)


@pytest.mark.parametrize("name", ["bgnbd", "pareto"])
def test_published_estimates(name: str) -> None:
    d = prepared()
    counts = clv.Counts.of(d.x, d.t_x, d.T)
    assert counts.customers == 2357 and counts.repeaters == 946
    est = clv.model(name).fit(counts)
    published, loglik = PUBLISHED[name]
    for param, value in published.items():
        assert agrees(est.params[param], value), (param, est.params[param], value)
    assert abs(est.loglik - loglik) < 0.05
    assert est.converged and not est.warnings
    assert all(se is not None and 0 < se < est.params[p] for p, se in est.std_errors.items())


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pareto"])
def test_estimates_agree_with_lifetimes(name: str) -> None:
    d = prepared()
    est = clv.model(name).fit(clv.Counts.of(d.x, d.t_x, d.T))
    for param, value in LIFETIMES[name].items():
        assert est.params[param] == pytest.approx(value, rel=2e-4 if name == "pareto" else 1e-5), param


def test_spend_model() -> None:
    d = prepared()
    est = clv.fit_spend(clv.Spends.of(d.x, d.m))
    assert est.customers == 946
    for param, value in PUBLISHED_SPEND.items():
        assert agrees(est.params[param], value), (param, est.params[param])
        assert est.params[param] == pytest.approx(LIFETIMES_SPEND[param], rel=1e-6)


def test_holdout_predictions() -> None:
    """Expected purchases in weeks 40-78 against what each customer really bought."""
    d = prepared()
    p = clv.model("bgnbd").fit(clv.Counts.of(d.x, d.t_x, d.T)).vector()
    predicted = betageo.expected(p, 39, d.x, d.t_x, d.T)
    assert d.holdout.sum() == 1882
    assert predicted.sum() == pytest.approx(1653.4087, abs=1e-3)  # lifetimes: 1653.4087
    assert abs(predicted.sum() / d.holdout.sum() - 1) < 0.15  # BG/NBD is known to under-predict CDNOW a little
    for k in range(7):  # the conditional expectations per calibration frequency track the actual means
        sel = d.x == k
        assert abs(predicted[sel].mean() - d.holdout[sel].mean()) < 0.4, k
    assert np.corrcoef(predicted, d.holdout)[0, 1] > 0.6
    pp = clv.model("pareto").fit(clv.Counts.of(d.x, d.t_x, d.T)).vector()
    assert abs(pareto.expected(pp, 39, d.x, d.t_x, d.T).sum() / 1882 - 1) < 0.15


def test_end_to_end_through_the_warehouse(tmp_path: Path, session: Session) -> None:
    """The raw rows as orders in a warehouse: the service prepares the data itself and lands on the same
    estimates, and its holdout check counts the same 1,882 purchases."""
    with Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        load(wh)
        row = clv.fit(session, SYSTEM, wh, model_name="bgnbd", calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END)
    assert (row.customers, row.repeaters) == (2357, 946)
    for param, value in LIFETIMES["bgnbd"].items():
        assert row.params[param] == pytest.approx(value, rel=1e-5)
    for param, value in LIFETIMES_SPEND.items():
        assert row.spend_params[param] == pytest.approx(value, rel=1e-6)
    assert row.loglik == pytest.approx(-9582.43, abs=0.01)
    diag = row.diagnostics
    assert diag is not None and diag["actual"] == 1882 and diag["predicted"] == pytest.approx(1653.4087, abs=1e-3)
    assert len(diag["weekly"]["actual"]) == 39 and sum(diag["weekly"]["actual"]) == 1882
    # the weekly predictions add up to the whole holdout's
    assert sum(diag["weekly"]["predicted"]) == pytest.approx(diag["predicted"], rel=1e-9)
    assert [b["x"] for b in diag["by_frequency"]] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert diag["by_frequency"][0]["customers"] == 1411
    assert diag["by_frequency"][0]["actual"] == pytest.approx(0.2367, abs=1e-4)
