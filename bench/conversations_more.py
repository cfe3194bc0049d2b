"""The forms' and the inbox's benchmarks of :mod:`bench.conversations_bench` (see there)."""

from __future__ import annotations

import os
import random
import time
from typing import Any

from sqlalchemy import text

from bench.common import fresh_database
from bench.conversations_bench import _analyze, _paced, _pct, _scalar, _server


def run(a: Any) -> dict[str, Any]:
    return (
        forms(a.pg, a.rate, a.seconds, a.people, a.workers)
        if a.what == "forms"
        else inbox(a.pg, a.conversations, a.runs)
    )


def forms(admin_url: str, rate: float, seconds: int, people: int, workers: int) -> dict[str, Any]:
    """Submissions of one form from a pool of people, each phone written one of two ways; a site's visitors come
    from many addresses, so the per-address limit is lifted here."""
    from tests.conftest import free_port

    from klientura import conversations
    from klientura.audit import SYSTEM
    from klientura.db import make_session_factory, session_scope

    url = fresh_database(admin_url, "klientura_bench_forms")
    factory = make_session_factory(url)
    with session_scope(factory) as s:
        key = conversations.create_form(s, SYSTEM, conversations.FormIn(name="Заявка")).key
    factory.kw["bind"].dispose()
    os.environ["KLIENTURA_FORM_RATE"] = "1000000 per minute"
    port = free_port()
    server = _server(url, port, workers)

    def make(rng: random.Random) -> dict[str, Any]:
        n = rng.randint(1, people)
        phone = (
            f"+7916{n:07d}" if rng.random() < 0.5 else f"8 (916) {n // 10000:03d}-{n % 10000 // 100:02d}-{n % 100:02d}"
        )
        return {"name": f"Гость {n}", "phone": phone, "comment": "Нужна консультация", "utm_source": "yandex"}

    try:
        warm = _paced(port, rate / 4, 16, 3, make, f"/f/{key}", {"Accept": "application/json"})
        _analyze(url)
        result = _paced(port, rate, 16, seconds, make, f"/f/{key}", {"Accept": "application/json"})
    finally:
        server.stop()
        del os.environ["KLIENTURA_FORM_RATE"]
    twins = _scalar(
        url,
        "SELECT count(*) FROM (SELECT c.last_name, c.first_name FROM customers c "
        "GROUP BY c.last_name, c.first_name HAVING count(*) > 1) AS t",
    )
    return {
        "bench": "form submissions",
        "workers": workers,
        "people": people,
        "warm_up": warm["done_per_second"],
        **result,
        "cards": _scalar(url, "SELECT count(*) FROM customers"),
        "people_with_two_cards": twins,
    }


SEED = """
INSERT INTO customers (last_name, first_name, owner_id, attributes, created_at, updated_at)
SELECT 'Покупатель', g::text, (SELECT id FROM users ORDER BY id OFFSET (g % 15) LIMIT 1), '{}', now(), now()
FROM generate_series(1, :n) AS g;
INSERT INTO conversations (channel, peer, customer_id, assignee_id, status, unread, waiting_since, last_at, created_at)
SELECT (ARRAY['telegram','vk','form','email','call'])[1 + g % 5], 'peer' || g, c.id,
       CASE WHEN g % 7 = 0 THEN NULL ELSE c.owner_id END, CASE WHEN g % 10 = 0 THEN 'closed' ELSE 'open' END,
       g % 4, CASE WHEN g % 3 = 0 THEN now() - g * interval '1 second' END, now() - g * interval '37 seconds',
       now() - g * interval '40 seconds'
FROM generate_series(1, :n) AS g JOIN customers c ON c.first_name = g::text;
INSERT INTO conversation_messages (conversation_id, channel, direction, text, attachments, data, at)
SELECT id, channel, 'in', 'Здравствуйте, есть ли в наличии?', '[]', '{}', last_at FROM conversations;
"""


def inbox(admin_url: str, n: int, runs: int) -> dict[str, Any]:
    """GET /inbox (the list of the default box, the counts, no conversation open) in process, signed in."""
    from fastapi.testclient import TestClient

    from klientura.app import create_app
    from klientura.audit import SYSTEM
    from klientura.auth import create_user
    from klientura.config import Settings
    from klientura.db import make_engine, make_session_factory, session_scope

    url = fresh_database(admin_url, "klientura_bench_inbox")
    factory = make_session_factory(url)
    with session_scope(factory) as s:
        create_user(s, SYSTEM, "admin@bench.local", "Admin", "admin", "password123")
        for i in range(15):
            create_user(s, SYSTEM, f"m{i}@bench.local", f"Менеджер {i}", "manager", "password123")
    factory.kw["bind"].dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in SEED.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"n": n})
    _analyze(url)
    out: dict[str, Any] = {"bench": "inbox first page", "conversations": n}
    settings = Settings(database_url=url, secret_key="b" * 40, till_pool_size=0)
    for who in ("admin@bench.local", "m3@bench.local"):
        with TestClient(create_app(settings)) as client:
            assert client.post("/api/v1/auth/login", json={"email": who, "password": "password123"}).status_code == 200
            times = []
            for i in range(runs + 3):
                t0 = time.perf_counter()
                r = client.get("/inbox")
                if i >= 3:
                    times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200 and "conversation-" in r.text
            out[who.split("@")[0]] = {"p50_ms": _pct(times, 0.5), "p95_ms": _pct(times, 0.95)}
    floor = []
    with engine.connect() as conn:
        for _ in range(runs):
            t0 = time.perf_counter()
            conn.execute(
                text("SELECT * FROM conversations WHERE status = 'open' ORDER BY last_at DESC, id DESC LIMIT 100")
            ).all()
            conn.execute(text("SELECT count(*) FILTER (WHERE unread > 0), count(*) FILTER (WHERE waiting_since IS NOT NULL), "
                              "count(*) FILTER (WHERE assignee_id IS NULL) FROM conversations WHERE status = 'open'")).one()  # fmt: skip
            floor.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    out["floor_admin"] = {"p50_ms": _pct(floor, 0.5), "p95_ms": _pct(floor, 0.95)}
    return out
