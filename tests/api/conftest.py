from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import SCOPES
from klientura.auth.service import create_api_key, create_user


@pytest.fixture
def client(app_factory: Any) -> Iterator[TestClient]:
    with TestClient(app_factory(), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def key(app_session: Session) -> str:
    _k, token = create_api_key(app_session, SYSTEM, "pos", list(SCOPES))
    app_session.commit()
    return token


@pytest.fixture
def api(client: TestClient, key: str) -> TestClient:
    client.headers["Authorization"] = f"Bearer {key}"
    return client


@pytest.fixture
def users(app_session: Session) -> dict[str, int]:
    ids = {}
    for role in ("admin", "marketer", "manager", "analyst"):
        ids[role] = create_user(app_session, SYSTEM, f"{role}@test.local", role.title(), role, "password123").id
    create_user(app_session, SYSTEM, "manager2@test.local", "Other manager", "manager", "password123")
    app_session.commit()
    return ids


def login(client: TestClient, email: str) -> TestClient:
    r = client.post("/api/v1/auth/login", json={"email": email, "password": "password123"})
    assert r.status_code == 200, r.text
    return client
