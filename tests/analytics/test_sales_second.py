"""The signals, the forecast (with its backtest) and the shop floor against their second implementation, the bench's
hand-written DuckDB SQL (bench/sales_sql_more.py), on a generated department: every figure equal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from klientura.analytics.forecast import backtest, forecasts
from klientura.analytics.kpis import Period
from klientura.analytics.signals import KINDS, Thresholds, signals
from klientura.analytics.staff import staff_report

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
PERIODS = (Period(date(2026, 9, 1), date(2026, 11, 30)), Period(date(2025, 6, 1), date(2026, 5, 31)))


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    import duckdb
    import ibis
    from bench.sales_warehouse import generate

    con = duckdb.connect(str(tmp_path_factory.mktemp("g") / "g.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    generate(con, 4000, managers=20)
    db = ibis.duckdb.from_connection(con)
    yield con, {name: db.table(name) for name in db.list_tables()}
    con.close()


def _same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6), where
    else:
        assert a == b, where


@pytest.mark.parametrize("period", PERIODS, ids=["quarter", "year"])
@pytest.mark.parametrize(
    ("pipeline", "owners", "limits"),
    [
        (None, None, Thresholds()),
        (2, frozenset({1, 2, 3, 4, 5, 6}), Thresholds(quick_minutes=180, rot_days=30, unpaid_days=7, listed=7)),
    ],
)
def test_signals_agree(
    department: tuple[Any, dict[str, Any]],
    period: Period,
    pipeline: int | None,
    owners: frozenset[int] | None,
    limits: Thresholds,
) -> None:
    from bench import sales_sql_more

    con, t = department
    got = signals(t, period, now=NOW, pipeline_id=pipeline, owners=owners, limits=limits)
    ref = sales_sql_more.signals(con, period.start, period.end, NOW, pipeline=pipeline, owners=owners,
                                 quick_minutes=limits.quick_minutes, rot_days=limits.rot_days,
                                 unpaid_days=limits.unpaid_days, listed=limits.listed)  # fmt: skip
    empty = {"total": 0, "by_owner": {}, "deals": []}
    for kind in KINDS:
        theirs = ref.get(kind, empty)
        assert got[kind]["total"] == theirs["total"], kind
        assert got[kind]["by_owner"] == theirs["by_owner"], kind
        assert got[kind]["deals"] == theirs["deals"], kind
        assert len(got[kind]["deals"]) == min(theirs["total"], limits.listed), kind
    assert got["other_share"] == ref["other_share"]
    if period.days > 300 and pipeline is None:  # the comparison has something to compare in every signal
        assert all(got[kind]["total"] > 0 for kind in KINDS if kind != "lost_at_once"), got


def test_forecast_and_backtest_agree(department: tuple[Any, dict[str, Any]]) -> None:
    from bench import sales_sql_more

    con, t = department
    days = sales_sql_more.backtest_days(NOW.date())
    for pipeline in (1, 2, 3):
        mine = forecasts(t, pipeline, [*days, NOW.date()])
        for day, got in zip([*days, NOW.date()], mine, strict=True):
            ref = sales_sql_more.forecast(con, pipeline, day)
            for key, value in ref.items():
                _same(got[key], value, f"pipeline {pipeline} {day} {key}")
        assert mine[-1]["deals"] > 0 and mine[0]["won"] > 0
        # the backtest is those forecasts, month by month
        months = backtest(t, pipeline, NOW.date())["months"]
        assert [m["as_of"] for m in months] == days
        for m, got in zip(months, mine[:-1], strict=True):
            for key in ("deals", "amount", "learned", "static", "won_amount"):
                _same(m[key], got[key], f"backtest {m['as_of']} {key}")


@pytest.mark.parametrize("by", ["outlet", "staff"])
def test_shop_floor_agrees(department: tuple[Any, dict[str, Any]], by: str) -> None:
    from bench import sales_sql_more

    con, t = department
    for period in PERIODS:
        got = {r["key"]: r for r in staff_report(t, period, by)}
        ref = sales_sql_more.staff(con, period.start, period.end, by)
        assert got.keys() == ref.keys() and len(ref) >= 10
        assert sum(r["cards_issued"] for r in ref.values()) > 0
        assert any(r["came_back_share"] for r in ref.values())
        for key, figures in ref.items():
            for name, value in figures.items():
                _same(got[key][name], value, f"{by} {key} {name}")
