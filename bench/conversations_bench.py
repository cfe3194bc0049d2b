"""Benchmarks of issue 19 (conversations) on PostgreSQL with ``klientura serve --workers 2``.

``hooks``: Telegram updates posted to /hooks/telegram at a paced rate by 16 clients (Poisson arrivals, each waiting
for its answer) — people from a pool of ``--people`` chats, so a chat's first message opens a conversation and a
request (the repeat-request rule) and the rest join it; then every update checked stored exactly once.
``kill``: ``--updates`` updates posted by 16 clients while the server is killed (SIGKILL) mid-load and started
again; the "provider" resends every update until it reads a 2xx (as Telegram does) — then each is stored once.
``forms``: form submissions (JSON) at a paced rate from a pool of people, each phone written in one of two ways;
then no card has a twin. ``inbox``: the inbox's first page with 100,000 conversations, in process, signed in as an
administrator and as a manager, beside the bare query. The floor for ``hooks`` is pgbench running the same writes
as bare SQL (``bench/wrk/hook.sql``). Prints JSON lines.

    python -m bench.conversations_bench hooks --rate 200 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.common import fresh_database

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("KLIENTURA_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-hook-secret"


def _engine(url: str) -> Any:
    from klientura.db import make_engine

    return make_engine(url)


def _scalar(url: str, sql: str) -> Any:
    engine = _engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


def _analyze(url: str) -> None:
    from klientura.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _update(update_id: int, chat: int, text_: str) -> dict[str, Any]:
    sender = {"id": chat, "is_bot": False, "first_name": "Гость", "last_name": str(chat)}
    message = {"message_id": update_id, "from": sender, "chat": {"id": chat, "type": "private"}, "date": 1}
    return {"update_id": update_id, "message": {**message, "text": text_}}


def _server(url: str, port: int, workers: int) -> Any:
    from tests.loyalty.load import Server

    os.environ["KLIENTURA_TELEGRAM_WEBHOOK_SECRET"] = SECRET
    os.environ["KLIENTURA_AWAY_ANSWER"] = "false"  # the everyday path, whatever the hour the bench runs at
    server = Server(url, port, workers=workers)
    server.start()
    return server


def _pct(values: list[float], q: float) -> float | None:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 1) if values else None


def _paced(port: int, rate: float, clients: int, seconds: float, make: Any, path: str, headers: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """``clients`` clients sending ``rate`` requests a second between them, each waiting for its answer."""
    import httpx2 as httpx

    errors: list[str] = []

    async def run() -> list[float]:
        rng = random.Random(5)
        out: list[float] = []
        stop = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits) as http:

            async def client() -> None:
                due = time.perf_counter()
                while True:  # arrivals at their own times (a Poisson process), not after the last answer
                    due += rng.expovariate(rate / clients)
                    if due >= stop:
                        return
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    body = make(rng)
                    t0 = time.perf_counter()
                    try:
                        r = await http.post(path, json=body, timeout=30)
                    except httpx.HTTPError as exc:
                        errors.append(type(exc).__name__)
                        continue
                    if r.status_code < 300:
                        out.append((time.perf_counter() - t0) * 1000)
                    else:
                        errors.append(str(r.status_code))

            await asyncio.gather(*(client() for _ in range(clients)))
        return out

    began = time.perf_counter()
    times = asyncio.run(run())
    elapsed = time.perf_counter() - began  # longer than ``seconds`` when the server fell behind the arrivals
    return {
        "rate": rate,
        "clients": clients,
        "done_per_second": round(len(times) / elapsed, 1),
        "elapsed_s": round(elapsed, 1),
        "p50_ms": _pct(times, 0.5),
        "p99_ms": _pct(times, 0.99),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }


def hooks(admin_url: str, rate: float, seconds: int, people: int, workers: int) -> dict[str, Any]:
    from tests.conftest import free_port

    url = fresh_database(admin_url, "klientura_bench_hooks")
    port = free_port()
    server = _server(url, port, workers)
    counter = iter(range(1, 10**9))
    sent: list[int] = []

    def make(rng: random.Random) -> dict[str, Any]:
        update_id = next(counter)
        sent.append(update_id)
        return _update(update_id, 10_000_000 + rng.randint(1, people), "Здравствуйте, есть ли опт?")

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        warm = _paced(port, rate / 2, 16, 3, make, "/hooks/telegram", headers)  # plans made, pools filled
        _analyze(url)
        result = _paced(port, rate, 16, seconds, make, "/hooks/telegram", headers)
    finally:
        server.stop()
    stored = _scalar(url, "SELECT count(*) FROM conversation_messages")
    distinct = _scalar(url, "SELECT count(DISTINCT provider_id) FROM conversation_messages")
    return {
        "bench": "telegram hook",
        "workers": workers,
        "people": people,
        "warm_up": warm["done_per_second"],
        **result,
        "sent": len(sent),
        "stored": stored,
        "stored_once": stored == distinct,
        "conversations": _scalar(url, "SELECT count(*) FROM conversations"),
        "leads": _scalar(url, "SELECT count(*) FROM leads"),
    }


def kill(admin_url: str, updates: int, workers: int) -> dict[str, Any]:
    """Posted by 16 threads, each update resent until a 2xx; the server SIGKILLed once mid-load, restarted."""
    import httpx2 as httpx
    from tests.conftest import free_port

    url = fresh_database(admin_url, "klientura_bench_hooks_kill")
    port = free_port()
    server = _server(url, port, workers)
    queue = list(range(1, updates + 1))
    lock = threading.Lock()
    tries = {"posts": 0, "failed": 0}

    def worker() -> None:
        rng = random.Random(threading.get_ident())
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    update_id = queue.pop()
                body = _update(update_id, 20_000_000 + rng.randint(1, 500), f"сообщение {update_id}")
                while True:
                    with lock:
                        tries["posts"] += 1
                    try:
                        r = http.post("/hooks/telegram", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
                        if r.status_code < 300:
                            break
                    except httpx.HTTPError:
                        pass
                    with lock:
                        tries["failed"] += 1
                    time.sleep(0.2)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(1.5)
    server.kill()
    killed_at = round(time.perf_counter() - started, 2)
    time.sleep(1)
    server.start()
    for t in threads:
        t.join()
    server.stop()
    stored = _scalar(url, "SELECT count(*) FROM conversation_messages")
    distinct = _scalar(url, "SELECT count(DISTINCT provider_id) FROM conversation_messages")
    return {
        "bench": "telegram hook, server killed mid-load",
        "updates": updates,
        "killed_after_s": killed_at,
        "posts": tries["posts"],
        "failed_posts_resent": tries["failed"],
        "stored": stored,
        "each_once": stored == distinct == updates,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("hooks", "kill", "forms", "inbox"))
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    a = parser.parse_args()
    if a.what == "hooks":
        out = hooks(a.pg, a.rate, a.seconds, a.people, a.workers)
    elif a.what == "kill":
        out = kill(a.pg, a.updates, a.workers)
    else:
        from bench import conversations_more

        out = conversations_more.run(a)
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
