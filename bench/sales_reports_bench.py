"""Sales reports benchmark: the funnel (cohort, flow), the managers' figures, sources, signals, the forecast and its
backtest, the shop floor — through Ibis on DuckDB, beside the hand-written DuckDB SQL of the same reports
(bench/sales_sql.py, bench/sales_sql_more.py), on a generated department.

    python -m bench.sales_reports_bench [--deals 1000000] [--runs 5] [--threads N]

The warehouse is generated once into bench/out/sales-<deals>.duckdb (bench/sales_warehouse.py; about ten history
entries a deal). Each report runs once to warm up, then ``runs`` times; the median is printed as one JSON line per
report with the SQL's median, their ratio, and whether every figure agreed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis

from bench import sales_sql, sales_sql_more
from bench.sales_warehouse import generate
from klientura.analytics.forecast import backtest, forecast
from klientura.analytics.funnel import Slice, funnel
from klientura.analytics.kpis import Period
from klientura.analytics.managers import Scope, managers
from klientura.analytics.signals import KINDS as SIGNAL_KINDS
from klientura.analytics.signals import signals
from klientura.analytics.sources import sources
from klientura.analytics.staff import staff_report
from klientura.kit.memo import Memo

OUT = Path(__file__).parent / "out"
PERIOD = Period(date(2026, 9, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"sales-{args.deals}.duckdb"
    if not path.exists():
        con = duckdb.connect(str(path))
        con.execute("SET TimeZone = 'UTC'")
        t = time.perf_counter()
        counts = generate(con, args.deals)
        print(json.dumps({"step": "generate", "seconds": round(time.perf_counter() - t, 1), **counts}), flush=True)
        con.close()
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    sizes = {
        n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in ("deals", "deal_history", "stage_moves")
    }
    db = ibis.duckdb.from_connection(con)
    memo = Memo(256)  # the app keeps the reports' compiled SQL in such a memo
    t = {name: db.table(name) for name in db.list_tables()}
    for mode in ("cohort", "flow"):
        ibis_s, got = _median(lambda m=mode: funnel(t, Slice(1), PERIOD, m, memo=memo), args.runs)
        sql_s, ref = _median(lambda m=mode: sales_sql.funnel(con, 1, PERIOD.start, PERIOD.end, m), args.runs)
        same = [s["entered"] for s in got["stages"]] == [s["entered"] for s in ref["stages"]] and got["won"] == ref[
            "summary"
        ]["won"]
        _print(f"funnel {mode}", ibis_s, sql_s, same, sizes)
    ibis_s, got = _median(lambda: managers(t, Scope(), PERIOD, now=NOW, akb_days=90), args.runs)
    before = PERIOD.previous()

    def both() -> dict[int, dict[str, Any]]:  # as the report: this period and the one before
        sales_sql.managers(con, before.start, before.end, NOW, 90)
        return sales_sql.managers(con, PERIOD.start, PERIOD.end, NOW, 90)

    sql_s, ref = _median(both, args.runs)
    mine = {m["user_id"]: (m["won"], m["paid"], m["akb"], m["in_work"]) for m in got["managers"]}
    same = all(mine.get(k) == (v["won"], v["paid"], v["akb"], v["in_work"]) for k, v in ref.items())
    _print("managers (this period and the one before)", ibis_s, sql_s, same, sizes)
    ibis_s, got_rows = _median(lambda: sources(t, PERIOD, model="last", window_days=30, memo=memo), args.runs)
    sql_s, ref_rows = _median(lambda: sales_sql.sources(con, PERIOD.start, PERIOD.end, "last", 30), args.runs)
    mine = {(r["source"], r["campaign"] or ""): round(r["revenue"] * 100) for r in got_rows}
    same = all(mine.get(k) == int(v["revenue_k"] or 0) for k, v in ref_rows.items() if k in mine)
    _print("sources (last touch, 30 days)", ibis_s, sql_s, same, sizes)
    ibis_s, sig = _median(lambda: signals(t, PERIOD, now=NOW, memo=memo), args.runs)
    sql_s, sig_ref = _median(lambda: sales_sql_more.signals(con, PERIOD.start, PERIOD.end, NOW), args.runs)
    same = all(sig[k]["by_owner"] == sig_ref.get(k, {"by_owner": {}})["by_owner"] for k in SIGNAL_KINDS)
    _print("signals", ibis_s, sql_s, same, sizes)
    ibis_s, fc = _median(lambda: forecast(t, 1, NOW.date(), memo=memo), args.runs)
    sql_s, fc_ref = _median(lambda: sales_sql_more.forecast(con, 1, NOW.date()), args.runs)
    _print("forecast now", ibis_s, sql_s, _close(fc, fc_ref), sizes)
    days = sales_sql_more.backtest_days(NOW.date())
    ibis_s, bt = _median(lambda: backtest(t, 1, NOW.date(), memo=memo), args.runs)
    sql_s, bt_ref = _median(lambda: [sales_sql_more.forecast(con, 1, d) for d in days], max(args.runs // 2, 1))
    same = all(_close(m, r) for m, r in zip(bt["months"], bt_ref, strict=True))
    _print("backtest, 12 months", ibis_s, sql_s, same, sizes)
    for by in ("outlet", "staff"):
        ibis_s, floor = _median(lambda b=by: staff_report(t, PERIOD, b, memo=memo), args.runs)
        sql_s, floor_ref = _median(lambda b=by: sales_sql_more.staff(con, PERIOD.start, PERIOD.end, b), args.runs)
        same = {r["key"]: r["cards_issued"] for r in floor} == {k: v["cards_issued"] for k, v in floor_ref.items()}
        _print(f"shop floor by {by}", ibis_s, sql_s, same, sizes)


def _close(mine: dict[str, Any], ref: dict[str, Any]) -> bool:
    return all(abs(mine[k] - ref[k]) <= 1e-6 * max(1.0, abs(ref[k])) for k in ("deals", "learned", "won_amount"))


def _print(report: str, ibis_s: float, sql_s: float, same: bool, sizes: dict[str, Any], note: str = "") -> None:
    line = {
        "report": report,
        "ibis_duckdb_s": round(ibis_s, 3),
        "sql_duckdb_s": round(sql_s, 3),
        "ratio": round(ibis_s / sql_s, 2),
        "same_numbers": same,
        **sizes,
    }
    if note:
        line["note"] = note
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
