"""Scores reach the store in one batch and are read back through the API and the command line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from klientura import analytics
from klientura.audit import SYSTEM, AuditEntry
from klientura.cli import app
from klientura.kit.shop import Shop
from tests import factories
from tests.analytics.test_scores import AS_OF, Base


def test_recompute_writes_back_and_the_api_reads_it(api: TestClient, app_session: Session, tmp_path: Path) -> None:
    hot, warm, cold = (factories.customer(app_session) for _ in range(3))
    b = Base()
    for cid in (hot, warm, cold):
        b.card(cid)
    for d in (3, 33, 63):
        b.buy(hot, d, 2500)
    b.events.append((1, warm, "form_submitted", AS_OF))
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        first = analytics.recompute(app_session, SYSTEM, wh, as_of=AS_OF)
        again = analytics.recompute(app_session, SYSTEM, wh, as_of=AS_OF)  # replaces, never adds
    app_session.commit()
    assert first.customers == again.customers == 3
    assert app_session.scalar(select(func.count()).select_from(analytics.CustomerScore)) == 3
    card = api.get(f"/api/v1/customers/{hot}").json()
    s = card["scores"]
    assert (s["temperature"], s["lifecycle"], s["orders"], s["revenue"], s["as_of"]) == (
        "hot",
        "active",
        3,
        "7500.00",
        AS_OF.isoformat(),
    )
    assert s["rfm_segment"] and len(s["rfm_cell"]) == 3 and s["mean_interval_days"] == 30.0
    assert api.get(f"/api/v1/customers/{cold}").json()["scores"]["temperature"] == "cold"
    temps = {g["value"]: g for g in api.get("/api/v1/analytics/groups/temperature").json()}
    assert {k: v["customers"] for k, v in temps.items()} == {"hot": 1, "warm": 1, "cold": 1}
    assert temps["hot"]["revenue"] == "7500.00" and abs(temps["hot"]["share"] - 1 / 3) < 1e-9
    bad = api.get("/api/v1/analytics/groups/mood")
    assert bad.status_code == 422 and "unknown family" in bad.json()["detail"]


def test_settings_are_validated_stored_and_audited(api: TestClient, app_session: Session) -> None:
    r = api.put("/api/v1/analytics/settings", json={"lifecycle": {"active_factor": 4, "lost_factor": 3}})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert (
        "the lost threshold must be above the active one" in r.json()["detail"]
        and r.json()["code"] == "analytics.settings.lost_factor"
    )
    r = api.put("/api/v1/analytics/settings", json={"rfm": {"window_days": 180, "method": "thresholds"}})
    assert r.status_code == 200, r.text
    got = api.get("/api/v1/analytics/settings").json()
    assert got["rfm"]["window_days"] == 180 and got["rfm"]["method"] == "thresholds"
    assert got["lifecycle"]["lost_factor"] == 3.0  # defaults fill the rest
    assert app_session.scalar(select(func.count()).where(AuditEntry.action == "analytics.settings")) == 1


def test_cli_syncs_scores_and_prints_the_groups(
    store: Session, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = factories.customer(store)
    b = factories.customer(store)
    for day in (5, 12, 19):
        factories.order(store, a, at=datetime(2026, 1, day, 12, tzinfo=UTC))
    store.commit()
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", store_url)
    monkeypatch.setenv("KLIENTURA_WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    r = CliRunner().invoke(app, ["analytics", "recompute", "--as-of", "2026-01-25", "--json"])
    assert r.exit_code == 0, r.output
    out: dict[str, Any] = json.loads(r.stdout)
    assert out["customers"] == 2 and out["groups"]["temperature"] == {"cold": 1, "hot": 1}
    store.expire_all()
    score = analytics.score_of(store, a)
    assert score is not None and score.lifecycle == "new" and score.as_of == date(2026, 1, 25)
    bad = CliRunner().invoke(app, ["analytics", "recompute", "--as-of", "25.01.2026"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    assert b


def test_the_worker_syncs_every_round_and_recomputes_once_a_day(
    store: Session, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from klientura.cli.worker import tick
    from klientura.config import Settings

    a = factories.customer(store)
    factories.order(store, a, at=datetime(2026, 1, 5, 12, tzinfo=UTC))
    store.commit()
    settings = Settings(database_url=store_url, warehouse_path=tmp_path / "w.duckdb")
    night = datetime(2026, 1, 10, 0, 30, tzinfo=UTC)  # 03:30 in Moscow
    evening = datetime(2026, 1, 9, 22, 0, tzinfo=UTC)  # 01:00 in Moscow: before the 03:00 recompute
    assert tick(settings, Shop.of(settings), evening, None, recompute_at=3) is None  # synced, not scored yet
    assert analytics.score_of(store, a) is None
    assert tick(settings, Shop.of(settings), night, None, recompute_at=3) == "2026-01-10"
    store.rollback()  # a new snapshot: the worker committed from its own connection
    assert analytics.score_of(store, a) is not None
    factories.order(store, a, at=datetime(2026, 1, 9, 12, tzinfo=UTC))
    store.commit()
    assert (
        tick(settings, Shop.of(settings), night + timedelta(hours=1), "2026-01-10", recompute_at=3) == "2026-01-10"
    )  # once a day
    store.rollback()  # a new snapshot: the worker committed from its own connection
    score = analytics.score_of(store, a)
    assert score is not None and score.orders == 1  # not recomputed again today ...
    with analytics.Warehouse(
        tmp_path / "w.duckdb", store_url, timezone="Europe/Moscow"
    ) as wh:  # ... but the new order is in the warehouse
        assert wh.con.execute("SELECT count(*) FROM orders").fetchone() == (2,)
