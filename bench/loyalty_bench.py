"""Loyalty processing benchmark: confirms and calculates per second through HTTP on PostgreSQL, beside pgbench's
TPC-B-like tps on the same server as the ceiling.

    python -m bench.loyalty_bench [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--customers 5000]
        [--workers 2] [--connections 4 8 16 32] [--seconds 30] [--orm-connections 4 32]

Needs wrk (Debian package ``wrk``) and pgbench. A fresh database ``klientura_bench_loyalty`` gets the schema,
``--customers`` members with 5,000 points each and 50 products; the server runs as ``klientura serve --workers N``;
wrk sends new orders (a third paying 50 points) from each number of ``--connections``, after a VACUUM ANALYZE
(autovacuum is off in this machine's PostgreSQL); ``GET /programme`` (an
authenticated read of one row) is measured beside them as the floor the framework and the driver set. Afterwards the ledger check
must find every balance equal to its ledger and the orders must number the 2xx answers. Then the same endpoints
with the till's fast path off (``KLIENTURA_TILL_POOL_SIZE=0``: the ORM path, as on SQLite) at
``--orm-connections``, side by side. Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from tests.conftest import free_port
from tests.loyalty.load import Server

from bench.common import fresh_database

ROOT = Path(__file__).resolve().parents[1]
DB = "klientura_bench_loyalty"


def prepare(admin_url: str, customers: int) -> tuple[str, str]:
    """A fresh database with members and products; (its URL, an API key)."""

    from klientura.audit import SYSTEM
    from klientura.auth import SCOPES
    from klientura.auth.service import create_api_key
    from klientura.catalog import Product
    from klientura.customers import CustomerIn, resolve
    from klientura.customers import prepare as prepare_customer
    from klientura.db import make_session_factory
    from klientura.kit.shop import Shop
    from klientura.loyalty import earn
    from klientura.loyalty.accounts import account_of

    shop = Shop("RU", "Europe/Moscow", "RUB")
    url = fresh_database(admin_url, DB)
    factory = make_session_factory(url)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with factory() as session:
        session.add_all(Product(sku=f"SKU-{i}", name=f"Товар {i}", price=Decimal(100 * i)) for i in range(1, 51))
        for i in range(customers):
            cid = resolve(session, SYSTEM, prepare_customer(CustomerIn(phone=f"+7913{i:07d}"), shop=shop)).customer_id
            acc = account_of(session, cid)
            earn(session, acc.id, 5000, at=t0, author="bench", expires_at=t0 + timedelta(days=730))
        _k, token = create_api_key(session, SYSTEM, "bench", list(SCOPES))
        session.commit()
    return url, token


def analyze(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum would: this machine's PostgreSQL runs with autovacuum off (its CI settings),
    and the tables grow from nothing during the run — plans made for empty tables slowed every request 2-4×."""
    from klientura.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def wrk(port: int, key: str, path: str, connections: int, seconds: int, customers: int, run: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench/wrk/confirm.lua"),
            f"http://127.0.0.1:{port}",
            "--",
            str(customers),
            run,
            path,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "KL_KEY": key},
        check=True,
    ).stdout
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def ms(label: str) -> float:
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        return round(float(m.group(1)) * unit[m.group(2)], 2) if m else float("nan")

    done = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests": int(done.group(1)) if done else 0,
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": ms("50%"),
        "p90_ms": ms("90%"),
        "p99_ms": ms("99%"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else None,
    }


def pgbench(admin_url: str, connections: int, seconds: int) -> dict[str, Any]:
    base = admin_url.replace("+psycopg", "").rsplit("/", 1)[0]
    db = "klientura_bench_pgbench"
    subprocess.run(
        [
            "psql",
            "-q",
            f"{base}/postgres",
            "-c",
            f"DROP DATABASE IF EXISTS {db} WITH (FORCE)",
            "-c",
            f"CREATE DATABASE {db}",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", f"{base}/{db}"], check=True, capture_output=True)
    out = subprocess.run(
        ["pgbench", f"-c{connections}", "-j2", f"-T{seconds}", f"{base}/{db}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tps = re.search(r"tps = ([\d.]+)", out)
    lat = re.search(r"latency average = ([\d.]+) ms", out)
    subprocess.run(["psql", "-q", f"{base}/postgres", "-c", f"DROP DATABASE {db} WITH (FORCE)"], capture_output=True)
    return {"pgbench_tps": float(tps.group(1)) if tps else None, "latency_avg_ms": float(lat.group(1)) if lat else None}


def verify(url: str) -> dict[str, Any]:
    from klientura.db import make_session_factory
    from klientura.loyalty import check
    from klientura.orders import Order

    with make_session_factory(url)() as session:
        report = check(session)
        orders = session.scalar(select(func.count()).select_from(Order))
    return {"ledger_ok": report.ok, "accounts": report.accounts, "entries": report.entries, "orders": orders}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, nargs="+", default=[4, 8, 16, 32])
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--orm-connections", type=int, nargs="*", default=[4, 32])
    args = ap.parse_args()
    t = time.perf_counter()
    url, key = prepare(args.pg, args.customers)
    print(json.dumps({"step": "prepare", "customers": args.customers, "seconds": round(time.perf_counter() - t, 1)}))
    server = Server(url, free_port(), workers=args.workers)  # `klientura serve --workers N`, as in the load tests
    port = server.port
    server.start()
    try:
        wrk(port, key, "/api/v1/loyalty/confirm", 4, 3, args.customers, "warm")  # connection pools, caches
        for connections in args.connections:
            analyze(url)
            for path in ("/api/v1/loyalty/programme", "/api/v1/loyalty/calculate", "/api/v1/loyalty/confirm"):
                res = wrk(port, key, path, connections, args.seconds, args.customers, f"run{connections}")
                print(
                    json.dumps(
                        {"step": path.rsplit("/", 1)[1], "connections": connections, "workers": args.workers, **res}
                    )
                )
    finally:
        server.stop()
    print(json.dumps({"step": "verify", **verify(url)}))
    if args.orm_connections:
        os.environ["KLIENTURA_TILL_POOL_SIZE"] = "0"  # the ORM path: what the endpoints do without the fast path
        server = Server(url, free_port(), workers=args.workers)
        server.start()
        try:
            wrk(server.port, key, "/api/v1/loyalty/confirm", 4, 3, args.customers, "orm-warm")
            for connections in args.orm_connections:
                analyze(url)
                for path in ("/api/v1/loyalty/calculate", "/api/v1/loyalty/confirm"):
                    res = wrk(server.port, key, path, connections, args.seconds, args.customers, f"orm{connections}")
                    print(
                        json.dumps(
                            {
                                "step": path.rsplit("/", 1)[1] + " (ORM path)",
                                "connections": connections,
                                "workers": args.workers,
                                **res,
                            }
                        )
                    )
        finally:
            server.stop()
            del os.environ["KLIENTURA_TILL_POOL_SIZE"]
        print(json.dumps({"step": "verify (after the ORM path)", **verify(url)}))
    for connections in args.connections:
        print(
            json.dumps(
                {
                    "step": "pgbench",
                    "connections": connections,
                    "seconds": args.seconds,
                    **pgbench(args.pg, connections, args.seconds),
                }
            )
        )


if __name__ == "__main__":
    main()
