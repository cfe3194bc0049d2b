"""The worker's duplicate scans run in a process of their own (issue 21): a scan of a million cards peaks near
0.9 GB, which the worker's long-lived process — holding the warehouse's engines — would keep. What the child finds is
committed to the store and reported back; its errors reach the round."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from klientura import dedup
from klientura.audit import SYSTEM
from klientura.db import make_session_factory, session_scope
from klientura.worker import duplicates
from tests.conftest import fresh_store
from tests.factories import customer

NOW = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)


def _pid() -> int:
    return os.getpid()


def _fails() -> None:
    raise ValueError("in the child")


def test_a_job_runs_in_another_process_and_its_errors_come_back() -> None:
    assert duplicates.apart(_pid) != os.getpid()
    with pytest.raises(ValueError, match="in the child"):
        duplicates.apart(_fails)


def test_the_asked_and_the_nightly_scans_run_apart_and_land_in_the_store(backend: str, tmp_path: Path) -> None:
    with fresh_store(backend, tmp_path) as url:
        factory = make_session_factory(url)
        anna = {"last_name": "Смирнова", "first_name": "Анна", "middle_name": "Петровна"}
        with session_scope(factory) as s:
            customer(s, **anna, phone="+79161112233")
            customer(s, **anna, phone="+79161112234")  # one digit off
            customer(s, last_name="Орлов", first_name="Пётр", phone="+79035550000")
        assert duplicates.apart(duplicates.asked, url, NOW, 0.97) is None  # nobody asked
        with session_scope(factory) as s:
            dedup.ask(s, SYSTEM, NOW, learn=True)
        got = duplicates.apart(duplicates.asked, url, NOW, 0.97)
        assert got == duplicates.Scanned(found=1, learned=True, asked_by=SYSTEM.name)
        with session_scope(factory) as s:
            assert dedup.waiting(s) is None
            assert [(x.low_id, x.high_id) for x in dedup.list_suggestions(s, SYSTEM, limit=10)] == [(1, 2)]
        again = duplicates.apart(duplicates.nightly, url, NOW, 0.97)
        assert again == duplicates.Scanned(found=1, learned=False)  # the stored model: the base has not changed
        factory.kw["bind"].dispose()
