"""The CDNOW sample (../shared/data/cdnow): prepared as in the literature, and loaded into a warehouse."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np

from klientura.analytics import Warehouse

# a copy of ../shared/data/cdnow/CDNOW_sample.txt (Fader & Hardie's public CDNOW sample), so that the test runs
# wherever the repository is cloned
FILE = Path(__file__).resolve().parent / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)
HOLDOUT_END = date(1998, 6, 30)


def rows() -> list[tuple[int, date, float]]:
    out = []
    for line in FILE.read_text().splitlines():
        master, _sample, day, _cds, dollars = line.split()
        out.append((int(master), datetime.strptime(day, "%Y%m%d").date(), float(dollars)))
    return out


@dataclass
class Prepared:
    x: np.ndarray
    t_x: np.ndarray  # weeks
    T: np.ndarray
    m: np.ndarray  # mean value of the repeat days in calibration, 0 when x = 0
    holdout: np.ndarray  # purchase days in the holdout


def prepared() -> Prepared:
    """The standard preparation (data README): one transaction per customer-day, weeks as elapsed days / 7."""
    days: dict[int, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for cid, day, dollars in rows():
        days[cid][day] += dollars
    x, t_x, T, m, holdout = [], [], [], [], []
    for per in days.values():
        ordered = sorted(per)
        first = ordered[0]
        cal = [d for d in ordered if d <= CALIBRATION_END]
        x.append(len(cal) - 1)
        t_x.append((cal[-1] - first).days / 7)
        T.append((CALIBRATION_END - first).days / 7)
        m.append(float(np.mean([per[d] for d in cal[1:]])) if len(cal) > 1 else 0.0)
        holdout.append(sum(1 for d in ordered if CALIBRATION_END < d <= HOLDOUT_END))
    return Prepared(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T, m, holdout)))


def load(wh: Warehouse) -> None:
    """Every row as a completed order of its customer (cents as kopecks): what a sync of the file would hold."""
    data = rows()
    cids = sorted({cid for cid, _, _ in data})
    wh.con.executemany(
        "INSERT INTO customers VALUES (?, ?, ?, NULL, NULL, NULL, ?, NULL)",
        [(c, c, date(1997, 1, 1), "web" if c % 2 else "store") for c in cids],
    )
    orders = [
        (i + 1, cid, day, day, "completed", round(v * 100), 0, round(v * 100), False, None, None)
        for i, (cid, day, v) in enumerate(data)
    ]
    wh.con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", orders)
