"""Lifetime-value benchmark: BG/NBD + Gamma-Gamma fitted on a million customers, beside lifetimes.

    klientura demo --customers 1000000 --no-serve   (with KLIENTURA_DATABASE_URL=sqlite:///bench/out/demo1m/store.db)
    python -m bench.clv_bench --store sqlite:///bench/out/demo1m/store.db --warehouse bench/out/demo1m/store.duckdb \
        [--lifetimes-python /path/to/venv/bin/python]

lifetimes (archived; pip install lifetimes into a separate virtualenv — it is no dependency of ours) is what an
analyst would otherwise use. It gets the same per-customer arrays our data preparation produced (exported to an
.npz), one row per customer as its documentation does it, and the two sets of estimates are compared.

Each step runs in a fresh child process (its peak RSS is its own) and prints one JSON line.
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
LIFETIMES = """
import json, sys, time
import numpy as np
from lifetimes import BetaGeoFitter, GammaGammaFitter
d = np.load(sys.argv[1])
t = time.perf_counter()
bg = BetaGeoFitter().fit(d["x"], d["t_x"], d["T"])
t1 = time.perf_counter()
rep = d["x"] > 0
gg = GammaGammaFitter().fit(d["x"][rep], d["m"][rep])
t2 = time.perf_counter()
print(json.dumps({"bgnbd_seconds": round(t1 - t, 2), "gamma_gamma_seconds": round(t2 - t1, 2),
                  "bgnbd": {k: float(v) for k, v in bg.params_.items()},
                  "gamma_gamma": {("gamma" if k == "v" else k): float(v) for k, v in gg.params_.items()}}))
"""


def _peak() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def step_fit(store: str, path: str, out: Path) -> dict[str, Any]:
    """Our path as the service runs it: grouped statistics from the warehouse, both fits, standard errors."""
    import numpy as np

    from klientura.analytics import Warehouse, clv
    from klientura.analytics.clv import data

    with Warehouse(path, store, read_only=True, timezone="Europe/Moscow") as wh:
        t = {n: wh.table(n) for n in ("orders", "customers", "returns")}
        t0 = time.perf_counter()
        counts, spends = clv.prepare(wh, AS_OF, 7.0)
        t1 = time.perf_counter()
        bg = clv.model("bgnbd").fit(counts)
        t2 = time.perf_counter()
        gg = clv.fit_spend(spends)
        t3 = time.perf_counter()
        # the per-customer arrays for lifetimes, outside the timings
        h = data.histories(t, AS_OF)
        h = h.filter(h.T_days > 0).to_pyarrow()
        m = np.nan_to_num(np.asarray(h["m_k"], dtype=float)) / 100
        np.savez(
            out,
            x=np.asarray(h["x"], dtype=float),
            t_x=np.asarray(h["t_x_days"]) / 7,
            T=np.asarray(h["T_days"]) / 7,
            m=m,
        )
    return {
        "customers": counts.customers,
        "repeaters": counts.repeaters,
        "distinct_histories": len(counts.x),
        "prepare_seconds": round(t1 - t0, 2),
        "bgnbd_seconds": round(t2 - t1, 2),
        "gamma_gamma_seconds": round(t3 - t2, 2),
        "fit_seconds": round(t3 - t1, 2),
        "total_seconds": round(t3 - t0, 2),
        "bgnbd": bg.params,
        "bgnbd_se": bg.std_errors,
        "loglik": bg.loglik,
        "gamma_gamma": gg.params,
        "warnings": bg.warnings + gg.warnings,
        "peak_rss_mb": _peak(),
    }


def step_predict(store: str, path: str, out: Path) -> dict[str, Any]:
    """Fit, then predict every customer and write the figures back (as `klientura clv predict` does)."""
    from klientura.analytics import Warehouse, clv
    from klientura.audit import SYSTEM
    from klientura.db import command_session

    with command_session(store) as session, Warehouse(path, store, timezone="Europe/Moscow") as wh:
        fitted = clv.fit(session, SYSTEM, wh, calibration_end=AS_OF)
        t = time.perf_counter()
        run = clv.run_predictions(session, SYSTEM, wh, as_of=AS_OF)
        session.flush()
        seconds = time.perf_counter() - t
    return {
        "fit_seconds": fitted.seconds,
        "predict_and_write_seconds": round(seconds, 2),
        "customers": run.customers,
        "value_1y": run.report["totals"]["value_1y"],
        "peak_rss_mb": _peak(),
    }


def step_lifetimes(python: str, out: Path) -> dict[str, Any]:
    res = subprocess.run([python, "-c", LIFETIMES, str(out)], capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(res.stderr[-2000:])
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def simulate(n: int, seed: int = 1) -> dict[str, Any]:
    """n customers from the BG/NBD process with CDNOW's estimates (weekly; first purchases spread over three
    years, histories in whole days as a store gives them) and Gamma-Gamma spends: vectorised — given N(T) = k
    purchases of an immortal customer, their times are uniform order statistics, so the x-th is T Beta(x, k-x+1)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    p_, q_, g_ = 6.25, 3.74, 15.44
    lam = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    T = rng.integers(1, 156 * 7, n) / 7
    k = rng.poisson(lam * T)
    x = np.minimum(k, rng.geometric(drop))  # repeat purchases: all of them, or up to the one after which they left
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(k - x + 1, 1)), 0.0)
    nu = rng.gamma(q_, 1 / g_, n)
    m = np.where(x > 0, rng.gamma(p_ * np.maximum(x, 1), 1 / nu) / np.maximum(x, 1), 0.0)
    days_T = np.rint(T * 7).astype(np.int64)
    return {"x": x, "t_x_days": np.minimum(np.floor(t_x * 7).astype(np.int64), days_T), "T_days": days_T, "m": m}


def step_synthetic(_store: str, path: str, out: Path) -> dict[str, Any]:
    """A million customers drawn from the model itself: the fit on exactly that many, and whether it recovers the
    parameters that made them."""
    import numpy as np

    from klientura.analytics import clv

    h = simulate(1_000_000)
    t0 = time.perf_counter()
    counts = clv.Counts.of_days(h["x"], h["t_x_days"], h["T_days"], 7.0)
    spends = clv.Spends.of(h["x"], h["m"])
    t1 = time.perf_counter()
    bg = clv.model("bgnbd").fit(counts)
    t2 = time.perf_counter()
    gg = clv.fit_spend(spends)
    t3 = time.perf_counter()
    np.savez(
        out.with_suffix(".synthetic.npz"), x=h["x"].astype(float), t_x=h["t_x_days"] / 7, T=h["T_days"] / 7, m=h["m"]
    )
    return {
        "customers": counts.customers,
        "distinct_histories": len(counts.x),
        "group_seconds": round(t1 - t0, 2),
        "bgnbd_seconds": round(t2 - t1, 2),
        "gamma_gamma_seconds": round(t3 - t2, 2),
        "fit_seconds": round(t3 - t1, 2),
        "bgnbd": bg.params,
        "bgnbd_se": bg.std_errors,
        "gamma_gamma": gg.params,
        "truth": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "gamma": 15.44},
        "peak_rss_mb": _peak(),
    }


STEPS = {"fit": step_fit, "predict": step_predict, "synthetic": step_synthetic}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--lifetimes-python", help="a Python with lifetimes installed, to compare against")
    ap.add_argument("--predict", action="store_true", help="also predict and write back every customer")
    ap.add_argument("--synthetic", action="store_true", help="also fit a million customers simulated from BG/NBD")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    a = ap.parse_args()
    out = Path(a.warehouse).with_suffix(".clv.npz")
    if a.step:
        print(json.dumps(STEPS[a.step](a.store, a.warehouse, out)))
        return
    results: dict[str, Any] = {}
    for step in ["fit"] + (["predict"] if a.predict else []) + (["synthetic"] if a.synthetic else []):
        res = subprocess.run(
            [sys.executable, "-m", "bench.clv_bench", "--store", a.store, "--warehouse", a.warehouse, "--step", step],
            capture_output=True,
            text=True,
        )
        if res.returncode:
            print(json.dumps({"step": step, "error": res.stderr[-2000:]}))
            return
        results[step] = json.loads(res.stdout.strip().splitlines()[-1])
        print(json.dumps({"step": step, **results[step]}), flush=True)
    if a.lifetimes_python:
        theirs = step_lifetimes(a.lifetimes_python, out)
        ours = results["fit"]
        diff = {k: abs(ours["bgnbd"][k] / v - 1) for k, v in theirs["bgnbd"].items()}
        diff.update({f"gg_{k}": abs(ours["gamma_gamma"][k] / v - 1) for k, v in theirs["gamma_gamma"].items()})
        print(
            json.dumps(
                {
                    "step": "lifetimes",
                    **theirs,
                    "max_relative_difference": max(diff.values()),
                    "relative_difference": diff,
                }
            ),
            flush=True,
        )
        if a.synthetic:
            theirs = step_lifetimes(a.lifetimes_python, out.with_suffix(".synthetic.npz"))
            ours = results["synthetic"]
            diff = {k: abs(ours["bgnbd"][k] / v - 1) for k, v in theirs["bgnbd"].items()}
            diff.update({f"gg_{k}": abs(ours["gamma_gamma"][k] / v - 1) for k, v in theirs["gamma_gamma"].items()})
            print(
                json.dumps({"step": "lifetimes-synthetic", **theirs, "max_relative_difference": max(diff.values())}),
                flush=True,
            )


if __name__ == "__main__":
    main()
