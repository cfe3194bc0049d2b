"""VK (issue 19): the community's Callback API — the confirmation string, the secret key in every event, a person's
``message_new`` stored once by ``event_id`` on the card of their VK id; other events answered ``ok`` and dropped; a
reply sent back to the dialogue by ``messages.send`` (a local peer playing VK's API) with a ``random_id`` derived
from the message's key, the same on every attempt, so VK drops a repeat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import worker
from klientura.channels import OutgoingMessage, VkChannel, VkSettings, vk_random_id
from klientura.conversations import Message
from klientura.db import utcnow

SECRET, CONFIRM = "vk-secret-1", "a1b2c3d4"


def _event(event_id: str, text: str, user: int = 4242, peer: int | None = None, **extra: Any) -> dict[str, Any]:
    message = {"id": 7, "date": 1, "from_id": user, "peer_id": peer or user, "text": text, **extra}
    return {"type": "message_new", "event_id": event_id, "v": "5.199", "group_id": 1, "secret": SECRET,
            "object": {"message": message, "client_info": {}}}  # fmt: skip


@pytest.fixture
def hooked(app_factory: Any, key: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KLIENTURA_VK_SECRET", SECRET)
    monkeypatch.setenv("KLIENTURA_VK_CONFIRMATION", CONFIRM)
    with TestClient(app_factory(), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def _messages(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def test_confirmation_secret_and_an_event_stored_once(hooked: TestClient, app_session: Session) -> None:
    confirmed = hooked.post("/hooks/vk", json={"type": "confirmation", "group_id": 1})
    assert (confirmed.status_code, confirmed.text) == (200, CONFIRM)
    wrong = hooked.post("/hooks/vk", json={**_event("e1", "привет"), "secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "hook.secret"
    assert _messages(app_session) == 0
    photo = [{"type": "photo", "photo": {"id": 5, "owner_id": 4242}}]
    for _ in range(2):  # VK's retry of the same event
        r = hooked.post("/hooks/vk", json=_event("e2", "Есть самовывоз?", attachments=photo))
        assert (r.status_code, r.text) == (200, "ok")
    assert _messages(app_session) == 1
    (talk,) = hooked.get("/api/v1/conversations?channel=vk").json()["items"]
    assert talk["peer"] == "4242"
    card = hooked.get(f"/api/v1/customers/{talk['customer_id']}").json()["customer"]
    assert ("vk", "id4242") in {(i["kind"], i["value"]) for i in card["identities"]}  # as the cards keep VK ids
    (message,) = hooked.get(f"/api/v1/conversations/{talk['id']}/messages").json()
    assert message["attachments"] == [{"kind": "photo", "id": "4242_5", "name": ""}]
    for other in (_event("e3", "в беседе", peer=2_000_000_001), {**_event("e4", ""), "type": "message_reply"}):
        assert hooked.post("/hooks/vk", json=other).text == "ok"
    assert hooked.post("/hooks/vk", content=b"[broken").text == "ok"
    assert _messages(app_session) == 1


def test_a_hook_without_its_settings_is_off(api: TestClient) -> None:
    off = api.post("/hooks/vk", json={"type": "confirmation", "group_id": 1})
    assert off.status_code == 404 and off.json()["code"] == "hook.off"


def test_a_reply_goes_back_by_messages_send_with_a_stable_random_id(
    hooked: TestClient, app_session: Session, peer: Any, request: pytest.FixtureRequest
) -> None:
    state, url = peer
    hooked.post("/hooks/vk", json=_event("e10", "Сколько стоит доставка?"))
    (talk,) = hooked.get("/api/v1/conversations?channel=vk").json()["items"]
    assert (
        hooked.post(f"/api/v1/conversations/{talk['id']}/messages", json={"text": "300 ₽ по городу"}).status_code == 201
    )
    state.script += [(200, {"error": {"error_code": 10, "error_msg": "Internal server error"}}, {}),
                     (200, {"response": 501}, {})]  # fmt: skip
    channel = VkChannel(VkSettings(token="vk-token", base_url=url))
    request.addfinalizer(channel.close)
    assert worker.deliver(app_session, {"vk": channel}, lambda: utcnow() + timedelta(seconds=1))["retry"] == 1
    assert worker.deliver(app_session, {"vk": channel}, lambda: utcnow() + timedelta(hours=2))["sent"] == 1
    app_session.commit()
    first, second = state.forms[-2:]
    assert first == second  # the same random_id: VK would drop the second if the first had gone through
    assert (second["peer_id"], second["message"], second["access_token"]) == ("4242", "300 ₽ по городу", "vk-token")
    messages = hooked.get(f"/api/v1/conversations/{talk['id']}/messages").json()
    assert [(m["direction"], m["delivery"]) for m in messages] == [("in", None), ("out", "sent")]


def test_vk_refusals_are_read_as_retry_failed_or_gone(peer: Any, request: pytest.FixtureRequest) -> None:
    state, url = peer
    channel = VkChannel(VkSettings(token="t", base_url=url))
    request.addfinalizer(channel.close)
    message = OutgoingMessage(key="k-1", to="4242", text="hi")
    state.script += [(200, {"error": {"error_code": 901, "error_msg": "Can't send messages"}}, {}),
                     (200, {"error": {"error_code": 100, "error_msg": "bad param"}}, {}),
                     (200, {"error": {"error_code": 6, "error_msg": "Too many requests"}}, {})]  # fmt: skip
    gone, bad, busy = channel.send(message), channel.send(message), channel.send(message)
    assert (gone.status, gone.bounce) == ("failed", True)
    assert (bad.status, bad.bounce) == ("failed", False)
    assert busy.status == "retry"
    assert state.forms[0]["random_id"] == str(vk_random_id("k-1"))


def _permission(event_id: str, user: int, allowed: bool) -> dict[str, Any]:
    kind = "message_allow" if allowed else "message_deny"
    return {"type": kind, "event_id": event_id, "v": "5.199", "group_id": 1, "secret": SECRET,
            "object": {"user_id": user, "key": "promo"}}  # fmt: skip


def test_allowed_messages_are_a_consent_and_a_campaign_goes_by_vk(
    hooked: TestClient, app_session: Session, peer: Any, request: pytest.FixtureRequest
) -> None:
    from klientura import campaigns
    from klientura.audit import SYSTEM
    from klientura.campaigns import OutboxMessage
    from klientura.customers import Consent, Identity
    from tests import factories

    assert hooked.post("/hooks/vk", json=_permission("p1", 5151, True)).text == "ok"  # before ever writing
    assert hooked.post("/hooks/vk", json=_permission("p2", 6161, False)).text == "ok"  # unknown and denies: nothing
    app_session.expire_all()
    (card,) = app_session.scalars(select(Identity.customer_id).where(Identity.kind == "vk")).all()
    consent = app_session.scalars(select(Consent).where(Consent.customer_id == card)).one()
    assert (consent.channel, consent.granted) == ("vk", True)
    links = campaigns.Links("https://crm.example.ru", "s")
    segment = factories.static_segment(app_session, [card], "VK")
    # no quiet hours: launched now, it must leave now at any hour of the day (it failed at night in Moscow)
    c = campaigns.create_campaign(app_session, SYSTEM, {"name": "ВК", "channel": "vk", "segment_id": segment,
                                  "holdout_share": 0, "variants": [{"name": "A", "text": "{{ name }}, новинки!"}],
                                  "quiet_from": None, "quiet_until": None})  # fmt: skip
    campaigns.launch(app_session, SYSTEM, c.id, utcnow(), campaigns.Sending(links, "Europe/Moscow", "ru", "RUB"))
    app_session.commit()
    (queued,) = app_session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"campaign:{c.id}"))
    assert (queued.channel, queued.to) == ("vk", "id5151")  # the card's VK identity
    state, url = peer
    state.script.append((200, {"response": 77}, {}))
    channel = VkChannel(VkSettings(token="vk-token", base_url=url))
    request.addfinalizer(channel.close)
    assert worker.deliver(app_session, {"vk": channel}, lambda: utcnow() + timedelta(seconds=1),
                          links=links)["sent"] == 1  # fmt: skip
    assert state.forms[-1]["peer_id"] == "5151" and state.forms[-1]["message"] == "клиент, новинки!"
    hooked.post("/hooks/vk", json=_permission("p3", 5151, False))  # they forbid it: withdrawn
    app_session.expire_all()
    assert app_session.scalars(select(Consent.granted).where(Consent.customer_id == card)).one() is False
