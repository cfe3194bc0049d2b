"""The same Ibis code on DuckDB and on Spark gives identical scores and memberships (DESIGN.md §5)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from klientura.analytics import AnalyticsSettings, Warehouse, compute
from klientura.analytics import spark as on_spark
from tests.analytics.test_scores import AS_OF, Base

# py4j leaves its gateway socket to the garbage collector, and pyspark's toPandas passes pandas 3 a keyword it
# deprecated: both are the libraries' own, not ours
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
]


@pytest.fixture(scope="module")
def spark(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("the store plays no part: run once, in the SQLite pass")
    s = on_spark.session("local[2]")
    yield s
    s.stop()


def _random_base(n: int, seed: int) -> Base:
    """Customers with their own rates, discounts, promo codes, returns, events, merges and many ties."""
    rng = random.Random(seed)
    b = Base()
    for cid in range(1, n + 1):
        root = rng.randrange(1, cid) if cid > 10 and rng.random() < 0.03 else None
        b.card(cid, root=root)
        if rng.random() < 0.15:
            b.events.append((len(b.events) + 1, cid, "site_visit", AS_OF - timedelta(days=rng.randint(0, 400))))
        if rng.random() < 0.25:
            continue  # never bought
        rate = rng.choice((7, 14, 30, 60, 120))
        day = rng.randint(0, 700)
        for _ in range(1 + int(rng.expovariate(0.3))):
            oid = b.buy(
                cid,
                day,
                rng.choice((500, 990, 1500, 2500, 7000)),
                discount=rng.choice((0, 0, 0, 100)),
                promo=rng.random() < 0.1,
                status="completed" if rng.random() < 0.97 else "cancelled",
            )
            if rng.random() < 0.05:
                b.returns.append((len(b.returns) + 1, oid, AS_OF - timedelta(days=max(day - 3, 0)), 50_000))
            day = max(day - int(rng.expovariate(1 / rate)), 0)
    return b


def _rows(table: Any) -> list[tuple[Any, ...]]:
    names = ["customer_id", *sorted(c for c in table.column_names if c != "customer_id")]
    return sorted((tuple(row[c] for c in names) for row in table.to_pylist()), key=lambda r: r[0])


@pytest.mark.parametrize("method", ["quantiles", "thresholds"])
def test_duckdb_and_spark_agree_on_every_customer(spark: Any, tmp_path: Path, method: str) -> None:
    settings = AnalyticsSettings.model_validate({"rfm": {"method": method}})
    with Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        _random_base(3000, seed=7 if method == "quantiles" else 8).load(wh)
        duck = compute(wh, settings, AS_OF)
        files = on_spark.export(wh, tmp_path / "parquet")
    sparked = on_spark.compute(spark, files, settings, AS_OF)
    assert duck.num_rows > 2500 and duck.column_names == sparked.column_names
    a, b = _rows(duck), _rows(sparked)
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    assert diff == []
    segments = {r["rfm_segment"] for r in duck.to_pylist()}
    assert len(segments) >= 8  # the comparison covers most named cells, not one


def test_duckdb_and_spark_agree_on_the_sales_reports(spark: Any, tmp_path: Path) -> None:
    """Every sales report on a generated department — the funnel (both views, a slice), the managers' figures,
    sources (both models), signals, the shop floor, a year of forecasts: the same Ibis code on both engines, every
    figure equal."""
    from datetime import UTC, date, datetime

    import duckdb
    import ibis
    from bench.sales_warehouse import generate

    from klientura.analytics.forecast import forecasts
    from klientura.analytics.funnel import Slice, funnel
    from klientura.analytics.kpis import Period
    from klientura.analytics.managers import Scope, managers
    from klientura.analytics.selling import SALES_TABLES
    from klientura.analytics.signals import KINDS as SIGNAL_KINDS
    from klientura.analytics.signals import signals
    from klientura.analytics.sources import sources
    from klientura.analytics.staff import staff_report

    con = duckdb.connect(str(tmp_path / "g.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    generate(con, 1500, managers=12)
    folder = tmp_path / "sales"
    folder.mkdir()
    names = [n for n in SALES_TABLES]
    for name in names:
        con.execute(f"COPY {name} TO '{folder / name}.parquet' (FORMAT parquet)")
    duck = ibis.duckdb.from_connection(con)
    on_duck = {n: duck.table(n) for n in names}
    sp = ibis.pyspark.connect(session=spark)
    on_spark_ = {n: sp.read_parquet(str(folder / f"{n}.parquet"), table_name=f"klientura_sales_{n}") for n in names}
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for period in (Period(date(2026, 3, 1), date(2026, 5, 31)), Period(date(2025, 1, 1), date(2026, 11, 30))):
        for mode in ("cohort", "flow"):
            for piece in (Slice(1), Slice(2, source="src1", owners=frozenset({1, 2, 3}))):
                a, b = funnel(on_duck, piece, period, mode), funnel(on_spark_, piece, period, mode)
                _agree({k: v for k, v in a.items() if k != "links"}, {k: v for k, v in b.items() if k != "links"}, mode)
                key = lambda x: (x["source_id"] or 0, x["to_stage_id"])  # noqa: E731
                assert sorted(a["links"], key=key) == sorted(b["links"], key=key)
        m_duck = managers(on_duck, Scope(), period, now=now, akb_days=90)["managers"]
        m_spark = managers(on_spark_, Scope(), period, now=now, akb_days=90)["managers"]
        assert len(m_duck) == 12 and sum(m["won"] for m in m_duck) > 0
        _agree(m_duck, m_spark, "managers")
        for model in ("first", "last"):
            key = lambda r: (r["source"], r["campaign"] or "")  # noqa: E731
            s_duck = sorted(sources(on_duck, period, model=model, window_days=30), key=key)
            assert any(r["orders"] and r["spend"] for r in s_duck)
            _agree(s_duck, sorted(sources(on_spark_, period, model=model, window_days=30), key=key), f"sources {model}")
        for kw in ({}, {"pipeline_id": 2, "owners": frozenset({1, 2, 3, 4})}):
            g_duck, g_spark = signals(on_duck, period, now=now, **kw), signals(on_spark_, period, now=now, **kw)
            assert sum(g_duck[k]["total"] for k in SIGNAL_KINDS) > 0
            _agree(g_duck, g_spark, f"signals {kw}")
        for by in ("outlet", "staff"):
            key = lambda r: str(r["key"])  # noqa: E731
            _agree(sorted(staff_report(on_duck, period, by), key=key), sorted(staff_report(on_spark_, period, by),
                   key=key), f"staff {by}")  # fmt: skip
    days = [date(2026, m, 1) for m in range(1, 13)]
    f_duck, f_spark = forecasts(on_duck, 1, days), forecasts(on_spark_, 1, days)
    assert f_duck[-1]["deals"] > 0
    _agree(f_duck, f_spark, "forecasts")
    con.close()


def _agree(a: Any, b: Any, where: str) -> None:
    """Equal, floats to 1e-9."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _agree(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _agree(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), where
    else:
        assert a == b, where
