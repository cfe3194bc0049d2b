"""Deals (issue 18): created on a customer (by identities: one card) and/or a company, moved through the stages
with an append-only history in the server's time — the store refuses to rewrite it — a lost deal needs its reason,
a manager works only their own deals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from klientura.sales import DealHistory
from tests.api.conftest import login
from tests.sales.test_pipelines import FUNNEL


def _pipeline(api: TestClient) -> dict[str, int]:
    made = api.post("/api/v1/pipelines", json=FUNNEL).json()
    return {"id": made["id"], **{s["name"]: s["id"] for s in made["stages"]}}


def test_a_deal_moves_through_its_stages_and_keeps_its_history(api: TestClient) -> None:
    p = _pipeline(api)
    r = api.post(
        "/api/v1/deals",
        json={
            "pipeline_id": p["id"],
            "title": "Поставка чая",
            "amount": "120000.00",
            "customer": {"full_name": "Закупкина Ольга", "phone": "8 916 000-00-01"},
            "utm_source": "yandex",
        },
    )
    assert r.status_code == 201, r.text
    deal = r.json()
    assert deal["stage_id"] == p["Контакт"] and deal["status"] == "open" and deal["owner_id"] is None
    again = api.post(
        "/api/v1/deals", json={"pipeline_id": p["id"], "title": "Ещё", "customer": {"phone": "+79160000001"}}
    )
    assert again.json()["customer_id"] == deal["customer_id"]  # the same person: one card
    lost = api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": p["Проиграна"]})
    assert lost.status_code == 422 and lost.json()["code"] == "deal.lost_reason_needed"
    for stage in ("КП отправлено", "Переговоры"):  # skips a stage, then steps back
        assert api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": p[stage]}).status_code == 200
    gone = api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": p["Проиграна"], "lost_reason": "дорого"})
    assert gone.json()["status"] == "lost" and gone.json()["lost_reason"] == "дорого" and gone.json()["closed_at"]
    reopened = api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": p["Счёт"]}).json()
    assert reopened["status"] == "open" and reopened["closed_at"] is None and reopened["lost_reason"] is None
    history = api.get(f"/api/v1/deals/{deal['id']}/history").json()
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history] == [
        (None, p["Контакт"]),
        (p["Контакт"], p["КП отправлено"]),
        (p["КП отправлено"], p["Переговоры"]),
        (p["Переговоры"], p["Проиграна"]),
        (p["Проиграна"], p["Счёт"]),
    ]
    assert history[3]["reason"] == "дорого" and {h["amount"] for h in history} == {"120000.00"}
    assert [h["probability"] for h in history] == [10, 50, 30, 0, 80]
    other = api.post("/api/v1/pipelines", json={**FUNNEL, "name": "Другая"}).json()
    foreign = api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": other["stages"][0]["id"]})
    assert foreign.status_code == 422 and foreign.json()["code"] == "deal.stage.elsewhere"


def test_the_history_cannot_be_rewritten_by_anyone(api: TestClient, app_session: Session) -> None:
    p = _pipeline(api)
    deal = api.post("/api/v1/deals", json={"pipeline_id": p["id"], "title": "Т", "customer": {"phone": "+79160000002"}})
    deal_id = deal.json()["id"]
    for statement in (
        update(DealHistory).where(DealHistory.deal_id == deal_id).values(actor_name="someone else"),
        text(f"DELETE FROM deal_history WHERE deal_id = {deal_id}"),
    ):
        savepoint = app_session.begin_nested()
        with pytest.raises(DatabaseError, match="append-only"):
            app_session.execute(statement)
        savepoint.rollback()
    assert len(api.get(f"/api/v1/deals/{deal_id}/history").json()) == 1


def test_a_manager_works_only_their_own_deals(api: TestClient, client: TestClient, users: dict[str, int]) -> None:
    p = _pipeline(api)
    admins = api.post(
        "/api/v1/deals", json={"pipeline_id": p["id"], "title": "Чужая", "customer": {"phone": "+79160000003"}}
    )
    del client.headers["Authorization"]
    manager = login(client, "manager@test.local")
    mine = manager.post(
        "/api/v1/deals", json={"pipeline_id": p["id"], "title": "Моя", "customer": {"phone": "+79160000004"}}
    ).json()
    assert mine["owner_id"] == users["manager"]
    taken = manager.post(
        "/api/v1/deals",
        json={"pipeline_id": p["id"], "title": "x", "customer": {"phone": "+79160000005"}, "owner_id": users["admin"]},
    )
    assert taken.status_code == 422
    assert [d["id"] for d in manager.get("/api/v1/deals").json()["items"]] == [mine["id"]]
    assert manager.get(f"/api/v1/deals/{admins.json()['id']}").status_code == 404
    assert manager.post(f"/api/v1/deals/{admins.json()['id']}/move", json={"stage_id": p["Счёт"]}).status_code == 404


def test_a_merge_of_cards_moves_their_deals_and_its_undo_puts_them_back(api: TestClient) -> None:
    p = _pipeline(api)
    a = api.post("/api/v1/customers", json={"full_name": "Двойкина Ира", "phone": "+79160000011"}).json()["customer_id"]
    b = api.post("/api/v1/customers", json={"full_name": "Двойкина Ирина", "phone": "+79160000012"}).json()[
        "customer_id"
    ]
    deal = api.post("/api/v1/deals", json={"pipeline_id": p["id"], "title": "Т", "customer_id": b}).json()
    merged = api.post("/api/v1/merges", json={"survivor_id": a, "merged_id": b}).json()
    assert api.get(f"/api/v1/deals/{deal['id']}").json()["customer_id"] == a
    assert api.post(f"/api/v1/merges/{merged['id']}/undo").status_code == 200
    assert api.get(f"/api/v1/deals/{deal['id']}").json()["customer_id"] == b


def test_a_lost_deal_takes_a_reason_from_the_list(api: TestClient) -> None:
    """Lost needs a reason from a configurable list, whatever the path (OCA/crm#16: kanban drags skipped it)."""
    p = _pipeline(api)
    deal = api.post("/api/v1/deals", json={"pipeline_id": p["id"], "title": "Т", "customer": {"phone": "+79160000021"}})
    assert api.put("/api/v1/lost-reasons", json={"reasons": ["Дорого", "Выбрали конкурента", " дорого "]}).json() == [
        "Дорого",
        "Выбрали конкурента",
    ]
    move = f"/api/v1/deals/{deal.json()['id']}/move"
    free = api.post(move, json={"stage_id": p["Проиграна"], "lost_reason": "просто так"})
    assert free.status_code == 422 and free.json()["code"] == "deal.lost_reason_unknown"
    listed = api.post(move, json={"stage_id": p["Проиграна"], "lost_reason": "ДОРОГО"})
    assert listed.status_code == 200 and listed.json()["lost_reason"] == "Дорого"  # as the list words it
    assert api.put("/api/v1/lost-reasons", json={"reasons": ["Выбрали конкурента"]}).json() == ["Выбрали конкурента"]
    assert api.get(f"/api/v1/deals/{deal.json()['id']}").json()["lost_reason"] == "Дорого"  # kept on the deal
