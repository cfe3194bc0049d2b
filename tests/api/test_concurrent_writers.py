"""Clients writing at once never get "database is locked" (issue 17, item 12): on SQLite a writing request takes the
write lock when its transaction begins (two writers that had both read first made one of them fail at once,
whatever the busy timeout); a reading one does not take it."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient

from klientura.app import create_app
from klientura.audit import SYSTEM
from klientura.auth import SCOPES, create_api_key
from klientura.config import Settings
from klientura.db import make_session_factory, session_scope
from tests.conftest import fresh_store


def test_concurrent_writers_all_succeed(backend: str, tmp_path: Path) -> None:
    with fresh_store(backend, tmp_path) as url:
        factory = make_session_factory(url)
        with session_scope(factory) as s:
            _key, token = create_api_key(s, SYSTEM, "writers", list(SCOPES))
        app = create_app(
            Settings(database_url=url, secret_key="k" * 40, upload_dir=tmp_path / "up", warehouse_path=tmp_path / "w"),
            session_factory=factory,
        )
        statuses: list[int] = []
        barrier = threading.Barrier(8)

        def client(n: int) -> None:
            with TestClient(app, raise_server_exceptions=False) as c:
                c.headers["Authorization"] = f"Bearer {token}"
                barrier.wait()
                for i in range(15):
                    phone = f"+7916{n:03d}{i:04d}"
                    r = c.post("/api/v1/customers", json={"full_name": f"Писатель {n} {i}", "phone": phone})
                    statuses.append(r.status_code)
                    r = c.get("/api/v1/customers", params={"phone": phone})
                    statuses.append(r.status_code)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        factory.kw["bind"].dispose()
    assert len(statuses) == 8 * 15 * 2 and set(statuses) <= {200, 201}, sorted(set(statuses))
