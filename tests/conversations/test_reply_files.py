"""Files in answers (issue 19): a manager's answer with files goes back the way the person came — a Telegram
document captioned with the text (a long text first as its own message), a VK document uploaded for the dialogue
then attached to messages.send (local peers playing the APIs) — and is kept in the thread; too many or too big
files, or content that is not base64, are refused with nothing written."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import worker
from klientura.channels import TelegramChannel, TelegramSettings, VkChannel, VkSettings
from klientura.conversations import Message
from klientura.db import utcnow
from tests.conversations.test_telegram import SECRET as TG_SECRET
from tests.conversations.test_telegram import _update
from tests.conversations.test_vk import CONFIRM, _event
from tests.conversations.test_vk import SECRET as VK_SECRET

PDF = {"name": "счёт.pdf", "type": "application/pdf", "content": base64.b64encode(b"%PDF-1.4 invoice").decode()}


@pytest.fixture
def hooked(app_factory: Any, key: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KLIENTURA_TELEGRAM_WEBHOOK_SECRET", TG_SECRET)
    monkeypatch.setenv("KLIENTURA_VK_SECRET", VK_SECRET)
    monkeypatch.setenv("KLIENTURA_VK_CONFIRMATION", CONFIRM)
    with TestClient(app_factory(), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def _telegram_talk(client: TestClient, update_id: int) -> int:
    r = client.post("/hooks/telegram", json=_update(update_id, "Пришлите счёт"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})  # fmt: skip
    return int(r.json()["conversation_id"])


def test_a_telegram_answer_with_a_document(
    hooked: TestClient, app_session: Session, peer: Any, request: pytest.FixtureRequest
) -> None:
    state, url = peer
    talk = _telegram_talk(hooked, 900)
    sent = hooked.post(
        f"/api/v1/conversations/{talk}/messages", json={"text": "Счёт во вложении", "attachments": [PDF]}
    )
    assert sent.status_code == 201, sent.text
    kept = app_session.scalars(select(Message).where(Message.direction == "out")).one().attachments
    assert [(a["name"], a["mime"], a["size"]) for a in kept] == [("счёт.pdf", "application/pdf", 16)]
    long = "Подробности: " + "д" * 1100
    assert (
        hooked.post(f"/api/v1/conversations/{talk}/messages", json={"text": long, "attachments": [PDF]}).status_code
        == 201
    )
    channel = TelegramChannel(TelegramSettings(token="1:t", base_url=url))
    request.addfinalizer(channel.close)
    state.script += [(200, {"ok": True, "result": {"message_id": n}}, {}) for n in range(1, 4)]
    assert worker.deliver(app_session, {"telegram": channel}, lambda: utcnow() + timedelta(seconds=1))["sent"] == 2
    app_session.commit()
    paths = [p for p, _h, _b in state.requests]
    assert paths == ["/bot1:t/sendDocument", "/bot1:t/sendMessage", "/bot1:t/sendDocument"]
    first = state.requests[0][2]
    assert b'name="caption"' in first and "Счёт во вложении".encode() in first and b"%PDF-1.4 invoice" in first
    assert json.loads(state.requests[1][2])["text"] == long  # too long for a caption: a message of its own
    assert b'name="caption"' not in state.requests[2][2]


def test_a_vk_answer_uploads_the_document_first(
    hooked: TestClient, app_session: Session, peer: Any, request: pytest.FixtureRequest
) -> None:
    state, url = peer
    hooked.post("/hooks/vk", json=_event("f1", "Нужен прайс", user=777))
    (talk,) = hooked.get("/api/v1/conversations?channel=vk").json()["items"]
    r = hooked.post(f"/api/v1/conversations/{talk['id']}/messages", json={"text": "Прайс", "attachments": [PDF]})
    assert r.status_code == 201, r.text
    state.script += [
        (200, {"response": {"upload_url": f"{url}/upload"}}, {}),
        (200, {"file": "uploaded-token"}, {}),
        (200, {"response": {"type": "doc", "doc": {"id": 55, "owner_id": 777}}}, {}),
        (200, {"response": 901}, {}),
    ]
    channel = VkChannel(VkSettings(token="vk-token", base_url=url))
    request.addfinalizer(channel.close)
    assert worker.deliver(app_session, {"vk": channel}, lambda: utcnow() + timedelta(seconds=1))["sent"] == 1
    app_session.commit()
    assert [p for p, _h, _b in state.requests] == ["/method/docs.getMessagesUploadServer", "/upload",
                                                  "/method/docs.save", "/method/messages.send"]  # fmt: skip
    assert b"%PDF-1.4 invoice" in state.requests[1][2]
    assert state.forms[0]["peer_id"] == "777" and state.forms[1]["file"] == "uploaded-token"
    assert state.forms[2]["attachment"] == "doc777_55" and state.forms[2]["message"] == "Прайс"


def test_too_many_or_broken_files_are_refused(hooked: TestClient, app_session: Session) -> None:
    talk = _telegram_talk(hooked, 901)
    before = app_session.scalar(select(func.count()).select_from(Message))
    six = hooked.post(f"/api/v1/conversations/{talk}/messages", json={"text": "x", "attachments": [PDF] * 6})
    assert six.status_code == 422
    big = {**PDF, "content": base64.b64encode(b"0" * (10 * 2**20 + 1)).decode()}
    too_big = hooked.post(f"/api/v1/conversations/{talk}/messages", json={"text": "x", "attachments": [big]})
    assert too_big.status_code == 413  # the API's body limit comes first
    from klientura.audit import SYSTEM
    from klientura.conversations import reply
    from klientura.kit.errors import TooLarge

    with pytest.raises(TooLarge) as refused:  # the reply's own, for an upload from the inbox
        reply(app_session, SYSTEM, talk, "x", utcnow(), files=[("a.bin", "", b"0" * (10 * 2**20 + 1))])
    assert refused.value.code.key == "conversation.files"
    app_session.rollback()
    broken = hooked.post(f"/api/v1/conversations/{talk}/messages",
                         json={"text": "x", "attachments": [{**PDF, "content": "не base64!"}]})  # fmt: skip
    assert broken.status_code == 422 and broken.json()["code"] == "conversation.file_base64"
    app_session.expire_all()
    assert app_session.scalar(select(func.count()).select_from(Message)) == before


def test_files_cannot_go_by_sms(hooked: TestClient) -> None:
    form = hooked.post("/api/v1/forms", json={"name": "Звонок"}).json()
    got = hooked.post(f"/f/{form['key']}", json={"phone": "+79160001122", "comment": "Перезвоните"},
                      headers={"Accept": "application/json"}).json()  # fmt: skip
    refused = hooked.post(f"/api/v1/conversations/{got['conversation_id']}/messages",
                          json={"text": "Прайс", "attachments": [PDF]})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["code"] == "conversation.no_files"
