"""Programme effectiveness: the matched comparison against known truths and a second, loop-by-loop
implementation; point flows, liability and breakage from a ledger written by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from klientura import loyalty
from klientura.audit import SYSTEM
from klientura.loyalty.accounts import account_of
from klientura.loyalty.effectiveness import effectiveness, matched_effect
from tests import factories

NOW = 20_000.0


def world(seed: int, selected: bool, uplift: float, n: int = 12_000) -> tuple[np.ndarray, ...]:
    """Customers buying at their own Poisson rates for 900 days; some join on a day of the last 540 — at random, or
    the more likely the more they bought in the 180 days before (self-selection); joiners spend ``uplift`` more."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.9, 4.0 / 365, n)
    counts = rng.poisson(lam * 900)
    cust = np.repeat(np.arange(n), counts)
    t = NOW - 900 + rng.random(len(cust)) * 900
    base = rng.gamma(2.0, 800.0, len(cust))
    cand = NOW - 180 - rng.random(n) * 360
    pre = (t > cand[cust] - 180) & (t <= cand[cust])
    pre_n = np.bincount(cust[pre], minlength=n)
    p = 1 - np.exp(-0.4 * pre_n) if selected else np.full(n, 0.3)
    joined = np.where(rng.random(n) < p, cand, np.nan)
    treated = ~np.isnan(joined[cust]) & (t > joined[cust])
    return cust, t, np.where(treated, base * (1 + uplift), base), base, joined


def test_matched_effect_recovers_the_truth_when_joining_is_random() -> None:
    for seed in range(3):
        cust, t, paid, base, joined = world(seed, selected=False, uplift=0.2)
        got = matched_effect(cust, t, paid, joined, NOW)
        truth = matched_effect(cust, t, paid - base, joined, NOW)  # each matched joiner's own extra spend
        assert got is not None and truth is not None
        assert got.ci_low <= truth.effect <= got.ci_high, (got, truth.effect)
        assert got.p_value < 0.001
        null = matched_effect(cust, t, base, joined, NOW)
        assert null is not None and abs(null.effect) < 3 * (null.ci_high - null.effect) / 1.96  # within 3 SE of 0


def test_self_selection_fools_the_naive_comparison_far_more_than_the_matched_one() -> None:
    cust, t, _paid, base, joined = world(7, selected=True, uplift=0.0)
    null = matched_effect(cust, t, base, joined, NOW)
    assert null is not None
    assert null.naive_effect > 1000  # the frequent join: members "spend more" with no effect at all
    assert abs(null.effect) < 0.3 * null.naive_effect


def brute_force(cust: np.ndarray, t: np.ndarray, paid: np.ndarray, joined: np.ndarray, window: int = 180) -> float:
    """The same estimator, customer by customer and stratum by stratum, with plain Python loops."""
    from collections import defaultdict

    num, den = 0.0, 0
    for k in range(52):
        start = NOW - window - 7 * (k + 1)
        end = start + 7
        pre_n: dict[int, int] = defaultdict(int)
        pre_s: dict[int, float] = defaultdict(float)
        older: dict[int, int] = defaultdict(int)
        post: dict[int, float] = defaultdict(float)
        for c, day, amount in zip(cust.tolist(), t.tolist(), paid.tolist(), strict=True):
            if start - window < day <= start:
                pre_n[c] += 1
                pre_s[c] += amount
            elif start - window - 365 < day <= start - window:
                older[c] += 1
            elif end < day <= end + window:
                post[c] += amount
        members = [c for c in pre_n if start < joined[c] <= end]
        controls = [c for c in pre_n if not joined[c] <= end + window]
        if len(members) < 2 or len(controls) < 2:
            continue
        cuts = np.quantile([pre_s[c] for c in members], [0.2, 0.4, 0.6, 0.8])

        def key(
            c: int,
            pre_n: dict[int, int] = pre_n,
            pre_s: dict[int, float] = pre_s,
            older: dict[int, int] = older,
            cuts: np.ndarray = cuts,
        ) -> tuple[int, int, int]:
            n = pre_n[c]
            n_bin = n if n <= 12 else 12 + int(np.floor(np.log2(n / 12)))
            o = older[c]
            return n_bin, sum(pre_s[c] >= x for x in cuts), (o >= 1) + (o >= 3) + (o >= 6) + (o >= 12)

        groups: dict[tuple[int, int, int], tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        for c in members:
            groups[key(c)][0].append(post[c])
        for c in controls:
            groups[key(c)][1].append(post[c])
        for m_vals, c_vals in groups.values():
            if m_vals and len(c_vals) >= 2:
                num += (sum(m_vals) / len(m_vals) - sum(c_vals) / len(c_vals)) * len(m_vals)
                den += len(m_vals)
    return num / den


def test_matched_effect_equals_a_loop_by_loop_implementation() -> None:
    cust, t, paid, _base, joined = world(3, selected=True, uplift=0.15, n=1500)
    got = matched_effect(cust, t, paid, joined, NOW)
    assert got is not None
    assert abs(got.effect - brute_force(cust, t, paid, joined)) < 0.01


def test_flows_liability_and_breakage_from_a_known_ledger(session: Session) -> None:
    at = datetime(2026, 6, 30, tzinfo=UTC)
    c = factories.customer(session)
    acc = account_of(session, c).id
    jan = datetime(2026, 1, 10, tzinfo=UTC)
    old = loyalty.earn(session, acc, 100, at=jan, author="t", expires_at=datetime(2026, 3, 1, tzinfo=UTC))
    loyalty.spend(session, acc, 60, at=jan + timedelta(days=5), author="t")
    loyalty.expire(session, acc, at=datetime(2026, 3, 2, tzinfo=UTC))  # 40 expire: breakage 40 / 100
    loyalty.earn(
        session,
        acc,
        500,
        at=datetime(2026, 4, 1, tzinfo=UTC),
        author="t",
        reason="welcome",
        expires_at=at + timedelta(days=100),
    )
    loyalty.earn(
        session,
        acc,
        70,
        at=datetime(2026, 6, 25, tzinfo=UTC),
        author="t",
        available_at=at + timedelta(days=5),
        expires_at=at + timedelta(days=300),
    )
    s = loyalty.spend(session, acc, 200, at=datetime(2026, 5, 1, tzinfo=UTC), author="t")
    loyalty.reverse(session, s.id, at=datetime(2026, 5, 2, tzinfo=UTC), author="t", points=50)
    report = effectiveness(session, SYSTEM, at=at)
    by = {f.month: f for f in report.flows}
    assert (by["2026-01"].earned, by["2026-01"].redeemed, by["2026-03"].expired) == (100, 60, 40)
    assert (by["2026-04"].bonuses, by["2026-05"].redeemed, by["2026-06"].earned) == (500, 150, 70)
    lia = report.liability
    assert (lia.usable, lia.pending, lia.debt) == (350, 70, 0)
    assert lia.breakage == 0.4 and abs(lia.expected_cost - 420 * 0.6) < 1e-9
    assert old.id and report.matched is None and report.notes


def test_switch_simulator_by_hand(session: Session) -> None:
    from decimal import Decimal

    from klientura.loyalty.programme import Programme, Tier
    from klientura.loyalty.simulator import SimulationIn, simulate

    until = datetime(2026, 6, 30, tzinfo=UTC)
    ann, bob = factories.customer(session), factories.customer(session)
    factories.order(session, ann, amount="1000.00", at=until - timedelta(days=300))
    factories.order(session, bob, amount="2000.00", at=until - timedelta(days=50))
    o = factories.order(session, ann, amount="1000.00", at=until - timedelta(days=100))
    from klientura.orders import Order

    discounted = session.get(Order, o)
    assert discounted is not None
    discounted.discount, discounted.paid = Decimal(100), Decimal(900)
    session.flush()
    p = Programme(
        tiers=[
            Tier(name="base", earn_percent=Decimal(5)),
            Tier(name="gold", min_spend=Decimal(1500), earn_percent=Decimal(10)),
        ],
        activation_days=0,
        expiry_days=100,
    )
    sim = simulate(session, SYSTEM, p, SimulationIn(redemption_rate=0.5, discount_orders_kept=0.5), at=until)
    assert (sim.discounts.revenue, sim.discounts.cost, sim.discounts.orders) == (3900, 100, 3)
    # full prices; the discounted order half as likely: 1000 + 2000 + 0.5 × 1000
    assert (sim.bonus.revenue, sim.bonus.orders) == (3500, 2.5)
    assert sim.by_tier == {"base": 3, "gold": 0}  # Ann had 1,000 before her second order: still base
    assert sim.points_earned == 50 + 100 + 25 and sim.bonus.cost == 87.5
    # lots live 100 days: Ann's first fully redeemed by the end, the second exactly, Bob's half
    assert sim.bonus.cost_in_period == 25 + 12.5 + 25 and sim.bonus.liability_at_end == 25


def test_the_dashboard_figures_are_computed_once_a_shop_day(engine: Any) -> None:
    """Every reader of the effectiveness recomputed two years of purchases (issue 17, item 16): once a day now."""
    from datetime import date

    from sqlalchemy.orm import sessionmaker

    from klientura.audit import SYSTEM
    from klientura.kit.memo import MEMOS, Memos
    from klientura.loyalty import daily_effectiveness

    factory = sessionmaker(bind=engine, info={MEMOS: Memos()})
    with factory() as s:
        first = daily_effectiveness(s, SYSTEM, date(2026, 12, 1), 0.35)
        assert daily_effectiveness(s, SYSTEM, date(2026, 12, 1), 0.35) is first
        assert daily_effectiveness(s, SYSTEM, date(2026, 12, 2), 0.35) is not first  # a new day
        assert daily_effectiveness(s, SYSTEM, date(2026, 12, 1), 0.4) is not first  # another margin
