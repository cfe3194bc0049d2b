"""Tasks (issue 18): for oneself or a colleague, about a deal, a lead, a customer or a company; open, overdue and
done lists; delegation and reschedules kept as events; a manager sees the tasks assigned to them, a head of sales
their team's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import create_user, set_team, user_by_email
from tests.api.conftest import login
from tests.sales.test_deals import _pipeline


def _at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def test_a_task_is_delegated_rescheduled_done_and_reopened_with_its_events(
    api: TestClient, client: TestClient, users: dict[str, int]
) -> None:
    p = _pipeline(api)
    deal = api.post(
        "/api/v1/deals", json={"pipeline_id": p["id"], "title": "Т", "customer": {"phone": "+79162000001"}}
    ).json()
    naive = api.post("/api/v1/tasks", json={"title": "x", "due_at": "2026-12-03T10:00:00", "assignee_id": 1})
    assert naive.status_code == 422  # a time without its zone is refused, never guessed
    no_one = api.post("/api/v1/tasks", json={"title": "Позвонить", "due_at": _at(1)})
    assert no_one.status_code == 422 and no_one.json()["code"] == "task.assignee_unknown"  # a key is nobody
    body = {"kind": "call", "title": "  Позвонить  по КП ", "due_at": _at(-2), "deal_id": deal["id"]}
    task = api.post("/api/v1/tasks", json={**body, "assignee_id": users["manager"]}).json()
    assert task["title"] == "Позвонить по КП" and task["done_at"] is None
    later = api.post(
        "/api/v1/tasks",
        json={"title": "Встреча", "kind": "meeting", "due_at": _at(30), "assignee_id": users["manager"]},
    ).json()
    overdue = api.get("/api/v1/tasks", params={"state": "overdue"}).json()["items"]
    assert [t["id"] for t in overdue] == [task["id"]]
    page = api.get("/api/v1/tasks", params={"limit": 1}).json()
    assert [t["id"] for t in page["items"]] == [task["id"]] and page["next_cursor"]
    rest = api.get("/api/v1/tasks", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [t["id"] for t in rest["items"]] == [later["id"]] and rest["next_cursor"] is None
    assert api.get("/api/v1/tasks", params={"deal_id": deal["id"]}).json()["items"][0]["id"] == task["id"]
    assert api.get("/api/v1/teams").status_code == 200  # listed for sales readers
    admin_id = users["admin"]
    moved = api.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"assignee_id": admin_id, "due_at": _at(3), "note_for_change": "клиент просил позже"},
    ).json()
    assert moved["assignee_id"] == admin_id
    done = api.post(f"/api/v1/tasks/{task['id']}/done", json={"result": "Договорились о встрече"}).json()
    assert done["done_at"] and done["result"] == "Договорились о встрече"
    twice = api.post(f"/api/v1/tasks/{task['id']}/done", json={})
    assert twice.status_code == 409 and twice.json()["code"] == "task.done"
    assert api.patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": users["manager"]}).status_code == 409
    assert api.post(f"/api/v1/tasks/{task['id']}/reopen").json()["done_at"] is None
    events = api.get(f"/api/v1/tasks/{task['id']}/events").json()
    assert [e["kind"] for e in events] == ["created", "delegated", "rescheduled", "done", "reopened"]
    assert (events[1]["from_user_id"], events[1]["to_user_id"]) == (users["manager"], admin_id)
    assert events[2]["note"] == "клиент просил позже" and events[3]["note"] == "Договорились о встрече"
    del client.headers["Authorization"]
    manager = login(client, "manager@test.local")
    assert [t["id"] for t in manager.get("/api/v1/tasks").json()["items"]] == [later["id"]]  # the other was handed on
    assert manager.get(f"/api/v1/tasks/{task['id']}").status_code == 404
    own = manager.post("/api/v1/tasks", json={"title": "Себе", "due_at": _at(5)}).json()
    assert own["assignee_id"] == users["manager"]
    hidden = manager.post("/api/v1/tasks", json={"title": "По чужой", "due_at": _at(5), "deal_id": deal["id"]})
    assert hidden.status_code == 404  # a deal the manager does not see


def test_a_head_of_sales_sees_and_manages_their_teams_deals_only(
    api: TestClient, client: TestClient, users: dict[str, int], app_session: Session
) -> None:
    head = create_user(app_session, SYSTEM, "head@test.local", "Head", "head", "password123").id
    app_session.commit()
    m2 = user_by_email(app_session, "manager2@test.local").id
    team = api.post("/api/v1/teams", json={"name": "Опт", "head_id": head}).json()
    api.put(f"/api/v1/teams/{team['id']}", json={"head_id": head, "members": [users["manager"]]})
    p = _pipeline(api)

    def deal(owner: int, phone: str) -> int:
        body = {"pipeline_id": p["id"], "title": "Т", "customer": {"phone": phone}, "owner_id": owner}
        return int(api.post("/api/v1/deals", json=body).json()["id"])

    ours, theirs = deal(users["manager"], "+79162000011"), deal(m2, "+79162000012")
    del client.headers["Authorization"]
    h = login(client, "head@test.local")
    assert [d["id"] for d in h.get("/api/v1/deals").json()["items"]] == [ours]
    assert h.get(f"/api/v1/deals/{theirs}").status_code == 404
    assert h.post(f"/api/v1/deals/{ours}/move", json={"stage_id": p["Счёт"]}).status_code == 200
    for_member = {"pipeline_id": p["id"], "title": "Для менеджера", "customer": {"phone": "+79162000013"}}
    made = h.post("/api/v1/deals", json={**for_member, "owner_id": users["manager"]})
    assert made.status_code == 201 and made.json()["owner_id"] == users["manager"]
    outside = h.post("/api/v1/deals", json={**for_member, "owner_id": m2})
    assert outside.status_code == 422
    card = h.get(f"/api/v1/customers/{made.json()['customer_id']}").json()
    assert (
        card["customer"]["owner_id"] == users["manager"]
    )  # the card made on the way is the deal owner's, the head sees it
    # taken out of the team, the member's records leave the head's sight at the next request
    set_team(app_session, SYSTEM, team["id"], head_id=head, members=[])
    app_session.commit()
    assert h.get("/api/v1/deals").json()["items"] == []
    assert h.get(f"/api/v1/deals/{ours}").status_code == 404
