"""A person's rights (issue 17, item 11): everything held on them in one export; their erasure, which leaves no
trace of who they were in the card, its identities, the messages, the events, the import rejections and the audit
log — while orders, the points ledger and the sums keep their ids and still hold; the retention periods."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import campaigns, conversations, loyalty, privacy
from klientura.audit import SYSTEM, AuditEntry
from klientura.auth import IdempotencyRecord
from klientura.campaigns import OutboxMessage
from klientura.customers import CustomerIn, prepare, resolve
from klientura.events import EventIn, record_event
from klientura.imports import ImportRejection, run_import
from klientura.loyalty.accounts import account_of
from klientura.orders import Order
from tests import factories
from tests.factories import SHOP

NAME, PHONE, EMAIL = "Секретова Дарья", "+79165550011", "darya.secret@example.com"


def _person(session: Session, tmp_path: Path) -> dict[str, Any]:
    """A person with a card, a twin merged into it, an order, points, an event, a message and a rejected import row."""
    card = factories.customer(session, full_name=NAME, phone=PHONE, email=EMAIL, consents={"email": True})
    twin = resolve(session, SYSTEM, prepare(CustomerIn(full_name=NAME, phone="+79165550012"), shop=SHOP)).customer_id
    from klientura import dedup
    from klientura.wiring import merge_hooks

    dedup.merge(session, SYSTEM, card, twin, hooks=merge_hooks())
    order = factories.order(session, card, amount="1500.00")
    loyalty.earn(
        session, account_of(session, card).id, 150, at=SHOP.now(), author="t", expires_at=SHOP.now() + timedelta(90)
    )
    record_event(
        session,
        SYSTEM,
        EventIn(type="form", customer_id=card, occurred_at=SHOP.now(), payload={"comment": f"я {NAME}"}),
        shop=SHOP,
    )
    campaigns.enqueue(
        session,
        [
            campaigns.Draft(
                key="m1",
                channel="email",
                to=EMAIL,
                source="test",
                subject=f"{NAME}, привет",
                text="x",
                customer_id=card,
            )
        ],
        SHOP.now(),
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"ФИО;Телефон;E-mail\n{NAME};12-34;{EMAIL}\nПрохорова Дарья;12-35;other@example.com\n", encoding="utf-8"
    )
    run_import(session, SYSTEM, bad, "customers", shop=SHOP)
    session.commit()
    return {"card": card, "twin": twin, "order": order}


def test_export_holds_everything_and_is_recorded(api: TestClient, app_session: Session, tmp_path: Path) -> None:
    p = _person(app_session, tmp_path)
    written = conversations.Inbound(channel="form", peer=EMAIL.lower(), provider_id=None, text="Перезвоните мне",
                                    identities={"email": EMAIL}, lead_channel="form")  # fmt: skip
    conversations.receive(app_session, SHOP, written, repeat_days=180)
    app_session.commit()
    r = api.post(f"/api/v1/customers/{p['card']}/personal-data")
    assert r.status_code == 200, r.text
    data = r.json()
    assert {c["id"] for c in data["cards"]} == {p["card"], p["twin"]}
    phones = {i["value"] for c in data["cards"] for i in c["identities"] if i["kind"] == "phone"}
    assert phones == {PHONE, "+79165550012"}
    assert [o["id"] for o in data["orders"]] == [p["order"]] and data["loyalty"]["balance"]["total"] == 150
    assert data["events"][0]["payload"] == {"comment": f"я {NAME}"} and data["messages"][0]["to"] == EMAIL
    assert data["consent_history"] and data["merges"] and data["audit"]
    assert [m["text"] for c in data["conversations"] for m in c["messages"]] == ["Перезвоните мне"]
    app_session.expire_all()
    assert app_session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.export")).one()


def test_erasure_leaves_no_trace_of_the_person_and_every_sum_holds(
    api: TestClient, app_session: Session, tmp_path: Path
) -> None:
    p = _person(app_session, tmp_path)
    written = conversations.Inbound(channel="form", peer=EMAIL.lower(), provider_id=None, subject="Заявка",
                                    text="Это Секретова, перезвоните на 5550011", identities={"email": EMAIL},
                                    lead_channel="form", data={"fields": {"extra": "darya.secret"}})  # fmt: skip
    talk, _m, _o = conversations.receive(app_session, SHOP, written, repeat_days=180)
    assert talk.customer_id == p["card"]
    app_session.commit()
    revenue = app_session.scalar(select(func.sum(Order.paid)))
    assert api.post(f"/api/v1/customers/{p['card']}/erase", json={"confirm": p["card"] + 1}).status_code == 422
    r = api.post(f"/api/v1/customers/{p['card']}/erase", json={"confirm": p["card"]})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["cards"]) == sorted([p["card"], p["twin"]])
    app_session.expire_all()
    # nothing that said who she was is left anywhere in the store
    dump = json.dumps(
        {
            "cards": api.post(f"/api/v1/customers/{p['card']}/personal-data").json(),
            "audit": [(e.before, e.after) for e in app_session.scalars(select(AuditEntry))],
            "rejections": [(r.raw, r.reason, r.params) for r in app_session.scalars(select(ImportRejection))],
            "outbox": [(m.to, m.subject, m.text, m.data) for m in app_session.scalars(select(OutboxMessage))],
            "conversations": [(c.peer, c.subject) for c in app_session.scalars(select(conversations.Conversation))],
            "said": [(m.text, m.data) for m in app_session.scalars(select(conversations.Message))],
        },
        ensure_ascii=False,
        default=str,
    )
    for trace in ("Секретова", "5550011", "5550012", "darya.secret"):
        assert trace not in dump, trace
    # another Дарья's rejected row is hers, not the erased person's: it stays as the file said it
    assert "Прохорова Дарья" in dump and "other@example.com" in dump
    # the card keeps its id, the order its money, the points their ledger
    assert app_session.scalar(select(func.sum(Order.paid))) == revenue
    assert app_session.get_one(Order, p["order"]).customer_id == p["card"]
    assert loyalty.check(app_session).ok  # balance == ledger for every account
    card = api.get(f"/api/v1/customers/{p['card']}").json()["customer"]
    assert card["erased_at"] and card["full_name"] == "" and all(not c["granted"] for c in card["consents"])
    # a new contact with her phone makes a new card; the erased one cannot be changed or erased again
    again = api.post("/api/v1/customers", json={"phone": PHONE}).json()
    assert again["customer_id"] != p["card"]
    assert api.patch(f"/api/v1/customers/{p['card']}", json={"city": "Тула"}).status_code == 409
    assert api.post(f"/api/v1/customers/{p['card']}/erase", json={"confirm": p["card"]}).status_code == 409


def test_only_an_administrator_erases(client: TestClient, app_session: Session, users: dict[str, int]) -> None:
    card = factories.customer(app_session, full_name=NAME, phone=PHONE)
    app_session.commit()
    from tests.api.conftest import login

    marketer = login(client, "marketer@test.local")
    assert marketer.post(f"/api/v1/customers/{card}/erase", json={"confirm": card}).status_code == 403
    assert marketer.post(f"/api/v1/customers/{card}/personal-data").status_code == 200


def test_retention_drops_what_is_past_its_period(session: Session, tmp_path: Path) -> None:
    p = _person(session, tmp_path)
    session.add(IdempotencyRecord(actor="api_key:1", key="k", request_hash="h", status_code=201, body={}))
    message = session.scalars(select(OutboxMessage)).one()
    message.status = "sent"
    session.flush()
    keep = privacy.Retention(audit_days=30, rejections_days=30, message_days=30, idempotency_days=1)
    assert privacy.apply_retention(session, keep, SHOP.now()) == {
        "audit_entries": 0,
        "import_rows": 0,
        "messages": 0,
        "idempotency_records": 0,
    }
    later = privacy.apply_retention(session, keep, SHOP.now() + timedelta(days=400))
    assert later["import_rows"] == 2 and later["messages"] == 1 and later["idempotency_records"] == 1
    assert later["audit_entries"] >= 1
    session.expire_all()
    assert session.get_one(OutboxMessage, message.id).subject == ""
    assert privacy.apply_retention(session, keep, SHOP.now() + timedelta(days=400))["audit_entries"] == 0
    assert p["order"]
