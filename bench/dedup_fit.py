"""How the duplicate weights were fitted: components of every candidate pair, then a grid over weights.

    python -m bench.dedup_bench --customers 1000000          # builds bench/out/dedup-1000000.db and its truth
    python -m bench.dedup_fit --customers 1000000            # ~5 min for the components, seconds per grid point

Each candidate pair of the base is compared once (name weight, birth dates, phones, e-mails, gender,
patronymic, city, namesakes); precision and recall of any weighting then follow with numpy. Prints the best
balanced settings as JSON lines.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from klientura.db import make_session_factory
from klientura.dedup import iter_people
from klientura.dedup import scoring as S
from klientura.dedup.blocking import Blocker, unpack


def components(db: Path, truth_file: Path) -> np.ndarray:
    session = make_session_factory(f"sqlite:///{db}")()
    people, blocker = {}, Blocker()
    for p in iter_people(session):
        blocker.add(p)
        people[p.id] = p
    clusters: dict[int, set[int]] = {}
    for orig, dup in json.loads(truth_file.read_text()):
        clusters.setdefault(orig, {orig}).add(dup)
    truth = {tuple(sorted(p)) for m in clusters.values() for p in itertools.combinations(m, 2)}
    rows = []
    for a, b in unpack(blocker.pairs()):
        pa, pb = people[a], people[b]
        bd = 0
        if pa.birth_date and pb.birth_date:
            bd = 1 if pa.birth_date == pb.birth_date else (2 if S._date_close(pa.birth_date, pb.birth_date) else 3)
        mid = 0
        if pa.middle_key and pb.middle_key:
            mid = 1 if JaroWinkler.similarity(pa.middle_key, pb.middle_key) >= 0.9 else 2
        mail = S._email_evidence(pa.emails, pb.emails)
        city = 0 if not (pa.city and pb.city) else (1 if pa.city.casefold() == pb.city.casefold() else 2)
        rows.append(
            (
                S._name_weight(S._name_similarity(pa, pb)),
                bd,
                any(DamerauLevenshtein.distance(x[-10:], y[-10:]) <= 1 for x in pa.phones for y in pb.phones),
                bool(pa.phones and pb.phones),
                mail[0] if mail else 0.0,
                bool(pa.gender and pb.gender and pa.gender != pb.gender),
                mid,
                city,
                max(blocker.namesakes(pa), blocker.namesakes(pb)),
                (a, b) in truth,
            )
        )
    return np.array(rows, dtype=np.float64)


def evaluate(
    c: np.ndarray,
    planted: int,
    *,
    tf: float,
    cap: float,
    phone: float,
    mail: float,
    csame: float,
    cdiff: float,
    threshold: float = 0.8,
) -> tuple[float, float]:
    wname, bd, near, both, mailw, gdiff, mid, city, n, truth = c.T
    adj = np.minimum(np.where((wname > 0) & (n > S.NAME_REF), tf * np.log(np.maximum(n, 1) / S.NAME_REF), 0.0), cap)
    total = S.PRIOR + np.where(wname > 0, np.maximum(0.0, wname - adj), wname)
    total += np.select([bd == 1, bd == 2, bd == 3], [5.0, 1.0, -5.0], 0.0)
    total += np.where(near == 1, phone, np.where(both == 1, -0.5, 0.0)) + mailw / 1.5 * mail  # e-mail weights were x1.5
    total += np.where(gdiff == 1, -4.0, 0.0) + np.select([mid == 1, mid == 2], [1.0, -2.0], 0.0)
    total += np.select([city == 1, city == 2], [csame, cdiff], 0.0)
    chosen = 1 / (1 + np.exp(-total)) >= threshold
    tp = float((chosen & (truth == 1)).sum())
    return tp / max(float(chosen.sum()), 1.0), tp / planted


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    a = ap.parse_args()
    db = Path("bench/out") / f"dedup-{a.customers}.db"
    truth_file = db.with_suffix(".truth.json")
    cache = db.with_suffix(".components.npy")
    c = np.load(cache) if cache.exists() else components(db, truth_file)
    np.save(cache, c)
    clusters: dict[int, set[int]] = {}
    for orig, dup in json.loads(truth_file.read_text()):
        clusters.setdefault(orig, {orig}).add(dup)
    planted = sum(len(m) * (len(m) - 1) // 2 for m in clusters.values())
    results = []
    for tf, cap, phone, mail, csame, cdiff in itertools.product(
        (0.5, 0.75, 1.0), (2.5, 3.5), (5.0, 7.0, 9.0), (1.0, 1.5), (0.5, 1.5), (0.0, -1.5)
    ):
        p, r = evaluate(c, planted, tf=tf, cap=cap, phone=phone, mail=mail, csame=csame, cdiff=cdiff)
        results.append(
            (min(p, r), p, r, {"tf": tf, "cap": cap, "phone": phone, "mail": mail, "csame": csame, "cdiff": cdiff})
        )
    for _, p, r, params in sorted(results, key=lambda x: -x[0])[:5]:
        print(json.dumps({"precision": round(p, 4), "recall": round(r, 4), **params}))


if __name__ == "__main__":
    main()
