"""The target-vs-control statistics against a second implementation (SciPy) and an A/A test on real purchases."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import pytest
from scipy import stats as sps

from klientura.campaigns import in_share, proportions, welch
from tests.analytics.clv.cdnow import FILE as CDNOW  # the repository's copy of ../shared/data/cdnow


@pytest.mark.parametrize("seed", range(6))
def test_welch_agrees_with_scipy(seed: int) -> None:
    rng = random.Random(seed)
    # revenue-like: mostly zeros, a long tail; groups of different sizes and spreads
    target = [rng.lognormvariate(7, 1.2) if rng.random() < 0.12 else 0.0 for _ in range(rng.randint(300, 3000))]
    control = [rng.lognormvariate(6.8, 0.8) if rng.random() < 0.10 else 0.0 for _ in range(rng.randint(40, 400))]
    ours = welch(target, control)
    ref = sps.ttest_ind(target, control, equal_var=False)
    low, high = ref.confidence_interval(0.95)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (ours.low, ours.high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    # only the buyers' values with the group sizes: the zeros are implied
    sparse = welch([v for v in target if v], [v for v in control if v], len(target), len(control))
    assert (sparse.diff, sparse.p_value) == (pytest.approx(ours.diff, rel=1e-12), pytest.approx(ours.p_value, rel=1e-9))


@pytest.mark.parametrize(("xt", "nt", "xc", "nc"), [(120, 1000, 80, 1000), (31, 900, 2, 100), (5, 50, 5, 50)])
def test_proportions_agree_with_the_chi_square_test(xt: int, nt: int, xc: int, nc: int) -> None:
    ours = proportions(xt, nt, xc, nc)
    chi2 = sps.chi2_contingency([[xt, nt - xt], [xc, nc - xc]], correction=False)
    assert ours.p_value == pytest.approx(chi2.pvalue, rel=1e-9)
    se = math.sqrt(xt / nt * (1 - xt / nt) / nt + xc / nc * (1 - xc / nc) / nc)
    assert ours.high - ours.low == pytest.approx(2 * 1.959963984540054 * se, rel=1e-9)


def test_degenerate_groups_give_no_p_value() -> None:
    assert welch([], [], 0, 0).p_value is None and welch([5.0], [], 1, 10).p_value is None
    assert welch([], [], 100, 100).p_value is None  # nobody bought in either group
    assert proportions(0, 0, 1, 10).p_value is None


def _holdout_revenue() -> tuple[list[int], dict[int, float]]:
    revenue: dict[int, float] = defaultdict(float)
    ids = set()
    for line in CDNOW.read_text().splitlines():
        _master, cid, day, _n, value = line.split()
        ids.add(int(cid))
        if day > "19970930":
            revenue[int(cid)] += float(value)
    return sorted(ids), dict(revenue)


def test_an_aa_test_on_real_purchases_is_significant_about_5_percent_of_the_time() -> None:
    """400 campaigns that change nothing, each splitting the 2,357 CDNOW customers with its own seed (20 % holdout)
    and comparing what they spent afterwards: the share of "significant" results at 5 % must be near 5 %."""
    ids, revenue = _holdout_revenue()
    runs, hits, conv_hits = 400, 0, 0
    for i in range(runs):
        control = {c for c in ids if in_share(f"aa-{i}", c, 0.2)}
        target = [c for c in ids if c not in control]
        d = welch(
            [revenue[c] for c in target if c in revenue],
            [revenue[c] for c in control if c in revenue],
            len(target),
            len(control),
        )
        hits += d.significant
        conv = proportions(
            sum(c in revenue for c in target), len(target), sum(c in revenue for c in control), len(control)
        )
        conv_hits += conv.significant
    assert 0.025 <= hits / runs <= 0.085, hits / runs
    assert 0.025 <= conv_hits / runs <= 0.085, conv_hits / runs


def test_a_real_effect_is_found() -> None:
    """The same split with 30 % more spend in the target group: found far more often than by chance."""
    ids, revenue = _holdout_revenue()
    found = 0
    for i in range(100):
        control = {c for c in ids if in_share(f"ab-{i}", c, 0.5)}
        d = welch(
            [revenue[c] * 1.3 for c in ids if c not in control and c in revenue],
            [revenue[c] for c in control if c in revenue],
            len(ids) - len(control),
            len(control),
        )
        found += d.significant and d.diff > 0
    assert found >= 30


def test_roi_comes_with_the_interval_of_the_incremental_margin_and_p_values_read_honestly() -> None:
    """ROI = (incremental margin - cost) / cost: its interval is the margin's, moved the same way (by hand: margin
    900 [-300, 2100], cost 100 -> ROI 800 % [-400 %, 2000 %]); a p-value under 0.001 is not shown as 0.000."""
    from types import SimpleNamespace
    from typing import Any, cast

    from klientura.campaigns.report import CampaignReport as Report
    from klientura.campaigns.stats import Difference
    from klientura.web.i18n import p_value

    margin = Difference(1000.0, 100.0, 900.0, -300.0, 2100.0, 0.2)
    overall = cast(Any, SimpleNamespace(margin=margin))
    r = Report(1, cast(Any, None), cast(Any, None), True, {}, cast(Any, None), overall, [], 100.0, 8.0)
    assert r.roi_interval == (-4.0, 20.0) and not margin.significant
    assert (
        Report(1, cast(Any, None), cast(Any, None), True, {}, cast(Any, None), overall, [], 0.0, None).roi_interval
        is None
    )
    assert (p_value(0.0), p_value(0.0004), p_value(0.0123)) == ("< 0.001", "< 0.001", "= 0.012")
