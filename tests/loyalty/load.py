"""A till's load on a real server: threads confirming, retrying and refunding on a few shared accounts, with the
points every acknowledged answer reported tallied on the client side (used by the load tests)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """``klientura serve`` in its own process (so it can be killed with SIGKILL and started again)."""

    def __init__(self, url: str, port: int, workers: int = 1) -> None:
        self.url, self.port, self.workers = url, port, workers
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "KLIENTURA_DATABASE_URL": self.url,
            "KLIENTURA_SECRET_KEY": "a-test-key-long-enough-for-a-server-0123456789",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "klientura", "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/v1/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, 9)  # SIGKILL to the server and its workers, mid-request
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=30)


@dataclass
class Tally:
    """What the server acknowledged: per customer, points added (earned, given back) and taken (spent, taken back)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    net: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    confirmed: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused: int = 0
    retries: int = 0
    replays: int = 0


def _post(
    client: httpx.Client, path: str, body: dict[str, Any], key: str, tally: Tally, deadline: float
) -> httpx.Response:
    """POST until the server answers (it may be down: connection refused, or killed mid-request): the same
    Idempotency-Key every time, so a request that was done before the answer was lost is not done twice."""
    while True:
        try:
            r = client.post(path, json=body, headers={"Idempotency-Key": key}, timeout=30)
            if r.status_code < 500:
                return r
        except httpx.TransportError:
            pass
        with tally.lock:
            tally.retries += 1
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never answered")
        time.sleep(0.05)


def client_run(base: str, token: str, customers: list[int], ops: int, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    mine: list[tuple[str, int]] = []  # (external id, customer)
    deadline = time.monotonic() + 240
    placed = datetime.now(UTC) - timedelta(minutes=5)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for n in range(ops):
            roll = rng.random()
            if mine and roll < 0.25:  # refund part, refund all, or cancel an order of ours
                ext, cust = mine.pop(rng.randrange(len(mine)))
                kind = rng.choice(["cancel", "refund", "refund-line"])
                path = f"/api/v1/loyalty/orders/pos/{ext}/{'cancel' if kind == 'cancel' else 'refund'}"
                body: dict[str, Any] = (
                    {}
                    if kind == "cancel"
                    else {
                        "external_id": f"ret-{ext}",
                        "returned_at": datetime.now(UTC).isoformat(),
                        "lines": [{"line_no": 1, "qty": 1}] if kind == "refund-line" else [],
                    }
                )
                r = _post(client, path, body, f"{ext}-{kind}", tally, deadline)
                assert r.status_code == 200, r.text
                with tally.lock:
                    tally.net[cust] += r.json()["points_given_back"] - r.json()["points_taken_back"]
                continue
            cust = rng.choice(customers)
            ext = f"L{seed}-{n}-{uuid.uuid4().hex[:6]}"
            body = {
                "customer_id": cust,
                "external_id": ext,
                "placed_at": placed.isoformat(),
                "points": rng.choice([0, 0, 50, 120]),
                "lines": [
                    {"sku": "SHOE", "qty": 1, "price": str(rng.randrange(500, 3000))},
                    {"sku": "BAG", "qty": 2, "price": "350.00"},
                ],
            }
            key = uuid.uuid4().hex
            r = _post(client, "/api/v1/loyalty/confirm", body, key, tally, deadline)
            if r.status_code == 409:  # not enough points left: refused, nothing written
                with tally.lock:
                    tally.refused += 1
                continue
            assert r.status_code in (200, 201), r.text
            got = r.json()
            if rng.random() < 0.3:  # the till lost the answer: retry, with the key or without it
                again = _post(
                    client,
                    "/api/v1/loyalty/confirm",
                    body,
                    key if rng.random() < 0.5 else uuid.uuid4().hex,
                    tally,
                    deadline,
                )
                assert again.status_code in (200, 201) and again.json()["order_id"] == got["order_id"], again.text
                assert (again.json()["points_spent"], again.json()["points_earned"]) == (
                    got["points_spent"],
                    got["points_earned"],
                )
                with tally.lock:
                    tally.replays += 1
            with tally.lock:
                tally.net[cust] += got["points_earned"] - got["points_spent"]
                tally.confirmed[ext] = got
            mine.append((ext, cust))


def run_load(
    base: str, token: str, customers: list[int], clients: int, ops: int, tally: Tally, during: Any = None
) -> None:
    """``clients`` threads of ``ops`` operations each; ``during`` (if given) runs in the main thread meanwhile."""
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            client_run(base, token, customers, ops, i, tally)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    if during is not None:
        during()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
