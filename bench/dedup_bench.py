"""Duplicate detection on the demo chain's planted duplicates: precision, recall and time.

    python -m bench.dedup_bench --customers 20000
    python -m bench.dedup_bench --customers 1000000 --reuse   # scan a base built by an earlier run again
    python -m bench.dedup_bench --customers 20000 --reuse --learned --threshold 0.99   # the learned model (issue 21)

Builds the demo chain into a fresh SQLite file (the generator records which card each planted
duplicate copies; kept beside the file for --reuse), runs the scan as `klientura dedup scan` does —
streaming the cards from the store — and compares the suggestions with the truth: every pair inside a
cluster of one person's cards counts. With --reuse the process only scans, so its peak RSS is the scan's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import time
from datetime import date
from pathlib import Path

from klientura import dedup
from klientura.db import make_session_factory, session_scope
from klientura.demo import build
from klientura.migrations import upgrade

DEMO_END = date(2026, 11, 15)  # the day the demo's history ends (it is built on that day)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--reuse", action="store_true", help="scan the base an earlier run built")
    ap.add_argument("--learned", action="store_true", help="the model learned from the base (issue 21) instead")
    a = ap.parse_args()
    path = Path("bench/out") / f"dedup-{a.customers}.db"
    truth_file = path.with_suffix(".truth.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    factory = make_session_factory(url)
    if not (a.reuse and path.exists() and truth_file.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        upgrade(url)
        with session_scope(factory) as s:
            summary = build(s, end=DEMO_END, customers=a.customers)
        truth_file.write_text(json.dumps(summary.duplicate_pairs))
    pairs = json.loads(truth_file.read_text())
    clusters: dict[int, set[int]] = {}
    for orig, dup in pairs:
        clusters.setdefault(orig, {orig}).add(dup)
    truth = {tuple(sorted(p)) for members in clusters.values() for p in itertools.combinations(members, 2)}
    start = time.perf_counter()
    if a.learned:  # issue 21: the model learned from this base (not yet the app's scan)
        from klientura.dedup.learning import learn

        with session_scope(factory) as s:
            people = list(dedup.iter_people(s))
        got = learn(people)
        found = {
            (min(people[i].id, people[j].id), max(people[i].id, people[j].id))
            for (i, j), p in zip(got.pairs(), got.probabilities, strict=True)
            if p >= a.threshold
        }
    else:
        with session_scope(factory) as s:
            scored = dedup.find_duplicates(
                dedup.iter_people(s), a.threshold, load=lambda ids: dedup.load_people(s, ids)
            )
        found = {(x.low_id, x.high_id) for x in scored}
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tp = len(found & truth)
    print(
        json.dumps(
            {
                "bench": "dedup, learned" if a.learned else "dedup",
                "customers": a.customers,
                "planted_pairs": len(truth),
                "suggested": len(found),
                "precision": round(tp / max(len(found), 1), 4),
                "recall": round(tp / max(len(truth), 1), 4),
                "seconds": round(elapsed, 2),
                "peak_rss_mb": round(peak),
            }
        )
    )


if __name__ == "__main__":
    main()
