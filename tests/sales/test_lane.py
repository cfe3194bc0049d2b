"""The integrations' lane (:mod:`klientura.api.lane`): on PostgreSQL, a known API key's everyday move and request are
answered before the routing, with the answer the routes give (the same body, status and headers); everything else
is answered by the routes, the reference — with nothing written twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from klientura import sales
from klientura.app import create_app
from klientura.audit import SYSTEM
from klientura.auth import SCOPES, create_api_key
from klientura.config import Settings
from klientura.db import make_session_factory, session_scope
from tests.conftest import fresh_store
from tests.sales.test_pipelines import FUNNEL

SECURITY = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")


@pytest.fixture
def lane(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A served app on its own PostgreSQL store with a funnel and a deal, the key known to the process (it has
    answered the key's first requests), and how often the lane's work ran."""
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the lane is PostgreSQL's (SQLite's requests take the routes)")
    with fresh_store("postgresql", tmp_path) as url:
        factory = make_session_factory(url)
        with session_scope(factory) as s:
            _key, token = create_api_key(s, SYSTEM, "site", list(SCOPES))
        factory.kw["bind"].dispose()
        settings = Settings(
            database_url=url, secret_key="k" * 40, warehouse_path=tmp_path / "w.duckdb", till_pool_size=2
        )
        with TestClient(create_app(settings), raise_server_exceptions=False) as api:
            api.headers["Authorization"] = f"Bearer {token}"
            yield from _lane(api, monkeypatch)


def _lane(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    calls = {"move": 0, "lead": 0}
    move, lead = sales.fast_move, sales.fast_lead

    async def counted_move(*args: Any, **kwargs: Any) -> Any:
        calls["move"] += 1
        return await move(*args, **kwargs)

    async def counted_lead(*args: Any, **kwargs: Any) -> Any:
        calls["lead"] += 1
        return await lead(*args, **kwargs)

    monkeypatch.setattr(sales, "fast_move", counted_move)
    monkeypatch.setattr(sales, "fast_lead", counted_lead)
    pipeline = api.post("/api/v1/pipelines", json=FUNNEL).json()
    stages = {s["name"]: s["id"] for s in pipeline["stages"]}
    deal = api.post(
        "/api/v1/deals",
        json={"pipeline_id": pipeline["id"], "title": "Поставка", "amount": "150000.00", "customer": {"phone": "+79161112233"}},
    ).json()  # fmt: skip
    yield {"api": api, "calls": calls, "stages": stages, "deal": deal["id"]}


def test_a_move_in_the_lane_answers_what_the_routes_answer(lane: dict[str, Any]) -> None:
    api, stages, deal = lane["api"], lane["stages"], lane["deal"]
    moved = api.post(f"/api/v1/deals/{deal}/move", json={"stage_id": stages["Переговоры"]})
    assert moved.status_code == 200, moved.text
    assert lane["calls"]["move"] == 1
    assert moved.headers["content-type"] == "application/json"
    assert all(h in moved.headers for h in SECURITY)
    assert moved.json() == api.get(f"/api/v1/deals/{deal}").json()  # the deal as the routes read it
    assert moved.json()["stage_id"] == stages["Переговоры"]
    history = api.get(f"/api/v1/deals/{deal}/history").json()
    assert [h["to_stage_id"] for h in history][-1] == stages["Переговоры"]


def test_what_the_lane_does_not_take_is_answered_by_the_routes(lane: dict[str, Any]) -> None:
    api, stages, deal = lane["api"], lane["stages"], lane["deal"]
    lost = api.post(f"/api/v1/deals/{deal}/move", json={"stage_id": stages["Проиграна"]})
    assert lost.status_code == 422  # lost needs its reason: the fast path fell back, the route refused
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["code"] == "deal.lost_reason_needed"
    missing = api.post("/api/v1/deals/999999/move", json={"stage_id": stages["Переговоры"]})
    assert missing.status_code == 404 and missing.json()["status"] == 404
    assert lane["calls"]["move"] == 2  # both tried in the lane, both answered by the routes
    broken = api.post(
        f"/api/v1/deals/{deal}/move", content=b'{"stage_id": "two"}', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["code"] == "request.invalid"
    huge = api.post("/api/v1/deals/99999999999/move", json={"stage_id": stages["Переговоры"]})
    assert huge.status_code == 422 and huge.json()["code"] == "request.invalid"
    assert lane["calls"]["move"] == 2  # a body or an id the routes refuse never reaches the fast path
    history = api.get(f"/api/v1/deals/{deal}/history").json()
    assert len(history) == 1  # only the deal's creation: nothing written by the refused moves


def test_a_request_in_the_lane_and_its_replay(lane: dict[str, Any]) -> None:
    api = lane["api"]
    body = {"customer": {"phone": "+79165550001"}, "channel": "form", "text": "Пришлите прайс"}
    first = api.post("/api/v1/leads", json=body, headers={"Idempotency-Key": "form-1"})
    assert first.status_code == 201, first.text
    assert lane["calls"]["lead"] == 1
    assert all(h in first.headers for h in SECURITY)
    answer = first.json()
    assert answer["outcome"] == "lead" and answer["customer_created"] is True
    again = api.post("/api/v1/leads", json=body, headers={"Idempotency-Key": "form-1"})
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json() == answer  # the lane's answer, stored under the key, replayed by the routes
    other = api.post("/api/v1/leads", json=body | {"text": "другое"}, headers={"Idempotency-Key": "form-1"})
    assert other.json()["code"] == "idempotency.key_reused"
    joined = api.post("/api/v1/leads", json=body | {"customer": {"phone": "+79165550001", "consents": {"email": True}}})
    assert joined.status_code == 201, joined.text  # consents to give: the lane does not take it, the routes do
    assert joined.json()["outcome"] == "joined"
    assert lane["calls"]["lead"] == 4  # each tried in the lane; the replay, the reused key and this fell back
    leads = api.get("/api/v1/leads", params={"customer_id": answer["customer_id"]}).json()["items"]
    assert len([x for x in leads if x["status"] == "open"]) == 1  # never a second open lead


def test_an_unexpected_error_in_the_lane_is_a_problem(lane: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(sales, "fast_move", broken)
    answer = lane["api"].post(f"/api/v1/deals/{lane['deal']}/move", json={"stage_id": lane["stages"]["Переговоры"]})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "internal"
