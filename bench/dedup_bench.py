"""Duplicate detection on the demo chain's planted duplicates: precision, recall and time.

    python -m bench.dedup_bench --customers 20000
    python -m bench.dedup_bench --customers 1000000 --reuse   # scan a base built by an earlier run again
    python -m bench.dedup_bench --customers 20000 --reuse --hand-tuned   # the weights before issue 21
    python -m bench.dedup_bench --customers 1000000 --reuse --stored     # the scan with the stored model, no learning

Builds the demo chain into a fresh SQLite file (the generator records which card each planted
duplicate copies; kept beside the file for --reuse), runs the scan as `klientura dedup train` does —
learning the model from the base, suggesting from its default threshold — and compares the suggestions with the truth: every pair inside a
cluster of one person's cards counts. With --reuse the process only scans, so its peak RSS is the scan's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import time
from datetime import UTC, date, datetime
from pathlib import Path

from klientura import dedup
from klientura.audit import SYSTEM
from klientura.config import Settings
from klientura.db import make_session_factory, session_scope
from klientura.migrations import upgrade

DEMO_END = date(2026, 11, 15)  # the day the demo's history ends (it is built on that day)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--threshold", type=float, default=None, help="instead of the model's default")
    ap.add_argument("--precision", type=float, default=Settings.model_fields["dedup_precision"].default,
                    help="the wanted precision the default threshold is chosen for (KLIENTURA_DEDUP_PRECISION's default)")  # fmt: skip
    ap.add_argument("--reuse", action="store_true", help="scan the base an earlier run built")
    ap.add_argument("--hand-tuned", action="store_true", help="the weights the scan had before issue 21 instead")
    ap.add_argument("--stored", action="store_true", help="scan with the model an earlier run stored (no learning)")
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
        from klientura.demo import build  # only to build: the scan's process should not carry the demo's imports

        with session_scope(factory) as s:
            summary = build(s, end=DEMO_END, customers=a.customers)
        truth_file.write_text(json.dumps(summary.duplicate_pairs))
    upgrade(url)  # a base built before the store's latest migrations
    pairs = json.loads(truth_file.read_text())
    clusters: dict[int, set[int]] = {}
    for orig, dup in pairs:
        clusters.setdefault(orig, {orig}).add(dup)
    truth = {tuple(sorted(p)) for members in clusters.values() for p in itertools.combinations(members, 2)}
    before = _rss_mb()  # the process before the scan: its imports (the demo's, the migrations') and the truth
    start = time.perf_counter()
    expected: dict[str, float] = {}
    if a.hand_tuned:  # the hand-tuned weights the scan had before issue 21, for comparison
        with session_scope(factory) as s:
            scored = dedup.find_duplicates(
                dedup.iter_people(s), a.threshold or 0.8, load=lambda ids: dedup.load_people(s, ids)
            )
        found = {(x.low_id, x.high_id) for x in scored}
    else:  # the app's scan, as `klientura dedup train` runs it: learned from this base, its default threshold
        with session_scope(factory) as s:
            dedup.scan(s, SYSTEM, datetime.now(UTC), precision=a.precision, threshold=a.threshold,
                       learn=not a.stored)  # fmt: skip
            found = {(x.low_id, x.high_id) for x in dedup.list_suggestions(s, SYSTEM, limit=10**9)}
            row = dedup.current_model(s)
            assert row is not None
            chosen = a.threshold or row.threshold
            q = next((x for x in row.quality if x["threshold"] == chosen), None)
            expected = {"threshold": chosen, "expected_precision": q["precision"] if q else None,
                        "expected_recall": q["recall"] if q else None}  # fmt: skip
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tp = len(found & truth)
    print(
        json.dumps(
            {
                "bench": "dedup, hand-tuned" if a.hand_tuned else "dedup, learned",
                "customers": a.customers,
                "planted_pairs": len(truth),
                "suggested": len(found),
                "precision": round(tp / max(len(found), 1), 4),
                "recall": round(tp / max(len(truth), 1), 4),
                **expected,
                "seconds": round(elapsed, 2),
                "peak_rss_mb": round(peak),
                "rss_before_scan_mb": before,
            }
        )
    )


def _rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))


if __name__ == "__main__":
    main()
