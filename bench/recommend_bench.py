"""Recommendations and the daily scenarios at a million customers, on the demo store.

    klientura demo --customers 1000000 --no-serve   (with KLIENTURA_DATABASE_URL=sqlite:///bench/out/demo1m/store.db)
    klientura analytics run                          (the nightly scores: the win-back scenario reads them)
    python -m bench.recommend_bench --store sqlite:///bench/out/demo1m/store.db [--reference]

Each step runs in a fresh child process (its peak RSS is its own) and prints one JSON line:

- ``model``: the item-to-item model built from every completed order's lines (read from the store, fitted in SciPy);
- ``campaign``: recommendations for 70 % of the customers (a campaign's targets), the model built first;
- ``preview``: one customer's, on a built model (what a preview or a scenario's batch pays);
- ``reference`` (``--reference``): the textbook loops over dictionaries of sets on the same purchases — the first
  implementation, and what one would write by hand;
- ``scenario:<key>``: one daily round of a scenario switched on with products in its text (birthday, win-back,
  repeat purchase), rolled back afterwards.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEXT = "{{ name }}, для вас: {% for p in products %}{{ p.name }} {% endfor %}"


def _peak() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _targets(session: Any) -> list[int]:
    from sqlalchemy import select

    from klientura.customers import Customer

    ids = session.scalars(select(Customer.id).where(Customer.merged_into_id.is_(None))).all()
    return [c for c in ids if c % 10 < 7]


def step_model(store: str) -> dict[str, Any]:
    from klientura.campaigns.recommend import model
    from klientura.db import command_session

    with command_session(store) as session:
        t = time.perf_counter()
        m = model(session)
        seconds = time.perf_counter() - t
    return {
        "seconds": round(seconds, 1),
        "products": len(m.products),
        "similar_pairs": m.similar.nnz,
        "peak_rss_mb": _peak(),
    }


def step_campaign(store: str) -> dict[str, Any]:
    from klientura.campaigns.recommend import recommend
    from klientura.db import command_session

    with command_session(store) as session:
        ids = _targets(session)
        t = time.perf_counter()
        picks = recommend(session, ids)
        seconds = time.perf_counter() - t
    return {
        "customers": len(ids),
        "seconds_with_model": round(seconds, 1),
        "with_3": sum(len(p) == 3 for p in picks.values()),
        "peak_rss_mb": _peak(),
    }


def step_preview(store: str) -> dict[str, Any]:
    from klientura.campaigns.recommend import model, recommend
    from klientura.db import command_session

    with command_session(store) as session:
        model(session)
        times = []
        for cid in (11, 500_001, 999_001):
            t = time.perf_counter()
            recommend(session, [cid])
            times.append(time.perf_counter() - t)
    return {"max_ms": round(max(times) * 1000), "min_ms": round(min(times) * 1000)}


def step_reference(store: str) -> dict[str, Any]:
    from collections import defaultdict

    from tests.campaigns.test_recommend import reference

    from klientura.db import command_session
    from klientura.orders import all_purchases

    with command_session(store) as session:
        ids = _targets(session)
        t = time.perf_counter()
        cids, pids = all_purchases(session)
        baskets: dict[int, set[int]] = defaultdict(set)
        for c, p in zip(cids.tolist(), pids.tolist(), strict=True):
            baskets[c].add(p)
        reference(baskets, ids, 3)
        seconds = time.perf_counter() - t
    return {"customers": len(ids), "seconds": round(seconds, 1), "peak_rss_mb": _peak()}


def step_scenario(store: str, key: str) -> dict[str, Any]:
    from klientura.audit import SYSTEM
    from klientura.campaigns import Links, Sending
    from klientura.campaigns import scenarios as sc
    from klientura.db import command_session

    sending = Sending(Links("https://crm.shop.example.ru", "bench-secret"), "Europe/Moscow", "ru", "RUB")
    with command_session(store) as session:
        sc.update_scenario(
            session,
            SYSTEM,
            key,
            {"enabled": True, "variants": [{"name": "A", "subject": "", "text": TEXT, "html": None}], "channel": "sms"},
            NOW,
        )
        sc.scenarios(session)[key].checked_until = NOW - timedelta(days=1)
        t = time.perf_counter()
        counts = sc.run(session, NOW, sending)
        seconds = time.perf_counter() - t
        session.rollback()
    return {"seconds": round(seconds, 1), "fired": counts.get(key, {}), "peak_rss_mb": _peak()}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--store", required=True)
    p.add_argument("--reference", action="store_true")
    p.add_argument("--step", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.step:
        if a.step.startswith("scenario:"):
            out = step_scenario(a.store, a.step.split(":", 1)[1])
        else:
            out = globals()[f"step_{a.step}"](a.store)
        print(json.dumps({"step": a.step, **out}, ensure_ascii=False), flush=True)
        return
    steps = [
        "model",
        "campaign",
        "preview",
        *(["reference"] if a.reference else []),
        "scenario:birthday",
        "scenario:win_back",
        "scenario:repeat_purchase",
    ]
    for step in steps:
        subprocess.run([sys.executable, "-m", "bench.recommend_bench", "--store", a.store, "--step", step], check=True)


if __name__ == "__main__":
    main()
