"""KPIs and cohorts on a hand-made warehouse, each figure worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from klientura.analytics import Warehouse
from klientura.analytics.kpis import Period, cohorts, daily_revenue, period_kpis
from klientura.analytics.syncing import build_sales

TABLES = ("sales", "first_purchases")


@pytest.fixture
def wh(tmp_path: Path) -> Any:
    with Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as w:
        w.con.execute(
            "INSERT INTO customers VALUES (1, 1, NULL, NULL, NULL, NULL, NULL, NULL), "
            "(2, 2, NULL, NULL, NULL, NULL, NULL, NULL), (3, 1, NULL, NULL, NULL, NULL, NULL, NULL)"
        )
        orders = [  # id, card, day, paid (kopecks), outlet
            (1, 1, "2026-01-10", 100_000, 1),
            (2, 2, "2026-02-05", 50_000, 1),
            (3, 3, "2026-02-10", 30_000, 2),
            (4, 1, "2026-02-20", 20_000, 1),
            (5, None, "2026-02-21", 10_000, 1),
            (6, 2, "2026-03-03", 40_000, 1),
        ]
        for oid, cid, day, paid, outlet in orders:
            w.con.execute(
                "INSERT INTO orders VALUES (?, ?, ?, ?, 'completed', ?, 0, ?, false, ?, 1)",
                [oid, cid, day, day, paid, paid, outlet],
            )
        w.con.execute(
            "INSERT INTO orders VALUES (7, 2, '2026-02-11', '2026-02-11', 'cancelled', 9000, 0, 9000, false, 1, 1)"
        )
        w.con.execute("INSERT INTO returns VALUES (1, 3, '2026-02-12', 10000)")
        w.con.execute("INSERT INTO products VALUES (1, 'A', 1, 10000, 4000), (2, 'B', 1, 5000, NULL)")
        w.con.execute(
            "INSERT INTO order_lines VALUES (1, 2, 1, 2, 10000, 0, 20000), (2, 2, 2, 6, 5000, 0, 30000), "
            "(3, 3, 1, 3, 10000, 0, 30000), (4, 4, 1, 2, 10000, 0, 20000), (5, 5, 2, 2, 5000, 0, 10000)"
        )
        build_sales(w)
        yield w


def test_period_figures(wh: Warehouse) -> None:
    t = {n: wh.table(n) for n in TABLES}
    feb = period_kpis(t, Period(date(2026, 2, 1), date(2026, 2, 28)), active_days=30)
    # February: orders 2, 3 (card 3 is merged into 1), 4, 5 (anonymous); 3 had 100 returned
    assert feb["orders"] == 4 and feb["revenue"] == 500 + 200 + 200 + 100
    assert feb["average_check"] == 250 and feb["items_per_order"] == (8 + 3 + 2 + 2) / 4
    assert (feb["buyers"], feb["new_buyers"], feb["returning_buyers"]) == (2, 1, 1)  # 2 is new, 1 bought in January
    assert feb["repeat_rate"] == 0.5 and feb["purchase_frequency"] == 1.5  # card 1 twice (3 and 4), card 2 once
    assert feb["identified_share"] == 0.75
    assert feb["margin"] == 1000 - (2 * 40 + 3 * 40 + 2 * 40) and feb["uncosted_lines"] == 2
    assert feb["active_base"] == 2
    outlet2 = period_kpis(t, Period(date(2026, 2, 1), date(2026, 2, 28)), outlets=[2])
    assert (outlet2["orders"], outlet2["revenue"]) == (1, 200)
    prev = Period(date(2026, 2, 1), date(2026, 2, 28)).previous()
    assert (prev.start, prev.end) == (date(2026, 1, 4), date(2026, 1, 31))
    days = daily_revenue(t, Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert [(d["day"].day, d["revenue"]) for d in days] == [(5, 500), (10, 200), (20, 200), (21, 100)]


def test_cohorts(wh: Warehouse) -> None:
    rows = cohorts({n: wh.table(n) for n in TABLES}, date(2026, 1, 1), date(2026, 3, 31))
    got = {(r["cohort"].month, r["age"]): (r["customers"], r["revenue"]) for r in rows}
    # card 1 (with merged 3): January, then twice in February; card 2: February, then March
    assert got == {(1, 0): (1, 1000), (1, 1): (1, 400), (2, 0): (1, 500), (2, 1): (1, 400)}
