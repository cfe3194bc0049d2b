"""The sales reports on Spark (local mode) at the bench's scale: the same Ibis code as on DuckDB, over the generated
warehouse's tables exported to Parquet. Prints one JSON line per report: Spark's time (the median of ``runs`` after
a warm-up) and whether its figures equal DuckDB's.

    python -m bench.sales_spark_bench [--deals 1000000] [--runs 3] [--master local[2]] [--memory 6g]

Needs the warehouse of bench/sales_reports_bench.py (bench/out/sales-<deals>.duckdb; run that first).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import duckdb
import ibis

from bench.sales_reports_bench import NOW, OUT, PERIOD, _median
from klientura.analytics import spark as on_spark
from klientura.analytics.forecast import backtest, forecast
from klientura.analytics.funnel import Slice, funnel
from klientura.analytics.managers import Scope, managers
from klientura.analytics.selling import SALES_TABLES
from klientura.analytics.signals import signals
from klientura.analytics.sources import sources
from klientura.analytics.staff import staff_report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--memory", default="6g")
    args = ap.parse_args()
    path = OUT / f"sales-{args.deals}.duckdb"
    folder = OUT / f"sales-{args.deals}-parquet"
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    if not folder.exists():
        folder.mkdir()
        for name in SALES_TABLES:
            con.execute(f"COPY {name} TO '{folder / name}.parquet' (FORMAT parquet)")
    duck = ibis.duckdb.from_connection(con)
    on_duck = {n: duck.table(n) for n in SALES_TABLES}
    session = on_spark.session(args.master, **{"spark.driver.memory": args.memory})
    sp = ibis.pyspark.connect(session=session)
    t = {n: sp.read_parquet(str(folder / f"{n}.parquet"), table_name=f"bench_sales_{n}") for n in SALES_TABLES}
    reports: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("funnel cohort", lambda x: funnel(x, Slice(1), PERIOD, "cohort")),
        ("funnel flow", lambda x: funnel(x, Slice(1), PERIOD, "flow")),
        ("managers", lambda x: managers(x, Scope(), PERIOD, now=NOW, akb_days=90)["managers"]),
        ("sources", lambda x: sorted(sources(x, PERIOD), key=lambda r: (r["source"], r["campaign"] or ""))),
        ("signals", lambda x: {k: v["total"] for k, v in signals(x, PERIOD, now=NOW).items() if "total" in v}),
        ("forecast now", lambda x: forecast(x, 1, NOW.date())["learned"]),
        ("backtest, 12 months", lambda x: [m["learned"] for m in backtest(x, 1, NOW.date())["months"]]),
        ("shop floor by staff", lambda x: sorted(staff_report(x, PERIOD, "staff"), key=lambda r: str(r["key"]))),
    ]
    for name, fn in reports:
        seconds, got = _median(lambda f=fn: f(t), args.runs)
        same = _same(got, fn(on_duck))
        print(json.dumps({"report": name, "spark_s": round(seconds, 1), "same_numbers": same}), flush=True)
    session.stop()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b))
    return bool(a == b)


if __name__ == "__main__":
    main()
