"""Duplicate detection on the demo chain's planted duplicates: precision, recall and time.

    python -m bench.dedup_bench --customers 20000

Builds the demo chain into a fresh SQLite file (the generator records which card each planted
duplicate copies), runs the scan and compares the suggestions with the truth: every pair inside a
cluster of one person's cards counts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

from klientura import dedup
from klientura.db import make_session_factory, session_scope
from klientura.demo import build
from klientura.migrations import upgrade


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--threshold", type=float, default=0.8)
    a = ap.parse_args()
    path = Path("bench/out") / f"dedup-{a.customers}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    factory = make_session_factory(url)
    with session_scope(factory) as s:
        summary = build(s, customers=a.customers)
    clusters: dict[int, set[int]] = {}
    for orig, dup in summary.duplicate_pairs:
        clusters.setdefault(orig, {orig}).add(dup)
    truth = {tuple(sorted(p)) for members in clusters.values() for p in itertools.combinations(members, 2)}
    with session_scope(factory) as s:
        people = dedup.load_people(s)
    start = time.perf_counter()
    found = {(x.low_id, x.high_id) for x in dedup.find_duplicates(people, a.threshold)}
    elapsed = time.perf_counter() - start
    tp = len(found & truth)
    print(json.dumps({"bench": "dedup", "customers": a.customers, "planted_pairs": len(truth), "suggested": len(found),
                      "precision": round(tp / max(len(found), 1), 4), "recall": round(tp / max(len(truth), 1), 4),
                      "seconds": round(elapsed, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
