"""The warehouse follows the store: incremental, idempotent, merges and returns reflected, resumable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import analytics, dedup
from klientura.audit import SYSTEM
from klientura.customers import CustomerUpdate, update_customer
from klientura.db import make_session_factory
from klientura.events import EventIn, record_event
from klientura.orders import Order, ReturnIn, create_return
from klientura.wiring import merge_hooks
from tests import factories
from tests.factories import SHOP


def _rows(wh: analytics.Warehouse, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in wh.con.execute(sql).fetchall()]


def test_sync_is_incremental_and_idempotent(store: Session, store_url: str, tmp_path: Path) -> None:
    a = factories.customer(store)
    b = factories.customer(store)
    o1 = factories.order(store, a, amount="1234.56", at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC))
    factories.order(store, None, amount="10.00")
    record_event(
        store, SYSTEM, EventIn(type="cart_add", customer_id=b, occurred_at=datetime(2026, 3, 2, tzinfo=UTC)), shop=SHOP
    )
    store.commit()
    path = tmp_path / "w.duckdb"
    first = analytics.sync(store_url, path, timezone="Europe/Moscow")
    assert first.copied["orders"] == 2 and first.copied["order_lines"] == 2 and first.copied["events"] == 1
    with analytics.Warehouse(path, store_url, timezone="Europe/Moscow") as wh:
        # money in kopecks; the day in the shop's zone: 22:30 UTC is the next morning in Moscow
        assert _rows(wh, f"SELECT paid_k, day FROM orders WHERE id = {o1}") == [(123456, date(2026, 3, 2))]
    again = analytics.sync(store_url, path, timezone="Europe/Moscow")
    assert again.copied["orders"] == 0 and again.copied["order_lines"] == 0 and again.copied["events"] == 0
    factories.order(store, b, amount="5.00")
    store.commit()
    third = analytics.sync(store_url, path, timezone="Europe/Moscow")
    assert third.copied["orders"] == 1 and "customers" in third.unchanged and "identities" in third.unchanged
    update_customer(store, SYSTEM, a, CustomerUpdate(city="Казань"))
    store.commit()
    fourth = analytics.sync(store_url, path, timezone="Europe/Moscow")
    assert fourth.copied["customers"] == 2 and "identities" in fourth.unchanged
    with analytics.Warehouse(path, store_url, timezone="Europe/Moscow") as wh:
        assert _rows(wh, "SELECT count(*), count(DISTINCT id) FROM orders") == [(3, 3)]
        assert _rows(wh, f"SELECT city FROM customers WHERE id = {a}") == [("Казань",)]


def test_merges_unmerges_and_returns_are_reflected(store: Session, store_url: str, tmp_path: Path) -> None:
    a = factories.customer(store)
    b = factories.customer(store)
    factories.order(store, a, amount="100.00")
    ob = factories.order(store, b, amount="300.00")
    store.commit()
    path = tmp_path / "w.duckdb"
    analytics.sync(store_url, path, timezone="Europe/Moscow")
    rec = dedup.merge(store, SYSTEM, a, b, hooks=merge_hooks())
    store.commit()
    analytics.sync(store_url, path, timezone="Europe/Moscow")
    with analytics.Warehouse(path, store_url, timezone="Europe/Moscow") as wh:
        assert _rows(wh, f"SELECT root_id FROM customers WHERE id = {b}") == [(a,)]
        table = analytics.compute(wh, analytics.AnalyticsSettings(), date(2026, 2, 1)).to_pylist()
        assert [(r["customer_id"], r["orders"], r["revenue_k"]) for r in table] == [(a, 2, 40_000)]
    dedup.unmerge(store, SYSTEM, rec.id, hooks=merge_hooks())
    create_return(store, SYSTEM, ob, ReturnIn(external_id="RET-1", returned_at=datetime(2026, 1, 20, tzinfo=UTC)))
    store.commit()
    assert analytics.sync(store_url, path, timezone="Europe/Moscow").copied["returns"] == 1
    with analytics.Warehouse(path, store_url, timezone="Europe/Moscow") as wh:
        table = analytics.compute(wh, analytics.AnalyticsSettings(), date(2026, 2, 1)).to_pylist()
    got = {r["customer_id"]: (r["orders"], r["revenue_k"]) for r in table}
    assert got == {a: (1, 10_000), b: (1, 0)}  # b's order fully returned


def test_a_killed_sync_resumes_exactly(store: Session, store_url: str, tmp_path: Path) -> None:
    ids = [factories.customer(store) for _ in range(50)]
    for i in range(3000):
        factories.order(store, ids[i % 50], amount=f"{100 + i % 7}.00", external_id=f"K-{i}")
    store.commit()
    path = tmp_path / "w.duckdb"
    env = {**os.environ, "KLIENTURA_DATABASE_URL": store_url, "KLIENTURA_WAREHOUSE_PATH": str(path)}
    for delay in (0.5, 1.0, 1.5):  # killed at different points of the copy
        proc = subprocess.Popen(
            [sys.executable, "-m", "klientura", "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run(
        [sys.executable, "-m", "klientura", "sync", "--json"], env=env, capture_output=True, text=True, check=True
    )
    assert '"copied"' in done.stdout
    with analytics.Warehouse(path, store_url, timezone="Europe/Moscow") as wh:
        assert _rows(wh, "SELECT count(*), count(DISTINCT id), sum(paid_k) FROM orders") == [
            (3000, 3000, sum((100 + i % 7) * 100 for i in range(3000)))
        ]
        assert _rows(wh, "SELECT count(*) FROM order_lines") == [(3000,)]


def test_a_sync_leaves_the_stores_open_connections_working(store: Session, store_url: str, tmp_path: Path) -> None:
    """DuckDB's scanner brings its own SQLite; run in this process, closing its file dropped the POSIX locks of
    every connection here, and the next write of a session that had read before the sync failed."""
    a = factories.customer(store)
    store.commit()
    assert store.scalar(select(func.count(Order.id))) == 0  # a transaction open across the sync, having read
    analytics.sync(store_url, tmp_path / "w.duckdb", timezone="Europe/Moscow")
    factories.order(store, a)
    store.commit()
    assert analytics.sync(store_url, tmp_path / "w.duckdb", timezone="Europe/Moscow").copied["orders"] == 1


def test_a_store_made_anew_is_copied_afresh(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A warehouse left beside a store that was built again (a demo rebuilt, a backup restored) holds rows of ids the
    new store gives to other rows: the sync sees fewer rows than it had seen and copies everything again."""
    from tests.conftest import fresh_store

    path = tmp_path / "w.duckdb"
    backend = request.config.getoption("--db")
    with fresh_store(backend, tmp_path / "a") as url_a:
        with make_session_factory(url_a)() as s:
            for amount in ("100.00", "200.00", "300.00"):
                factories.order(s, factories.customer(s), amount=amount)
            s.commit()
            s.get_bind().dispose()  # type: ignore[union-attr]
        assert analytics.sync(url_a, path, timezone="Europe/Moscow").rebuilt is False
    with fresh_store(backend, tmp_path / "b") as url_b:
        with make_session_factory(url_b)() as s:
            factories.order(s, factories.customer(s), amount="999.00")
            s.commit()
            s.get_bind().dispose()  # type: ignore[union-attr]
        again = analytics.sync(url_b, path, timezone="Europe/Moscow")
        assert again.rebuilt is True and again.copied["orders"] == 1
        with analytics.Warehouse(path, url_b, timezone="Europe/Moscow") as wh:
            assert _rows(wh, "SELECT paid_k FROM orders") == [(99900,)]
