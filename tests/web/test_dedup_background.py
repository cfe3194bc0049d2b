"""The rescan button on a base too large to scan within the request asks the worker instead (issue 21): the page says
so at once and while the scan waits, and shows the suggestions once the worker's round has run it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura import dedup
from klientura.audit import SYSTEM
from klientura.auth.service import create_user
from klientura.db import utcnow
from klientura.dedup import requested
from tests.factories import customer

PASSWORD = "password123"


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_a_large_base_is_scanned_in_the_background(
    app_factory: Any, app_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_user(app_session, SYSTEM, "admin@test.local", "Admin", "admin", PASSWORD)
    anna = {"last_name": "Смирнова", "first_name": "Анна", "middle_name": "Петровна"}
    customer(app_session, **anna, phone="+79161112233")
    customer(app_session, **anna, phone="+79161112234")  # one digit off
    customer(app_session, last_name="Орлов", first_name="Пётр", phone="+79035550000")
    app_session.commit()
    monkeypatch.setattr(requested, "INLINE_CARDS", 2)  # three cards: "large"
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        token = _token(client.get("/login").text)
        client.post("/login", data={"email": "admin@test.local", "password": PASSWORD, "csrf_token": token})
        token = _token(client.get("/duplicates").text)
        asked = client.post("/duplicates/scan", data={"csrf_token": token})
        assert asked.status_code == 200 and "в фоне" in asked.text, asked.text  # the flash, in Russian
        assert 'id="scan-asked"' in asked.text and "Смирнова" not in asked.text  # waiting, nothing found yet
        assert 'id="scan-asked"' in client.get("/duplicates/model").text
        app_session.expire_all()
        done = dedup.run_asked(app_session, SYSTEM, utcnow(), precision=0.97)  # the worker's round
        app_session.commit()
        assert done is not None and done.found == 1
        page = client.get("/duplicates")
        assert 'id="scan-asked"' not in page.text and "Смирнова" in page.text
        # a threshold chosen on the model page is kept at once; the rescan with it is the worker's too
        token = _token(client.get("/duplicates/model").text)
        chosen = client.post("/duplicates/threshold", data={"csrf_token": token, "value": "0.9"})
        assert chosen.status_code == 200 and "в фоне" in chosen.text and 'id="scan-asked"' in chosen.text
        app_session.expire_all()
        model = dedup.current_model(app_session)
        assert model is not None and model.threshold == 0.9 and model.threshold_by == "admin@test.local"
        assert dedup.waiting(app_session) is not None
