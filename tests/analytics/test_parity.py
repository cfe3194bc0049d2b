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
