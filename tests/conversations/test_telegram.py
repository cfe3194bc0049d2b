"""Telegram (issue 19): the bot's webhook with its secret token; an update lands once (``update_id``) on the card
of the Telegram user — a new card for a new person, a shared contact adds their phone —, opens a conversation and a
request for the card's owner, later messages join it; what is not a person's message is answered 200 and dropped;
a reply goes back to the chat through the outbox and the Bot API (a local peer); a manager sees only their own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import worker
from klientura.channels import TelegramChannel, TelegramSettings
from klientura.conversations import Conversation, Message
from klientura.db import utcnow
from klientura.sales import Lead
from tests.api.conftest import login

SECRET = "hook-secret-1"
CHAT = 555_000_111


def _update(update_id: int, text: str = "", chat: int = CHAT, **message: Any) -> dict[str, Any]:
    sender = {"id": chat, "is_bot": False, "first_name": "Олег", "last_name": "Чатов"}
    body = {"message_id": update_id * 10, "from": sender, "chat": {"id": chat, "type": "private"}, "date": 1}
    return {"update_id": update_id, "message": {**body, **({"text": text} if text else {}), **message}}


@pytest.fixture
def hooked(app_factory: Any, key: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KLIENTURA_TELEGRAM_WEBHOOK_SECRET", SECRET)
    with TestClient(app_factory(), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def _post(c: TestClient, update: Any, secret: str = SECRET) -> Any:
    return c.post("/hooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def _count(session: Session, table: Any) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_the_secret_is_checked(hooked: TestClient, app_session: Session) -> None:
    assert _post(hooked, _update(1, "привет"), secret="wrong").status_code == 401
    assert _post(hooked, _update(1, "привет"), secret="wrong").json()["code"] == "hook.secret"
    assert hooked.post("/hooks/telegram", json=_update(1, "привет")).status_code == 401
    assert _count(app_session, Message) == 0


def test_a_hook_without_its_secret_set_is_off(api: TestClient, app_session: Session) -> None:
    off = _post(api, _update(1, "привет"))
    assert off.status_code == 404 and off.json()["code"] == "hook.off"
    assert _count(app_session, Message) == 0


def test_an_update_lands_once_and_the_conversation_collects_the_rest(hooked: TestClient, app_session: Session) -> None:
    first = _post(hooked, _update(100, "Есть ли опт от 10 коробок?"))
    assert first.status_code == 200, first.text
    again = _post(hooked, _update(100, "Есть ли опт от 10 коробок?"))  # Telegram's retry
    assert again.json() == first.json()
    assert _count(app_session, Message) == 1 and _count(app_session, Lead) == 1
    _post(hooked, _update(101, "И доставка в Казань?"))
    photo = {"photo": [{"file_id": "small"}, {"file_id": "large"}], "caption": "Вот такой нужен"}
    _post(hooked, _update(102, **photo))
    shared = {"contact": {"phone_number": "+7 916 700-00-01", "user_id": CHAT, "first_name": "Олег"}}
    _post(hooked, _update(103, **shared))
    assert _count(app_session, Lead) == 1  # one request: the conversation is open
    talk_id = first.json()["conversation_id"]
    talk = hooked.get(f"/api/v1/conversations/{talk_id}").json()
    assert (talk["channel"], talk["peer"], talk["unread"], talk["status"]) == ("telegram", str(CHAT), 4, "open")
    messages = hooked.get(f"/api/v1/conversations/{talk_id}/messages").json()
    assert [m["text"] for m in messages][:3] == [
        "Есть ли опт от 10 коробок?",
        "И доставка в Казань?",
        "Вот такой нужен",
    ]
    assert messages[2]["attachments"] == [{"kind": "photo", "file_id": "large"}]
    card = hooked.get(f"/api/v1/customers/{talk['customer_id']}").json()["customer"]
    kinds = {(i["kind"], i["value"]) for i in card["identities"]}
    assert ("telegram", str(CHAT)) in kinds and ("phone", "+79167000001") in kinds
    assert (card["first_name"], card["last_name"]) == ("Олег", "Чатов")


def test_what_is_not_a_persons_message_is_answered_and_dropped(hooked: TestClient, app_session: Session) -> None:
    group = _update(200, "всем привет")
    group["message"]["chat"]["type"] = "group"
    for body in (group, {"update_id": 201, "edited_message": {}}, {"nonsense": True}, [1, 2]):
        r = _post(hooked, body)
        assert r.status_code == 200 and r.json() == {"ok": True}
    broken = hooked.post("/hooks/telegram", content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert broken.status_code == 200
    assert _count(app_session, Message) == 0 and _count(app_session, Conversation) == 0


def test_a_reply_goes_back_to_the_chat_by_the_bot_api(
    hooked: TestClient, app_session: Session, peer: Any, request: pytest.FixtureRequest
) -> None:
    state, url = peer
    talk_id = _post(hooked, _update(300, "Сколько стоит?")).json()["conversation_id"]
    r = hooked.post(f"/api/v1/conversations/{talk_id}/messages", json={"text": "1200 ₽ за коробку"})
    assert r.status_code == 201, r.text
    state.script.append((200, {"ok": True, "result": {"message_id": 9}}, {}))
    channel = TelegramChannel(TelegramSettings(token="123:abc", base_url=url))
    request.addfinalizer(channel.close)
    assert worker.deliver(app_session, {"telegram": channel}, lambda: utcnow() + timedelta(seconds=1))["sent"] == 1
    app_session.commit()
    path, _headers, body = state.requests[-1]
    assert path == "/bot123:abc/sendMessage"
    import json

    assert json.loads(body) == {"chat_id": str(CHAT), "text": "1200 ₽ за коробку"}
    messages = hooked.get(f"/api/v1/conversations/{talk_id}/messages").json()
    assert [(m["direction"], m["delivery"]) for m in messages] == [("in", None), ("out", "sent")]
    assert hooked.post(f"/api/v1/conversations/{talk_id}/messages", json={"text": ""}).status_code == 422


def test_a_manager_sees_the_conversations_of_their_cards_only(
    hooked: TestClient, users: dict[str, int], app_factory: Any
) -> None:
    made = hooked.post("/api/v1/customers", json={"telegram": "777001", "owner_id": users["manager"]})
    assert made.status_code == 201, made.text
    talk_id = _post(hooked, _update(400, "Добрый день", chat=777001)).json()["conversation_id"]
    assert hooked.get(f"/api/v1/conversations/{talk_id}").json()["assignee_id"] == users["manager"]
    with TestClient(app_factory(), raise_server_exceptions=False) as mine:
        login(mine, "manager@test.local")
        assert mine.get(f"/api/v1/conversations/{talk_id}").status_code == 200
        assert mine.post(f"/api/v1/conversations/{talk_id}/messages", json={"text": "Здравствуйте!"}).status_code == 201
    with TestClient(app_factory(), raise_server_exceptions=False) as theirs:
        login(theirs, "manager2@test.local")
        assert theirs.get(f"/api/v1/conversations/{talk_id}").status_code == 404
        assert theirs.get("/api/v1/conversations").json()["items"] == []
        refused = theirs.post(f"/api/v1/conversations/{talk_id}/messages", json={"text": "Моё!"})
        assert refused.status_code == 404 and refused.json()["code"] == "conversation.not_found"


def test_taking_handing_over_and_closing(hooked: TestClient, users: dict[str, int], app_session: Session) -> None:
    talk_id = _post(hooked, _update(500, "Нужна консультация", chat=600500)).json()["conversation_id"]
    assert hooked.get(f"/api/v1/conversations/{talk_id}").json()["assignee_id"] is None  # nobody owns the card
    given = hooked.post(f"/api/v1/conversations/{talk_id}/assign", json={"assignee_id": users["manager"]})
    assert given.status_code == 200 and given.json()["assignee_id"] == users["manager"]
    card = hooked.get(f"/api/v1/customers/{given.json()['customer_id']}").json()["customer"]
    assert card["owner_id"] == users["manager"]  # someone new: the card is the manager's now, so they see whom
    refused = hooked.post(f"/api/v1/conversations/{talk_id}/assign", json={"assignee_id": users["analyst"]})
    assert refused.status_code == 422 and refused.json()["code"] == "conversation.assignee_unknown"
    assert hooked.get(f"/api/v1/conversations/{talk_id}").json()["assignee_id"] == users["manager"]
    closed = hooked.post(f"/api/v1/conversations/{talk_id}/close")
    assert closed.json()["status"] == "closed" and closed.json()["waiting_since"] is None
    again = _post(hooked, _update(501, "Ещё вопрос", chat=600500)).json()["conversation_id"]
    assert again != talk_id  # a closed conversation stays closed: the next message opens a new one
    assert _count(app_session, Lead) == 2  # and goes through the rule again (joined to the open request)
    app_session.expire_all()
    leads = list(app_session.scalars(select(Lead).order_by(Lead.id)))
    assert [x.outcome for x in leads] == ["lead", "joined"]


def test_a_message_from_a_person_with_an_open_deal_joins_it_and_its_timeline(
    hooked: TestClient, users: dict[str, int], app_factory: Any
) -> None:
    from tests.sales.test_deals import _pipeline

    pipeline = _pipeline(hooked)
    deal = hooked.post(
        "/api/v1/deals",
        json={"pipeline_id": pipeline["id"], "title": "Опт улуна", "amount": "90000",
              "customer": {"telegram": "700700", "full_name": "Сделкин Пётр"}, "owner_id": users["manager"]},
    )  # fmt: skip
    assert deal.status_code == 201, deal.text
    talk_id = _post(hooked, _update(600, "Когда отгрузка по нашему заказу?", chat=700700)).json()["conversation_id"]
    talk = hooked.get(f"/api/v1/conversations/{talk_id}").json()
    assert (talk["deal_id"], talk["assignee_id"]) == (deal.json()["id"], users["manager"])  # the deal's owner
    with TestClient(app_factory(), raise_server_exceptions=False) as pages:
        login(pages, "manager@test.local")
        deal_page = pages.get(f"/sales/deals/{deal.json()['id']}")
        card_page = pages.get(f"/customers/{talk['customer_id']}")
    for page in (deal_page, card_page):
        assert page.status_code == 200 and "Когда отгрузка по нашему заказу?" in page.text


def test_a_refused_answer_in_the_inbox_shows_its_reason_in_the_thread(
    hooked: TestClient, users: dict[str, int], app_factory: Any, app_session: Session
) -> None:
    made = hooked.post("/api/v1/customers", json={"telegram": "880001", "owner_id": users["manager"]})
    assert made.status_code == 201
    talk_id = _post(hooked, _update(800, "Вопрос", chat=880001)).json()["conversation_id"]
    with TestClient(app_factory(), raise_server_exceptions=False) as pages:
        login(pages, "manager@test.local")
        token = pages.get(f"/inbox?c={talk_id}").text.split('name="csrf_token" value="')[1].split('"')[0]
        r = pages.post(f"/inbox/{talk_id}/reply", data={"text": "x" * 5000, "csrf_token": token},
                       headers={"HX-Request": "true", "X-CSRF-Token": token})  # fmt: skip
    assert r.status_code == 200 and 'id="reply-error"' in r.text and "<script" not in r.text
    assert _count(app_session, Message) == 1  # only the person's: nothing written
