"""The worker's duplicate scans, each in a process of its own.

A scan of a million cards peaks near 0.9 GB (issue 21), and glibc keeps the heap it frees: in the worker's long-lived
process — which also holds the warehouse's engines once it has synced (~160 MB) — the scan would both peak over a
gigabyte and leave the process that big between rounds. So the round runs it in a process started afresh (spawn:
nothing of the parent's heap), which imports only what the scan needs and gives everything back when it ends."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar

from klientura import dedup
from klientura.audit import SYSTEM
from klientura.db import command_session

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Scanned:
    found: int  # suggestions
    learned: bool  # the model was learned again (none yet, or a tenth of the base new or changed)
    asked_by: str | None = None  # who asked for it on the web, for a scan asked for


def apart(job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``job(*args, **kwargs)`` in a fresh process; its exceptions are raised here."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(job, *args, **kwargs).result()


def asked(database_url: str, now: datetime, precision: float) -> Scanned | None:
    """The oldest scan asked for on the web (a base too large to scan within the request), if any."""
    with command_session(database_url) as session:
        before = dedup.current_model(session)
        row = dedup.run_asked(session, SYSTEM, now, precision=precision)
        if row is None:
            return None
        return Scanned(row.found or 0, _learned(before, dedup.current_model(session)), row.requested_by)


def nightly(database_url: str, now: datetime, precision: float) -> Scanned:
    """The nightly rescan: with the stored model, or learned again when the base has changed by a tenth."""
    with command_session(database_url) as session:
        before = dedup.current_model(session)
        found = dedup.scan(session, SYSTEM, now, precision=precision)
        return Scanned(found, _learned(before, dedup.current_model(session)))


def _learned(before: dedup.DedupModel | None, after: dedup.DedupModel | None) -> bool:
    return after is not None and (before is None or after.id != before.id)
