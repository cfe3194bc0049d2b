"""Leads (issue 18): a request lands on the person's one card and is routed by the repeat-request rule (Bitrix24's
repeat-lead mode; Frappe CRM #302, #2384): attached to their open deal (its owner gets a task), a repeat deal for the
owner of their recently won one, joined to their open lead, or a new lead — never a second card, never a second open
deal — also under concurrent requests; converted into a deal or closed with a reason; seen by their owner's side."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import create_user, user_by_email
from klientura.customers import Identity
from klientura.db import make_session_factory, utcnow, writing
from klientura.sales import Deal, DealIn, LeadIn, create_deal, create_pipeline, move_deal, read_pipeline, submit_request
from klientura.sales.schemas import MoveIn, PipelineIn
from tests.api.conftest import login
from tests.conftest import fresh_store
from tests.factories import SHOP
from tests.sales.test_deals import _pipeline
from tests.sales.test_pipelines import FUNNEL

PERSON = {"full_name": "Повторова Анна", "phone": "8 (916) 100-00-01"}


def _request(api: TestClient, text: str, **extra: object) -> dict[str, object]:
    body = {"customer": {**PERSON, **extra.pop("customer", {})}, "channel": "form", "text": text, **extra}  # type: ignore[dict-item]
    r = api.post("/api/v1/leads", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_the_repeat_request_rule_end_to_end(api: TestClient, app_session: Session, users: dict[str, int]) -> None:
    p = _pipeline(api)
    first = _request(api, "Нужен опт чая", utm_source="yandex")
    assert first["outcome"] == "lead" and first["customer_created"] and first["owner_id"] is None
    assert first["task_id"] is None  # nobody to tell yet: routing hands it out
    second = _request(api, "Ответьте, пожалуйста", customer={"phone": "+7 916 100 00 01"})
    assert second["outcome"] == "joined" and second["parent_lead_id"] == first["lead_id"]
    assert second["customer_id"] == first["customer_id"] and not second["customer_created"]
    assigned = api.post(f"/api/v1/leads/{first['lead_id']}/assign", json={"owner_id": users["manager"]})
    assert assigned.json()["owner_id"] == users["manager"]
    deal = api.post(f"/api/v1/leads/{first['lead_id']}/convert", json={"pipeline_id": p["id"], "amount": "50000"})
    assert deal.status_code == 201, deal.text
    deal_id = deal.json()["id"]
    assert deal.json()["owner_id"] == users["manager"] and deal.json()["title"] == "Нужен опт чая"
    assert api.get(f"/api/v1/leads/{first['lead_id']}").json()["status"] == "converted"
    third = _request(api, "Когда отгрузка?")
    assert third["outcome"] == "attached" and third["deal_id"] == deal_id and third["owner_id"] == users["manager"]
    task = api.get(f"/api/v1/tasks/{third['task_id']}").json()
    assert task["assignee_id"] == users["manager"] and task["deal_id"] == deal_id and task["title"] == "Когда отгрузка?"
    assert api.post(f"/api/v1/deals/{deal_id}/move", json={"stage_id": p["Выиграна"]}).json()["status"] == "won"
    fourth = _request(api, "Хочу ещё партию")
    assert fourth["outcome"] == "repeat" and fourth["deal_id"] != deal_id and fourth["owner_id"] == users["manager"]
    repeat = api.get(f"/api/v1/deals/{fourth['deal_id']}").json()
    assert repeat["repeat_of_id"] == deal_id and repeat["stage_id"] == p["Контакт"] and repeat["status"] == "open"
    assert repeat["source"] == "form" and repeat["owner_id"] == users["manager"]
    fifth = _request(api, "И ещё вопрос")
    assert fifth["outcome"] == "attached" and fifth["deal_id"] == fourth["deal_id"]  # not a second repeat deal
    open_deals = api.get("/api/v1/deals", params={"status": "open"}).json()["items"]
    assert [d["id"] for d in open_deals if d["customer_id"] == first["customer_id"]] == [fourth["deal_id"]]
    cards = app_session.scalar(select(func.count()).select_from(Identity).where(Identity.value == "+79161000001"))
    assert cards == 1
    # a win long ago is not "recent": with no open deal the next request is a new lead again
    lost = {"stage_id": p["Проиграна"], "lost_reason": "дорого"}
    assert api.post(f"/api/v1/deals/{fourth['deal_id']}/move", json=lost).status_code == 200
    app_session.execute(update(Deal).where(Deal.id == deal_id).values(closed_at=utcnow() - timedelta(days=181)))
    app_session.commit()
    sixth = _request(api, "Здравствуйте, снова я")
    assert sixth["outcome"] == "lead" and sixth["owner_id"] is None


def test_a_lead_is_closed_with_a_reason_and_then_stays_closed(api: TestClient) -> None:
    p = _pipeline(api)
    lead = _request(api, "спам спам")
    bad = api.post(f"/api/v1/leads/{lead['lead_id']}/close", json={"reason": "не понравился"})
    assert bad.status_code == 422
    closed = api.post(f"/api/v1/leads/{lead['lead_id']}/close", json={"reason": "junk", "note": "  бот  "})
    assert closed.json()["status"] == "closed" and closed.json()["close_note"] == "бот"
    again = api.post(f"/api/v1/leads/{lead['lead_id']}/convert", json={"pipeline_id": p["id"]})
    assert again.status_code == 409 and again.json()["code"] == "lead.not_open"
    nobody = api.post("/api/v1/leads", json={"channel": "call", "text": "?"})
    assert nobody.status_code == 422 and nobody.json()["code"] == "lead.person_needed"
    replay = {"Idempotency-Key": "form-123"}
    once = api.post("/api/v1/leads", json={"customer": {"phone": "+79161000077"}, "channel": "form"}, headers=replay)
    twice = api.post("/api/v1/leads", json={"customer": {"phone": "+79161000077"}, "channel": "form"}, headers=replay)
    assert twice.headers.get("Idempotent-Replayed") == "true" and twice.json() == once.json()


def test_leads_are_seen_by_their_owners_side(
    api: TestClient, client: TestClient, users: dict[str, int], app_session: Session
) -> None:
    head = create_user(app_session, SYSTEM, "head@test.local", "Head", "head", "password123").id
    app_session.commit()
    team = api.post("/api/v1/teams", json={"name": "Опт", "head_id": head}).json()
    assert api.put(f"/api/v1/teams/{team['id']}", json={"head_id": head, "members": [users["manager"]]}).is_success
    not_head = api.post("/api/v1/teams", json={"name": "Розница", "head_id": users["manager"]})
    assert not_head.status_code == 422 and not_head.json()["code"] == "team.head_role"
    unassigned = _request(api, "кто-нибудь?")
    other = _request(api, "мне", customer={"phone": "+79161000002", "full_name": "Другая"})
    m2 = user_by_email(app_session, "manager2@test.local").id
    assert api.post(f"/api/v1/leads/{other['lead_id']}/assign", json={"owner_id": m2}).is_success
    del client.headers["Authorization"]
    head_client = login(client, "head@test.local")
    seen = {x["id"] for x in head_client.get("/api/v1/leads").json()["items"]}
    assert unassigned["lead_id"] in seen and other["lead_id"] not in seen
    outside = head_client.post(f"/api/v1/leads/{unassigned['lead_id']}/assign", json={"owner_id": m2})
    assert outside.status_code == 422 and outside.json()["code"] == "company.owner.forbidden"
    inside = head_client.post(f"/api/v1/leads/{unassigned['lead_id']}/assign", json={"owner_id": users["manager"]})
    assert inside.json()["owner_id"] == users["manager"]
    assert head_client.get(f"/api/v1/leads/{other['lead_id']}").status_code == 404
    manager = login(client, "manager@test.local")
    assert {x["id"] for x in manager.get("/api/v1/leads").json()["items"]} == {unassigned["lead_id"]}
    assert manager.post(f"/api/v1/leads/{unassigned['lead_id']}/assign", json={"owner_id": m2}).status_code == 422
    assert manager.get(f"/api/v1/leads/{other['lead_id']}").status_code == 404


def test_concurrent_requests_of_a_recent_buyer_open_one_repeat_deal(backend: str, tmp_path: Path) -> None:
    with fresh_store(backend, tmp_path) as url:
        factory = make_session_factory(url)
        with factory() as session:
            pipeline = create_pipeline(session, SYSTEM, PipelineIn.model_validate(FUNNEL))
            won_stage = next(s for s in read_pipeline(session, pipeline).stages if s.kind == "won")
            won = create_deal(
                session,
                SYSTEM,
                DealIn(pipeline_id=pipeline.id, title="Чай", customer={"phone": "+79161000003"}),
                SHOP,
            )
            move_deal(session, SYSTEM, won.id, MoveIn(stage_id=won_stage.id))
            session.commit()
        barrier, outcomes, errors = threading.Barrier(8), [], []

        def worker(i: int) -> None:
            with writing(), factory() as session:  # as a POST's transaction begins
                try:
                    barrier.wait()
                    data = LeadIn(customer={"phone": "+79161000003"}, channel="form", text=f"запрос {i}")
                    outcomes.append(submit_request(session, SYSTEM, data, SHOP, repeat_days=180).outcome)
                    session.commit()
                except Exception as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with factory() as session:
            open_deals = session.scalar(select(func.count()).select_from(Deal).where(Deal.status == "open"))
        factory.kw["bind"].dispose()
    assert errors == [] and sorted(outcomes) == ["attached"] * 7 + ["repeat"] and open_deals == 1
