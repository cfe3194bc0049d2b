"""Rules no one can game (issue 18): a reassignment, a probability override and a new amount are entries in the
append-only history; a manager cannot hand over or take a deal; per pipeline, who may close and reopen; deleting is
soft, an administrator's, audited; a won deal's revenue is its linked paid orders' ("won, awaiting payment" till
then), and an order pays for one deal only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, AuditEntry
from klientura.auth import create_user, set_team, user_by_email
from tests.api.conftest import login
from tests.sales.test_deals import _pipeline
from tests.sales.test_pipelines import FUNNEL


def _deal(api: TestClient, p: dict[str, int], phone: str, **extra: object) -> dict[str, object]:
    body = {"pipeline_id": p["id"], "title": "Поставка", "amount": "1000.00", "customer": {"phone": phone}, **extra}
    r = api.post("/api/v1/deals", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _order(api: TestClient, customer_id: object, external_id: str, status: str = "completed") -> int:
    body = {
        "external_id": external_id,
        "customer_id": customer_id,
        "placed_at": "2026-12-01T10:00:00+00:00",
        "total": "700.00",
        "status": status,
    }
    r = api.post("/api/v1/orders", json=body)
    assert r.status_code in (200, 201), r.text
    return int(r.json()["order"]["id"])


def test_changes_are_history_and_only_heads_and_admins_reassign(
    api: TestClient, client: TestClient, users: dict[str, int], app_session: Session
) -> None:
    head = create_user(app_session, SYSTEM, "head@test.local", "Head", "head", "password123").id
    m2 = user_by_email(app_session, "manager2@test.local").id
    app_session.commit()
    team = api.post("/api/v1/teams", json={"name": "Опт", "head_id": head}).json()
    set_team(app_session, SYSTEM, team["id"], head_id=head, members=[users["manager"], m2])
    app_session.commit()
    p = _pipeline(api)
    deal = _deal(api, p, "+79163000001", owner_id=users["manager"])
    url = f"/api/v1/deals/{deal['id']}"
    del client.headers["Authorization"]
    manager = login(client, "manager@test.local")
    taken = manager.patch(url, json={"owner_id": m2})
    assert taken.status_code == 422 and taken.json()["code"] == "deal.owner.forbidden"
    assert (
        manager.patch(url, json={"probability": 90, "reason": "клиент подтвердил бюджет"}).json()["probability"] == 90
    )
    assert manager.patch(url, json={"amount": "250000.00"}).json()["amount"] == "250000.00"
    head_client = login(client, "head@test.local")
    assert head_client.patch(url, json={"owner_id": m2, "reason": "отпуск"}).json()["owner_id"] == m2
    outside = head_client.patch(url, json={"owner_id": users["admin"]})
    assert outside.status_code == 422
    history = head_client.get(f"{url}/history").json()
    assert [h["kind"] for h in history] == ["create", "probability", "amount", "reassign"]
    assert history[1]["probability"] == 90 and history[1]["reason"] == "клиент подтвердил бюджет"
    assert history[2]["amount"] == "250000.00" and history[3]["owner_id"] == m2 and history[3]["reason"] == "отпуск"
    assert {h["to_stage_id"] for h in history} == {p["Контакт"]}  # none of them moved the deal
    manager = login(client, "manager@test.local")
    assert manager.get(url).status_code == 404  # handed to someone else: out of the first manager's sight


def test_who_may_close_and_reopen_is_the_pipelines_rule(
    api: TestClient, client: TestClient, users: dict[str, int]
) -> None:
    made = api.post(
        "/api/v1/pipelines", json={**FUNNEL, "close_roles": ["head", "manager"], "reopen_roles": ["head"]}
    ).json()
    assert made["close_roles"] == ["head", "manager"] and made["reopen_roles"] == ["head"]
    p = {"id": made["id"], **{s["name"]: s["id"] for s in made["stages"]}}
    bad = api.post("/api/v1/pipelines", json={**FUNNEL, "name": "Х", "close_roles": ["boss"]})
    assert bad.status_code == 422
    deal = _deal(api, p, "+79163000011", owner_id=users["manager"])
    move = f"/api/v1/deals/{deal['id']}/move"
    refused = api.post(move, json={"stage_id": p["Выиграна"]})  # an API key is an "integration": not listed
    assert refused.status_code == 403 and refused.json()["code"] == "deal.close.forbidden"
    del client.headers["Authorization"]
    manager = login(client, "manager@test.local")
    assert manager.post(move, json={"stage_id": p["Выиграна"]}).json()["status"] == "won"
    back = manager.post(move, json={"stage_id": p["Счёт"]})
    assert back.status_code == 403 and back.json()["code"] == "deal.reopen.forbidden"
    admin = login(client, "admin@test.local")
    assert admin.post(move, json={"stage_id": p["Счёт"]}).json()["status"] == "open"  # administrators always may


def test_deleting_is_soft_an_administrators_and_audited(
    api: TestClient, client: TestClient, users: dict[str, int], app_session: Session
) -> None:
    p = _pipeline(api)
    deal = _deal(api, p, "+79163000021", owner_id=users["manager"])
    url = f"/api/v1/deals/{deal['id']}"
    del client.headers["Authorization"]
    manager = login(client, "manager@test.local")
    assert manager.delete(url).status_code == 403
    admin = login(client, "admin@test.local")
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    assert deal["id"] not in [d["id"] for d in admin.get("/api/v1/deals").json()["items"]]
    entry = app_session.scalars(select(AuditEntry).where(AuditEntry.action == "deal.delete")).one()
    assert entry.entity_id == str(deal["id"]) or entry.entity_id == deal["id"]
    company = admin.post("/api/v1/companies", json={"name": "ООО Ромашка", "inn": "7707083893"}).json()["company"]
    assert admin.delete(f"/api/v1/companies/{company['id']}").status_code == 204
    assert admin.get(f"/api/v1/companies/{company['id']}").status_code == 404


def test_a_won_deal_awaits_payment_until_a_linked_order_is_paid(api: TestClient) -> None:
    p = _pipeline(api)
    deal = _deal(api, p, "+79163000031")
    other = _deal(api, p, "+79163000032")
    url = f"/api/v1/deals/{deal['id']}"
    won = api.post(f"{url}/move", json={"stage_id": p["Выиграна"]}).json()
    assert won["payment"] == "awaiting" and won["paid_amount"] == "0"
    foreign = _order(api, other["customer_id"], "O-FOREIGN")
    not_theirs = api.post(f"{url}/orders", json={"order_id": foreign})
    assert not_theirs.status_code == 422 and not_theirs.json()["code"] == "deal.order.not_theirs"
    pending = _order(api, deal["customer_id"], "O-PENDING", status="pending")
    assert api.post(f"{url}/orders", json={"order_id": pending}).json()["payment"] == "awaiting"
    paid = _order(api, deal["customer_id"], "O-PAID")
    linked = api.post(f"{url}/orders", json={"order_id": paid}).json()
    assert linked["payment"] == "paid" and linked["paid_amount"] == "700.00"
    assert sorted(linked["order_ids"]) == sorted([pending, paid])
    twice = api.post(f"/api/v1/deals/{other['id']}/orders", json={"order_id": paid})
    assert twice.status_code in (409, 422)
    unlinked = api.delete(f"{url}/orders/{paid}").json()
    assert unlinked["payment"] == "awaiting" and unlinked["order_ids"] == [pending]
