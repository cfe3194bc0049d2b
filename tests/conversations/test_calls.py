"""Calls (issue 19): telephony's generic webhook and Zadarma's signed notifications. A missed call is a request
(a lead and a call-back task for the card's owner), answered and outgoing calls are kept on the card with their
duration and recording; the provider's call id makes a repeat the same call; bad payloads are named."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura.conversations import Message, zadarma_signature
from klientura.sales import Lead, Task

TOKEN, ZADARMA = "calls-token-1", "zadarma-secret"


@pytest.fixture
def hooked(app_factory: Any, key: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KLIENTURA_CALLS_SECRET", TOKEN)
    monkeypatch.setenv("KLIENTURA_ZADARMA_SECRET", ZADARMA)
    with TestClient(app_factory(), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def _call(c: TestClient, **body: Any) -> Any:
    return c.post("/hooks/calls", json=body, headers={"X-Klientura-Token": TOKEN})


def _count(session: Session, table: Any) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_missed_call_is_a_request_with_a_call_back_task(
    hooked: TestClient, users: dict[str, int], app_session: Session
) -> None:
    made = hooked.post("/api/v1/customers", json={"phone": "+79161230000", "owner_id": users["manager"]})
    assert made.status_code == 201
    for _ in range(2):  # the provider's retry: the same call
        r = _call(hooked, call_id="c-1", direction="in", phone="8 916 123-00-00", status="missed", line="100")
        assert r.status_code == 200, r.text
    assert _count(app_session, Message) == 1 and _count(app_session, Lead) == 1
    lead = app_session.scalars(select(Lead)).one()
    assert (lead.channel, lead.owner_id, lead.customer_id) == ("call", users["manager"], made.json()["customer_id"])
    task = app_session.scalars(select(Task).where(Task.lead_id == lead.id)).one()
    assert (task.kind, task.assignee_id) == ("call", users["manager"])
    talk = hooked.get(f"/api/v1/conversations?customer_id={made.json()['customer_id']}").json()["items"][0]
    assert (talk["channel"], talk["peer"], talk["assignee_id"]) == ("call", "+79161230000", users["manager"])
    _call(hooked, call_id="c-2", direction="in", phone="+79161230000", status="missed")
    assert _count(app_session, Lead) == 2  # a second missed call: joined to the open request, its owner told
    answered = _call(hooked, call_id="c-3", direction="out", phone="+79161230000", status="answered", duration=155,
                     recording_url="https://records.example/c-3.mp3")  # fmt: skip
    assert answered.status_code == 200
    messages = hooked.get(f"/api/v1/conversations/{talk['id']}/messages").json()
    assert [(m["direction"], m["text"]) for m in messages] == [("in", "📞 ✗"), ("in", "📞 ✗"), ("out", "📞 2:35")]
    assert messages[-1]["data"]["recording_url"] == "https://records.example/c-3.mp3"
    talk = hooked.get(f"/api/v1/conversations/{talk['id']}").json()
    assert talk["waiting_since"] is None and talk["first_reply_at"]  # called back: nothing waits any more


def test_an_answered_call_from_someone_new_makes_their_card_and_a_request(
    hooked: TestClient, app_session: Session
) -> None:
    r = _call(hooked, call_id="n-1", direction="in", phone="+79035550101", status="answered", duration=61)
    assert r.status_code == 200, r.text
    talk = hooked.get(f"/api/v1/conversations/{r.json()['conversation_id']}").json()
    card = hooked.get(f"/api/v1/customers/{talk['customer_id']}").json()["customer"]
    assert ("phone", "+79035550101") in {(i["kind"], i["value"]) for i in card["identities"]}
    assert _count(app_session, Lead) == 1


def test_bad_calls_are_named_and_the_token_is_checked(
    hooked: TestClient, api: TestClient, app_session: Session
) -> None:
    assert hooked.post("/hooks/calls", json={}, headers={"X-Klientura-Token": "no"}).status_code == 401
    for body, field in (
        ({"direction": "in", "phone": "+79160000000", "status": "missed"}, "call_id"),
        ({"call_id": "x", "phone": "+79160000000", "status": "maybe"}, "status"),
        ({"call_id": "x", "phone": "+79160000000", "status": "answered", "duration": -5}, "duration"),
        ({"call_id": "x", "phone": "12", "status": "missed"}, "phone"),
    ):
        r = _call(hooked, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["code"] in ("call.invalid", "phone.invalid", "phone.too_short"), r.json()
        if r.json()["code"] == "call.invalid":
            assert r.json()["field"] == field
    assert _count(app_session, Message) == 0 and _count(app_session, Lead) == 0


def test_zadarma_checks_the_address_and_signs_each_call(hooked: TestClient, app_session: Session) -> None:
    assert hooked.get("/hooks/zadarma?zd_echo=abc123").text == "abc123"
    end = {"event": "NOTIFY_END", "call_start": "2026-12-04 10:00:00", "pbx_call_id": "in_777", "caller_id": "79167770000",
           "called_did": "74951234567", "disposition": "no answer", "duration": "0", "status_code": "16"}  # fmt: skip
    wrong = hooked.post("/hooks/zadarma", data=end, headers={"Signature": "bad"})
    assert wrong.status_code == 401 and _count(app_session, Message) == 0
    signed = {"Signature": zadarma_signature(ZADARMA, end)}
    assert hooked.post("/hooks/zadarma", data=end, headers=signed).status_code == 200
    start = {**end, "event": "NOTIFY_START"}
    assert (
        hooked.post("/hooks/zadarma", data=start, headers={"Signature": zadarma_signature(ZADARMA, start)}).text == ""
    )
    assert _count(app_session, Message) == 1 and _count(app_session, Lead) == 1
    message = app_session.scalars(select(Message)).one()
    assert (message.text, message.data["line"], message.provider_id) == ("📞 ✗", "74951234567", "zadarma:in_777")
