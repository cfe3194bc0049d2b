"""Warehouse benchmark: sync, full recompute, write-back — beside pandas and Spark on the same data.

    klientura demo --customers 1000000 --no-serve   (with KLIENTURA_DATABASE_URL=sqlite:///bench/out/demo1m/store.db)
    python -m bench.analytics_bench --store sqlite:///bench/out/demo1m/store.db [--spark]

Each step runs in a fresh child process (peak RSS is its own) and prints one JSON line. The pandas baseline
is what an analyst would otherwise write: orders read into a DataFrame, per-customer recency / frequency /
monetary with groupby, scores 1-5 by rank. It is also the second implementation the RFM scores are checked
against: every customer's r, f and m must agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 11, 23)


def _peak() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def step_sync(store: str, path: str) -> dict[str, Any]:
    from klientura.analytics import sync

    t = time.perf_counter()
    report = sync(store, path, timezone="Europe/Moscow")
    # the copy runs in a child process (see analytics.sync): this process's peak RSS would not be the copy's
    return {"seconds": round(time.perf_counter() - t, 2), "copied": report.copied}


def step_compute(store: str, path: str) -> dict[str, Any]:
    from klientura.analytics import AnalyticsSettings, Warehouse, compute

    with Warehouse(path, store, timezone="Europe/Moscow") as wh:
        t = time.perf_counter()
        table = compute(wh, AnalyticsSettings(), AS_OF)
        seconds = time.perf_counter() - t
        table.select(["customer_id", "r", "f", "m"]).to_pandas().to_parquet(Path(path).with_suffix(".rfm.parquet"))
    return {"seconds": round(seconds, 2), "customers": table.num_rows, "peak_rss_mb": _peak()}


def step_recompute(store: str, path: str) -> dict[str, Any]:
    from klientura.analytics import Warehouse, recompute
    from klientura.audit import SYSTEM
    from klientura.db import command_session

    with command_session(store) as session, Warehouse(path, store, timezone="Europe/Moscow") as wh:
        t = time.perf_counter()
        report = recompute(session, SYSTEM, wh, as_of=AS_OF)
        session.flush()
    return {
        "seconds_total_with_commit": round(time.perf_counter() - t, 2),
        **report.seconds,
        "customers": report.customers,
        "peak_rss_mb": _peak(),
    }


RULES = {
    "rfm cells": {"kind": "score", "field": "rfm_segment", "op": "in", "value": ["champions", "loyal"]},
    "bought a category in 90 days": {
        "kind": "orders",
        "metric": "count",
        "op": ">=",
        "value": 1,
        "window_days": 90,
        "categories": [1, 2, 3],
    },
    "four conditions": {
        "kind": "and",
        "rules": [
            {"kind": "score", "field": "lifecycle", "op": "in", "value": ["sleeping", "lost_regular"]},
            {"kind": "orders", "metric": "sum", "op": ">=", "value": 10000, "window_days": 365},
            {"kind": "identity", "identity": "email"},
            {"kind": "not", "rule": {"kind": "profile", "field": "city", "op": "=", "value": "Москва"}},
        ],
    },
}


def step_preview(store: str, path: str) -> dict[str, Any]:
    """Segment size previews on a warm warehouse (the builder's live count): the slowest of three runs each."""
    from klientura.analytics import Warehouse, segment_size

    out: dict[str, Any] = {}
    with Warehouse(path, store, read_only=True, timezone="Europe/Moscow") as wh:
        for name, rule in RULES.items():
            times, size = [], 0
            for _ in range(3):
                t = time.perf_counter()
                size = segment_size(wh, rule, AS_OF)
                times.append(time.perf_counter() - t)
            out[name] = {"size": size, "max_ms": round(max(times) * 1000), "min_ms": round(min(times) * 1000)}
    return out


def step_dashboard(store: str, path: str) -> dict[str, Any]:
    """The dashboard page's figures for the last 30 days against the 30 before, cohorts included, on a warm
    warehouse (the page renders these; Plotly adds its JSON): the slowest of three runs."""
    from datetime import timedelta

    from klientura.analytics import AnalyticsSettings, Period, Warehouse, dashboard

    with Warehouse(path, store, read_only=True, timezone="Europe/Moscow") as wh:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            dashboard(wh, AnalyticsSettings(), Period(AS_OF - timedelta(days=29), AS_OF))
            times.append(time.perf_counter() - t)
    return {"max_ms": round(max(times) * 1000), "min_ms": round(min(times) * 1000)}


def step_pandas(store: str, path: str) -> dict[str, Any]:
    """RFM the pandas way, from the warehouse's own tables (so both read the same facts)."""
    import duckdb
    import pandas as pd

    con = duckdb.connect(path, read_only=True)
    t = time.perf_counter()
    orders = con.execute("SELECT customer_id, day, status, paid_k, id FROM orders").df()
    returns = con.execute(f"SELECT order_id, amount_k FROM returns WHERE day <= DATE '{AS_OF}'").df()
    cards = con.execute("SELECT id, root_id FROM customers").df()
    read = time.perf_counter() - t
    o = orders[(orders.status == "completed") & orders.customer_id.notna() & (orders.day <= pd.Timestamp(AS_OF))]
    o = o.merge(cards, left_on="customer_id", right_on="id", suffixes=("", "_c"))
    ret = returns.groupby("order_id").amount_k.sum()
    o = o.assign(net=o.paid_k - o.id.map(ret).fillna(0))
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=364)
    inw = o.day >= start
    per = (
        o.assign(fw=inw.astype(int), mw=o.net.where(inw, 0))
        .groupby("root_id")
        .agg(last=("day", "max"), frequency=("fw", "sum"), monetary=("mw", "sum"))
    )
    per["recency"] = (pd.Timestamp(AS_OF) - per["last"]).dt.days
    n = len(per)
    per["r"] = ((-per.recency).rank(method="min").sub(1).mul(5) // n + 1).astype(int)
    active = per.frequency > 0  # F and M ranked among the customers who bought in the window; the rest score 1
    for col, key in (("f", per.frequency), ("m", per.monetary)):
        ranked = key[active].rank(method="min").sub(1).mul(5) // int(active.sum()) + 1
        per[col] = ranked.reindex(per.index).fillna(1).astype(int)
    seconds = time.perf_counter() - t
    ours = pd.read_parquet(Path(path).with_suffix(".rfm.parquet")).dropna().set_index("customer_id")
    joined = per.join(ours, rsuffix="_ours", how="inner")
    agree = {c: float((joined[c] == joined[f"{c}_ours"]).mean()) for c in ("r", "f", "m")}
    return {
        "seconds": round(seconds, 2),
        "read_seconds": round(read, 2),
        "customers": n,
        "compared": len(joined),
        "agreement": agree,
        "peak_rss_mb": _peak(),
    }


def step_spark(store: str, path: str) -> dict[str, Any]:
    from klientura.analytics import AnalyticsSettings, Warehouse
    from klientura.analytics import spark as on_spark

    folder = Path(path).parent / "parquet"
    with Warehouse(path, store, timezone="Europe/Moscow") as wh:
        t = time.perf_counter()
        files = on_spark.export(wh, folder)
        exported = time.perf_counter() - t
    spark = on_spark.session("local[2]", **{"spark.driver.memory": "6g"})
    t = time.perf_counter()
    table = on_spark.compute(spark, files, AnalyticsSettings(), AS_OF)
    seconds = time.perf_counter() - t
    spark.stop()
    return {"seconds": round(seconds, 2), "export_seconds": round(exported, 2), "customers": table.num_rows}


STEPS = {
    "sync": step_sync,
    "sync-again": step_sync,
    "compute": step_compute,
    "recompute": step_recompute,
    "preview": step_preview,
    "dashboard": step_dashboard,
    "pandas": step_pandas,
    "spark": step_spark,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--warehouse", default="bench/out/analytics/w.duckdb")
    ap.add_argument("--spark", action="store_true", help="also run the scores on Spark (local[2])")
    ap.add_argument("--fresh", action="store_true", help="start from an empty warehouse")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.step:
        print(json.dumps(STEPS[a.step](a.store, a.warehouse)))
        return
    path = Path(a.warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    if a.fresh:
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
    steps = ["sync", "sync-again", "compute", "recompute", "preview", "dashboard", "pandas"] + (
        ["spark"] if a.spark else []
    )
    for step in steps:
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.analytics_bench",
                "--store",
                a.store,
                "--warehouse",
                a.warehouse,
                "--step",
                step,
            ],
            capture_output=True,
            text=True,
        )
        if res.returncode:
            print(json.dumps({"step": step, "error": res.stderr[-2000:]}))
            continue
        print(json.dumps({"step": step, **json.loads(res.stdout.strip().splitlines()[-1])}), flush=True)


if __name__ == "__main__":
    main()
