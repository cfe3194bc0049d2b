"""The sales analytics over HTTP, as outside checks call it (issue 20's contract): the funnel, the managers, the
sources (with our campaigns beside them), signals and the forecast, on the hand-counted history of sales_base synced
into the app's warehouse — numbers as counted by hand, bad input a problem+json with a code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura import analytics
from klientura.app import create_app
from klientura.audit import SYSTEM
from klientura.auth import SCOPES
from klientura.auth.service import create_api_key
from klientura.config import Settings
from klientura.db import make_session_factory
from tests.analytics.sales_base import Base, build


@pytest.fixture
def api(store: Session, store_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Base]]:
    base = build(store)
    _k, token = create_api_key(store, SYSTEM, "checks", list(SCOPES))
    store.commit()
    path = tmp_path / "w.duckdb"
    analytics.sync(store_url, path, timezone="Europe/Moscow")
    settings = Settings(database_url=store_url, secret_key="k" * 40, upload_dir=tmp_path / "up", warehouse_path=path)
    app = create_app(settings, session_factory=make_session_factory(store_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, base


MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def test_the_contract_reads_the_hand_counted_history(api: tuple[TestClient, Base]) -> None:
    client, b = api
    r = client.get("/api/v1/sales/funnel", params={**MARCH, "pipeline_id": b.pipeline, "mode": "cohort"})
    assert r.status_code == 200, r.text
    funnel: dict[str, Any] = r.json()
    assert (funnel["deals"], funnel["won"]) == (5, 3)  # as the cohort page and test_sales_reports count them
    stage_b = next(s for s in funnel["stages"] if s["stage_id"] == b.stages["B"])
    assert (stage_b["entered"], stage_b["moved_on"]) == (2, 2)
    flow = client.get("/api/v1/sales/funnel", params={**MARCH, "pipeline_id": b.pipeline, "mode": "flow"}).json()
    assert (flow["deals"], flow["won"]) == (6, 4)
    managers = client.get("/api/v1/sales/managers", params={**MARCH, "akb_days": 90}).json()
    m1 = next(m for m in managers["managers"] if m["user_id"] == b.users["m1"])
    assert (m1["won"], m1["paid"], m1["akb"]) == (2, 1000.0, 2)
    sources = client.get("/api/v1/sales/sources", params={**MARCH, "model": "last", "window_days": 30}).json()
    yandex = next(s for s in sources["sources"] if s["source"] == "yandex" and s["campaign"] is None)
    assert yandex["spend"] == 500.0 and yandex["romi"] == pytest.approx(1.0)
    assert sources["campaigns"] == []  # none launched in March
    signals = client.get("/api/v1/sales/signals", params={**MARCH}).json()
    assert {d["deal_id"] for d in signals["won_again"]["deals"]} == {b.deals["d6"]}
    forecast = client.get("/api/v1/sales/forecast", params={"pipeline_id": b.pipeline}).json()
    assert forecast["now"]["stages"] and len(forecast["backtest"]["months"]) == 12


def test_bad_input_is_a_problem_with_a_code(api: tuple[TestClient, Base]) -> None:
    client, b = api
    reversed_ = client.get("/api/v1/sales/funnel", params={"pipeline_id": b.pipeline, "date_from": "2026-03-31",
                                                           "date_to": "2026-03-01"})  # fmt: skip
    assert reversed_.status_code == 422 and reversed_.headers["content-type"] == "application/problem+json"
    assert reversed_.json()["code"]
    unknown = client.get("/api/v1/sales/forecast", params={"pipeline_id": 999_999})
    assert unknown.status_code == 422 and unknown.json()["code"]
    window = client.get("/api/v1/sales/sources", params={**MARCH, "window_days": 0})
    assert window.status_code == 422 and window.headers["content-type"] == "application/problem+json"
