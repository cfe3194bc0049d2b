"""The families of segments on a hand-made warehouse: every stage and group with a customer made for it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from klientura.analytics import AnalyticsSettings, Warehouse, compute

AS_OF = date(2026, 6, 30)


class Base:
    """Builds warehouse rows: customers, their orders (days before AS_OF), returns and events."""

    def __init__(self) -> None:
        self.customers: list[tuple[Any, ...]] = []
        self.orders: list[tuple[Any, ...]] = []
        self.returns: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []

    def card(self, cid: int, *, root: int | None = None) -> int:
        self.customers.append((cid, root or cid, date(2020, 1, 1), None, None, None, None, None))
        return cid

    def buy(
        self,
        cid: int,
        days_ago: int,
        rub: int = 1000,
        *,
        discount: int = 0,
        promo: bool = False,
        status: str = "completed",
    ) -> int:
        oid = len(self.orders) + 1
        day = AS_OF - timedelta(days=days_ago)
        self.orders.append(
            (oid, cid, day, day, status, (rub + discount) * 100, discount * 100, rub * 100, promo, None, None)
        )
        return oid

    def load(self, wh: Warehouse) -> None:
        for name, rows in (
            ("customers", self.customers),
            ("orders", self.orders),
            ("returns", self.returns),
            ("events", self.events),
        ):
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                wh.con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)


@pytest.fixture
def wh(tmp_path: Path) -> Any:
    with Warehouse(tmp_path / "w.duckdb", f"sqlite:///{tmp_path / 'none.db'}", timezone="Europe/Moscow") as w:
        yield w


def scored(wh: Warehouse, base: Base, settings: AnalyticsSettings | None = None) -> dict[int, dict[str, Any]]:
    base.load(wh)
    table = compute(wh, settings or AnalyticsSettings(), AS_OF).to_pylist()
    return {row["customer_id"]: row for row in table}


def test_lifecycle_is_judged_against_each_customers_own_rhythm(wh: Warehouse) -> None:
    b = Base()
    new = b.card(1)
    b.buy(new, 10)
    weekly = b.card(2)  # buys every 14 days, last 20 days ago: active (20 <= 1.5 x 14 = 21)
    for d in (20, 34, 48, 62):
        b.buy(weekly, d)
    sleeping = b.card(3)  # same rhythm, 35 days quiet: 21 < 35 <= 42
    for d in (35, 49, 63, 77):
        b.buy(sleeping, d)
    slow = b.card(4)  # buys every 90 days, 100 days quiet: still active by its own rhythm
    for d in (100, 190, 280):
        b.buy(slow, d)
    lost_regular = b.card(5)
    for d in (200, 214, 228):
        b.buy(lost_regular, d)
    lost_new = b.card(6)
    b.buy(lost_new, 400)
    lost_random = b.card(7)
    b.buy(lost_random, 300)
    b.buy(lost_random, 330)
    back = b.card(8)  # bought every 14 days, then nothing for 200 days, and came back 5 days ago
    for d in (5, 205, 219, 233):
        b.buy(back, d)
    never = b.card(9)
    cancelled = b.card(10)
    b.buy(cancelled, 3, status="cancelled")
    s = scored(wh, b)
    assert {cid: s[cid]["lifecycle"] for cid in s} == {
        new: "new",
        weekly: "active",
        sleeping: "sleeping",
        slow: "active",
        lost_regular: "lost_regular",
        lost_new: "lost_new",
        lost_random: "lost_random",
        back: "reactivated",
        never: None,
        cancelled: None,
    }
    assert s[weekly]["mean_interval_days"] == 14.0 and s[weekly]["orders"] == 4


def test_temperature_and_merged_cards(wh: Warehouse) -> None:
    b = Base()
    hot, warm, cold = b.card(1), b.card(2), b.card(3)
    b.buy(hot, 5)
    b.events.append((1, warm, "cart_add", AS_OF - timedelta(days=2)))
    merged = b.card(4, root=hot)  # merged into 1: its purchases count for card 1, it has no row of its own
    b.buy(merged, 50, 500)
    b.events.append((2, cold, "site_visit", AS_OF + timedelta(days=2)))  # after the as-of date: not yet
    s = scored(wh, b)
    assert sorted(s) == [1, 2, 3]
    assert (s[hot]["temperature"], s[warm]["temperature"], s[cold]["temperature"]) == ("hot", "warm", "cold")
    assert s[hot]["orders"] == 2 and s[hot]["revenue_k"] == 150_000


def test_rfm_quantiles_keep_equal_values_together_and_net_out_returns(wh: Warehouse) -> None:
    b = Base()
    for cid in range(1, 11):  # customer i: i orders of i x 100 roubles, the last i days ago
        b.card(cid)
        for k in range(cid):
            b.buy(cid, cid + 30 * k, 100 * cid)
    b.card(11)
    oid = b.buy(11, 1, 1000)  # bought for 1000, returned 900 of it
    b.returns.append((1, oid, AS_OF, 90_000))
    s = scored(wh, b)
    # recency: 11 customers, customer 11 and customer 1 both bought 1 day ago -> the same, top score
    assert s[1]["recency_days"] == s[11]["recency_days"] == 1 and s[1]["r"] == s[11]["r"] == 5
    assert s[10]["r"] == 1 and s[10]["f"] == 5 and s[10]["m"] == 5
    assert s[11]["monetary_k"] == 10_000 and s[11]["m"] == 1  # net of the return
    assert s[1]["f"] == s[11]["f"] == 1  # one order each: equal values share a score
    assert s[10]["rfm_cell"] == "155" and s[10]["rfm_segment"] == "cant_lose_them"
    assert s[1]["rfm_segment"] == "new"
    # F against the default frequency thresholds 2, 3, 5, 8 (by hand: 2 -> 2, 3-4 -> 3, 5-7 -> 4, 8+ -> 5)
    assert [s[c]["f"] for c in range(2, 11)] == [2, 3, 3, 4, 4, 4, 5, 5, 5]


def test_one_time_buyers_do_not_swallow_the_lower_frequency_scores(wh: Warehouse) -> None:
    """Six one-time buyers out of ten: ranked with them, 2 orders scored F4 and F2-F3 stayed empty. Counted against
    the thresholds 2, 3, 5, 8, one purchase is F1 and 2, 3, 5 and 8 orders are F2 to F5."""
    b = Base()
    for cid in range(1, 7):
        b.card(cid)
        b.buy(cid, 10)
    for cid, n in ((7, 2), (8, 3), (9, 5), (10, 8)):
        b.card(cid)
        for k in range(n):
            b.buy(cid, 5 + 20 * k)  # all within the 365-day window
    s = scored(wh, b)
    assert [s[c]["f"] for c in range(1, 11)] == [1] * 6 + [2, 3, 4, 5]


def test_rfm_fixed_thresholds_and_window(wh: Warehouse) -> None:
    b = Base()
    a, old = b.card(1), b.card(2)
    for d in (3, 10, 20, 40, 60, 80, 100, 120):
        b.buy(a, d, 10_000)
    b.buy(old, 500, 90_000)  # outside the 365-day window: recency counts, frequency and money do not
    settings = AnalyticsSettings.model_validate({"rfm": {"method": "thresholds"}})
    s = scored(wh, b, settings)
    assert (s[a]["r"], s[a]["f"], s[a]["m"]) == (5, 5, 5) and s[a]["rfm_segment"] == "champions"
    assert (s[old]["recency_days"], s[old]["frequency"], s[old]["monetary_k"]) == (500, 0, 0)
    assert (s[old]["r"], s[old]["f"], s[old]["m"]) == (1, 1, 1) and s[old]["rfm_segment"] == "lost"


def test_behaviour_groups(wh: Warehouse) -> None:
    b = Base()
    discount = b.card(1)
    for d in (10, 20, 30, 40):
        b.buy(discount, d, 1000, discount=200 if d < 40 else 0)
    promo = b.card(2)
    for d in (10, 20, 30):
        b.buy(promo, d, 1000, promo=True)
    erratic = b.card(3)
    for d in (1, 2, 3, 120, 121):
        b.buy(erratic, d, 5000)
    thrifty = b.card(4)
    for d in range(1, 40, 3):
        b.buy(thrifty, d, 100)
    few = b.card(5)
    b.buy(few, 10)
    for cid in range(6, 12):  # regular buyers to rank against
        b.card(cid)
        for d in (5, 35, 65):
            b.buy(cid, d, 3000)
    s = scored(wh, b)
    assert s[discount]["behaviour"] == "discount_lover" and s[discount]["discount_lover"]
    assert s[promo]["behaviour"] == "promo_hunter"
    assert s[erratic]["behaviour"] == "irregular" and s[erratic]["irregular"]
    assert s[thrifty]["behaviour"] == "frequent_thrifty" and s[thrifty]["frequent_thrifty"]
    assert s[few]["behaviour"] is None and not s[few]["irregular"]
    assert {s[c]["behaviour"] for c in range(6, 12)} == {"regular"}


def test_every_score_combination_has_a_named_cell() -> None:
    rules = AnalyticsSettings().rfm.rules
    for r in range(1, 6):
        for f in range(1, 6):
            for m in range(1, 6):
                assert any(x.r[0] <= r <= x.r[1] and x.f[0] <= f <= x.f[1] and x.m[0] <= m <= x.m[1] for x in rules)


def test_purchases_in_a_promo_period_make_a_promo_hunter(wh: Warehouse) -> None:
    b = Base()
    sale = b.card(1)
    for d in (10, 11, 12):  # no promo code, but all inside the sale below
        b.buy(sale, d, 1000)
    other = b.card(2)
    for d in (40, 50, 60):
        b.buy(other, d, 1000)
    start, end = (AS_OF - timedelta(days=12)).isoformat(), (AS_OF - timedelta(days=9)).isoformat()
    settings = AnalyticsSettings.model_validate({"behaviour": {"promo_periods": f"{start}..{end}"}})
    s = scored(wh, b, settings)
    assert s[sale]["behaviour"] == "promo_hunter" and s[other]["behaviour"] != "promo_hunter"
    assert scored_again(wh, AnalyticsSettings())[sale]["behaviour"] != "promo_hunter"  # no period: no promo


def scored_again(wh: Warehouse, settings: AnalyticsSettings) -> dict[int, dict[str, Any]]:
    return {row["customer_id"]: row for row in compute(wh, settings, AS_OF).to_pylist()}


def test_a_bad_promo_period_is_refused() -> None:
    from pydantic import ValidationError

    for bad in ("2026-11-20", "2026-11-30..2026-11-20"):
        with pytest.raises(ValidationError):
            AnalyticsSettings.model_validate({"behaviour": {"promo_periods": bad}})
