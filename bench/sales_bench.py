"""Sales benchmarks (issue 18), each beside the store's own floor for the same work.

    python -m bench.sales_bench board [--engines sqlite,postgresql] [--deals 100000] [--runs 30]
    python -m bench.sales_bench list [--deals 1000000] [--runs 300]
    python -m bench.sales_bench load [--deals 100000] [--connections 16] [--seconds 20] [--workers 2]

``board``: a pipeline with ``--deals`` open deals; the kanban page (GET /sales?pipeline=…, signed in as an
administrator, in process) timed end to end, its column counts and sums checked against SQL; the floor is the
bare queries the page needs (a GROUP BY over the pipeline's open stages and each column's 30 newest) through the
driver. ``list``: ``--deals`` deals (60 % open) on PostgreSQL; GET /api/v1/deals with random filters (owner,
stage, source, amount range, a word of the title, and their pairs) in process, p50/p95; the floor is the same
SELECT through psycopg. ``load``: ``klientura serve --workers N`` on PostgreSQL; wrk moves random deals between
open stages (POST /deals/{id}/move: history and audit included) and posts leads (POST /leads: the card resolved,
the repeat-request rule applied) at ``--connections``; the floor is pgbench running the same writes as bare SQL
(``bench/wrk/*.sql``) at the same connections. Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.common import fresh_database
from bench.sales_data import SOURCES, WORDS, seed

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _store(engine: str, admin_url: str, name: str) -> str:
    if engine == "postgresql":
        return fresh_database(admin_url, name)
    from klientura.migrations import upgrade

    url = f"sqlite:///{tempfile.mkdtemp(prefix='klientura-sales-')}/{name}.db"
    upgrade(url)
    return url


def _analyze(url: str) -> None:
    from klientura.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT") if url.startswith("postgresql") else make_engine(url)
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
        conn.commit()
    engine.dispose()


def _timed(work: Callable[[], Any], runs: int) -> dict[str, float]:
    for _ in range(3):
        work()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}


def _client(url: str) -> Any:
    from fastapi.testclient import TestClient

    from klientura.app import create_app
    from klientura.config import Settings

    settings = Settings(
        database_url=url, secret_key="bench-secret-key-long-enough-0123456789", public_url="http://testserver"
    )
    return TestClient(create_app(settings))


def board(engine: str, admin_url: str, deals: int, runs: int) -> dict[str, Any]:
    url = _store(engine, admin_url, "klientura_bench_board")
    t0 = time.perf_counter()
    ids = seed(url, deals, open_share=1.0)
    built = time.perf_counter() - t0
    _analyze(url)
    from klientura.db import make_engine

    store = make_engine(url)
    with _client(url) as client:
        client.post("/api/v1/auth/login", json={"email": "admin@bench.local", "password": "password123"})
        page_url = f"/sales?pipeline={ids['pipeline']}"
        page = client.get(page_url)
        assert page.status_code == 200, page.text[:500]
        counts = re.findall(r'<span class="count"[^>]*>([^<]+)</span>', page.text)
        shown = sum(int(re.sub(r"\D", "", x)) for x in counts)
        page_times = _timed(lambda: client.get(page_url), runs)
    with store.connect() as conn:
        exact = conn.execute(text("SELECT count(*) FROM deals WHERE status = 'open'")).scalar()

        def floor() -> None:
            rows = conn.execute(
                text(
                    "SELECT stage_id, count(*), sum(amount) FROM deals WHERE pipeline_id = :p AND deleted_at IS NULL "
                    "GROUP BY stage_id"
                ),
                {"p": ids["pipeline"]},
            ).all()
            for stage_id, _n, _s in rows:
                conn.execute(
                    text(
                        "SELECT * FROM deals WHERE pipeline_id = :p AND stage_id = :s AND deleted_at IS NULL "
                        "ORDER BY id DESC LIMIT 30"
                    ),
                    {"p": ids["pipeline"], "s": stage_id},
                ).all()

        floor_times = _timed(floor, runs)
    store.dispose()
    return {
        "bench": "board",
        "engine": engine,
        "open_deals": deals,
        "seed_s": round(built, 1),
        "counts_exact": shown == exact == deals,
        "page": page_times,
        "floor": floor_times,
        "ratio_p50": round(page_times["p50_ms"] / max(floor_times["p50_ms"], 0.01), 1),
    }


def _filters(rng: random.Random, ids: dict[str, Any]) -> dict[str, Any]:
    one = {
        "owner_id": lambda: rng.choice(ids["managers"]),
        "stage_id": lambda: rng.choice(ids["open_stages"]),
        "source": lambda: rng.choice(SOURCES),
        "amount": lambda: rng.choice(((10_000, 50_000), (100_000, 200_000), (500_000, 10_000_000))),
        "q": lambda: rng.choice(WORDS).lower(),
    }
    picked = rng.sample(list(one), k=rng.choice((1, 1, 2)))
    out: dict[str, Any] = {}
    for name in picked:
        value = one[name]()
        if name == "amount":
            out["amount_min"], out["amount_max"] = value
        else:
            out[name] = value
    return out


def listing(admin_url: str, deals: int, runs: int) -> dict[str, Any]:
    import psycopg

    url = _store("postgresql", admin_url, "klientura_bench_list")
    t0 = time.perf_counter()
    ids = seed(url, deals, open_share=0.6)
    built = time.perf_counter() - t0
    _analyze(url)
    rng = random.Random(7)
    cases = [_filters(rng, ids) for _ in range(runs)]
    api_times, floor_times, slowest = [], [], []
    raw = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
    with _client(url) as client:
        client.headers["Authorization"] = f"Bearer {ids['key']}"
        for case in cases[:5]:
            client.get("/api/v1/deals", params=case)
        for case in cases:
            t = time.perf_counter()
            r = client.get("/api/v1/deals", params=case)
            took = (time.perf_counter() - t) * 1000
            assert r.status_code == 200, r.text
            api_times.append(took)
            slowest.append((round(took, 1), case))
            where, args = ["deleted_at IS NULL"], []
            for name, sql in (("owner_id", "owner_id = %s"), ("stage_id", "stage_id = %s"), ("source", "source = %s")):
                if name in case:
                    where.append(sql)
                    args.append(case[name])
            if "amount_min" in case:
                where += ["amount >= %s", "amount <= %s"]
                args += [case["amount_min"], case["amount_max"]]
            if "q" in case:
                where.append("title ILIKE %s")
                args.append(f"%{case['q']}%")
            t = time.perf_counter()
            raw.execute(f"SELECT * FROM deals WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 51", args).fetchall()
            floor_times.append((time.perf_counter() - t) * 1000)
    raw.close()

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[int(len(ordered) * q) - 1], 1)

    slowest.sort(key=lambda x: x[0], reverse=True)
    return {
        "bench": "list",
        "engine": "postgresql",
        "deals": deals,
        "seed_s": round(built, 1),
        "api": {"p50_ms": pct(api_times, 0.5), "p95_ms": pct(api_times, 0.95), "max_ms": round(max(api_times), 1)},
        "floor": {"p50_ms": pct(floor_times, 0.5), "p95_ms": pct(floor_times, 0.95)},
        "ratio_p95": round(pct(api_times, 0.95) / max(pct(floor_times, 0.95), 0.01), 1),
        "slowest": slowest[:3],
    }


def _wrk(port: int, key: str, script: str, connections: int, seconds: int, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench/wrk" / script),
         f"http://127.0.0.1:{port}", "--", *args],
        capture_output=True, text=True, env={**os.environ, "KL_KEY": key}, check=True,
    ).stdout  # fmt: skip
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def ms(label: str) -> float:
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        return round(float(m.group(1)) * unit[m.group(2)], 2) if m else float("nan")

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "per_second": float(rate.group(1)) if rate else 0.0,
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "non_2xx": int(bad.group(1)) if bad else 0,
    }


def _pgbench(url: str, script: str, connections: int, seconds: int, **variables: Any) -> dict[str, Any]:
    dsn = url.replace("+psycopg", "")
    sets = [f"-D{k}={v}" for k, v in variables.items()]
    out = subprocess.run(
        ["pgbench", "-n", f"-c{connections}", "-j2", f"-T{seconds}", *sets,
         "-f", str(ROOT / "bench/wrk" / script), "--log-prefix=/tmp/pgb", "-l", dsn],
        capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    ).stdout  # fmt: skip
    latencies: list[float] = []
    for log in Path(tempfile.gettempdir()).glob("pgb.*"):
        latencies += [int(line.split()[2]) / 1000 for line in log.read_text().splitlines() if line.strip()]
        log.unlink()
    latencies.sort()
    tps = re.search(r"tps = ([\d.]+)", out)
    return {
        "per_second": float(tps.group(1)) if tps else 0.0,
        "p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2) if latencies else None,
    }


def _paced(
    port: int, key: str, what: str, rate: float, clients: int, seconds: int, deals: int, stages: list[int]
) -> dict[str, Any]:
    """``clients`` clients sending ``rate`` requests a second between them (Poisson arrivals, each client waiting
    for its answer before its next request): the latency a sales team sees, not the server's saturation."""
    import asyncio

    import httpx2 as httpx

    errors: list[str] = []

    async def run() -> list[float]:
        rng = random.Random(3)
        out: list[float] = []
        stop = time.perf_counter() + seconds
        headers = {"Authorization": f"Bearer {key}"}
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits) as http:

            async def client() -> None:
                while time.perf_counter() < stop:
                    await asyncio.sleep(rng.expovariate(rate / clients))
                    t0 = time.perf_counter()
                    try:
                        if what == "move":
                            body = {"stage_id": rng.choice(stages)}
                            r = await http.post(f"/api/v1/deals/{rng.randint(1, deals)}/move", json=body)
                        else:
                            body = {"customer": {"phone": f"+7916{rng.randint(1, 20000):07d}"}, "channel": "form"}
                            r = await http.post("/api/v1/leads", json=body)
                    except httpx.HTTPError as exc:
                        errors.append(type(exc).__name__)
                        continue
                    if r.status_code < 300:
                        out.append((time.perf_counter() - t0) * 1000)
                    else:
                        errors.append(str(r.status_code))

            await asyncio.gather(*(client() for _ in range(clients)))
        return out

    times = sorted(asyncio.run(run()))
    return {
        "rate": rate,
        "clients": clients,
        "done_per_second": round(len(times) / seconds, 1),
        "p50_ms": round(times[len(times) // 2], 1),
        "p99_ms": round(times[int(len(times) * 0.99)], 1),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }


def load(admin_url: str, deals: int, connections: int, seconds: int, workers: int) -> list[dict[str, Any]]:
    from tests.conftest import free_port
    from tests.loyalty.load import Server

    url = _store("postgresql", admin_url, "klientura_bench_sales_load")
    ids = seed(url, deals, open_share=1.0)
    _analyze(url)
    port = free_port()
    server = Server(url, port, workers=workers)
    server.start()
    out = []
    stages = ",".join(map(str, ids["open_stages"]))
    try:
        for name, script, args in (
            ("move", "move.lua", (str(deals), stages)),
            ("lead", "lead.lua", (str(ids["pipeline"]),)),
        ):
            _wrk(port, ids["key"], script, connections, 3, *args)  # warm-up, not counted: keys cached, plans made
            _analyze(url)
            result = _wrk(port, ids["key"], script, connections, seconds, *args)
            _analyze(url)
            paced = [
                _paced(port, ids["key"], name, rate, connections, seconds, deals, ids["open_stages"])
                for rate in (25, 50, 100)
            ]
            _analyze(url)
            row = {"bench": name, "connections": connections, "workers": workers, "http": result, "paced": paced}
            out.append(row)
    finally:
        server.stop()
    low, high = min(ids["open_stages"]), max(ids["open_stages"])
    for row, script in zip(out, ("move.sql", "lead.sql"), strict=True):
        row["floor"] = _pgbench(url, script, connections, seconds, deals=deals, low=low, high=high)
        row["ratio_p99"] = round(row["http"]["p99_ms"] / max(row["floor"]["p99_ms"] or 0.01, 0.01), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("board", "list", "load"))
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--deals", type=int)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    a = parser.parse_args()
    if a.what == "board":
        for engine in a.engines.split(","):
            print(json.dumps(board(engine, a.pg, a.deals or 100_000, a.runs), ensure_ascii=False), flush=True)
    elif a.what == "list":
        print(json.dumps(listing(a.pg, a.deals or 1_000_000, max(a.runs, 100)), ensure_ascii=False), flush=True)
    else:
        for row in load(a.pg, a.deals or 100_000, a.connections, a.seconds, a.workers):
            print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
