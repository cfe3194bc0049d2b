"""The messengers' fast path on PostgreSQL (:mod:`klientura.conversations.fast_receive`): a served app with its
pool; twin chats sent through the fast path and through the ORM (the reference) leave the same rows; a repeated
update answers the stored message; a shared contact and a concurrent first message of one person are handled
(by the ORM, and by the card's lock) with one conversation and no message twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from klientura import conversations
from klientura.app import create_app
from klientura.config import Settings
from klientura.conversations import Conversation, Message
from klientura.db import make_session_factory, session_scope
from klientura.sales import Lead, Task
from tests.conftest import fresh_store

SECRET = "fast-hook-secret"


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the fast path is PostgreSQL's (SQLite's messages take the ORM path)")
    monkeypatch.setenv("KLIENTURA_TELEGRAM_WEBHOOK_SECRET", SECRET)
    calls = {"fast": 0, "fell": 0}
    fast = conversations.fast_receive

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls["fast"] += 1
        try:
            return await fast(*args, **kwargs)
        except conversations.Fallback:
            calls["fell"] += 1
            raise

    monkeypatch.setattr(conversations, "fast_receive", counted)
    with fresh_store("postgresql", tmp_path) as url:
        settings = Settings(
            database_url=url, secret_key="k" * 40, warehouse_path=tmp_path / "w.duckdb", till_pool_size=2
        )
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield {"client": client, "url": url, "calls": calls, "orm": lambda: monkeypatch.setattr(
                conversations, "fast_receive", _refuse)}  # fmt: skip


async def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise conversations.Fallback


def _update(update_id: int, chat: int, text: str, **message: Any) -> dict[str, Any]:
    sender = {"id": chat, "is_bot": False, "first_name": "Анна", "last_name": "Быстрова"}
    body = {"message_id": update_id, "from": sender, "chat": {"id": chat, "type": "private"}, "date": 1, "text": text}
    return {"update_id": update_id, "message": {**body, **message}}


def _post(client: TestClient, update: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/hooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@contextmanager
def _store(url: str) -> Iterator[Any]:
    factory = make_session_factory(url)
    try:
        with session_scope(factory) as s:
            yield s
    finally:
        factory.kw["bind"].dispose()


def _rows(url: str, chat: int) -> dict[str, Any]:
    with _store(url) as s:
        talks = list(s.scalars(select(Conversation).where(Conversation.peer == str(chat)).order_by(Conversation.id)))
        ids = [t.id for t in talks]
        messages = list(s.scalars(select(Message).where(Message.conversation_id.in_(ids)).order_by(Message.id)))
        leads = list(
            s.scalars(select(Lead).where(Lead.customer_id.in_([t.customer_id for t in talks])).order_by(Lead.id))
        )
        tasks = list(s.scalars(select(Task).where(Task.lead_id.in_([x.id for x in leads]))))
        return {
            "talks": [
                (t.channel, t.status, t.unread, t.waiting_since is not None, t.lead_id is not None) for t in talks
            ],
            "messages": [(m.direction, m.text, m.attachments, sorted(m.data)) for m in messages],
            "leads": [(x.channel, x.source, x.status, x.outcome, x.text) for x in leads],
            "tasks": [(t.kind, t.title) for t in tasks],
        }


def test_the_fast_path_writes_what_the_orm_writes(served: dict[str, Any]) -> None:
    client, url, calls = served["client"], served["url"], served["calls"]
    script = [(1, "Здравствуйте! Нужен опт"), (2, "Ещё вопрос про доставку")]
    first = [_post(client, _update(100 + n, 5001, text)) for n, text in script]
    again = _post(client, _update(101, 5001, "Здравствуйте! Нужен опт"))  # Telegram's retry of the first
    assert again == first[0] and calls == {"fast": 3, "fell": 0}
    served["orm"]()
    for n, text in script:
        _post(client, _update(200 + n, 5002, text))
    fast_rows, orm_rows = _rows(url, 5001), _rows(url, 5002)
    assert fast_rows == orm_rows
    assert fast_rows["talks"] == [("telegram", "open", 2, True, True)]
    assert [m[1] for m in fast_rows["messages"]] == ["Здравствуйте! Нужен опт", "Ещё вопрос про доставку"]


def test_a_shared_contact_falls_back_and_two_first_messages_make_one_conversation(served: dict[str, Any]) -> None:
    client, url, calls = served["client"], served["url"], served["calls"]
    _post(client, _update(300, 5003, "Привет"))
    shared = {"contact": {"phone_number": "+79167770011", "user_id": 5003}}
    _post(client, _update(301, 5003, "", **shared))
    assert calls["fell"] == 1  # the phone joins the card by the ORM path
    with _store(url) as s:
        talk = s.scalars(select(Conversation).where(Conversation.peer == "5003")).one()
        assert talk.unread == 2
    results: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda n=n: results.append(_post(client, _update(400 + n, 5004, f"м{n}"))))
               for n in range(4)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = _rows(url, 5004)
    assert len(rows["talks"]) == 1 and len(rows["messages"]) == 4
    assert len({r["conversation_id"] for r in results}) == 1


def test_with_the_bot_on_its_conversations_take_the_orm_path(served: dict[str, Any]) -> None:
    from klientura.audit import SYSTEM
    from klientura.conversations import bot as bots

    client, url, calls = served["client"], served["url"], served["calls"]
    _post(client, _update(500, 5005, "Старый разговор"))  # begun before the bot: people's, the fast path's
    with _store(url) as s:
        bots.set_bot(s, SYSTEM, "telegram", enabled=True, ask_phone=False, handover_words=[], handover_text="",
                     phone_text="")  # fmt: skip
        bots.add_rule(s, SYSTEM, "*", ["доставк"], "Доставляем за день")
    _post(client, _update(501, 5005, "Про доставку"))
    assert calls == {"fast": 2, "fell": 0}
    _post(client, _update(502, 5006, "Про доставку"))  # a new conversation: the bot's
    _post(client, _update(503, 5006, "А в выходные?"))  # no rule: handed over by the ORM path
    _post(client, _update(504, 5006, "Жду ответа"))  # a person's now: the fast path again
    assert calls == {"fast": 5, "fell": 2}
    rows = _rows(url, 5006)
    assert [m[:2] for m in rows["messages"]] == [("in", "Про доставку"), ("out", "Доставляем за день"),
        ("in", "А в выходные?"), ("out", bots.HANDOVER_TEXT), ("in", "Жду ответа")]  # fmt: skip


def test_with_a_routing_rule_a_new_persons_first_message_takes_the_orm_path(served: dict[str, Any]) -> None:
    from klientura import sales
    from klientura.audit import SYSTEM
    from klientura.auth import create_user

    client, url, calls = served["client"], served["url"], served["calls"]
    with _store(url) as s:
        seller = create_user(s, SYSTEM, "duty@t.local", "Duty", "manager", "password123").id
        sales.set_duty(s, SYSTEM, sales.Roster(conversations.sla_of(Settings()).calendar), seller,
                       hours="mon-sun 00:00-24:00", takes_requests=True)  # fmt: skip
        sales.set_rule(s, SYSTEM, "*", "round_robin", None)
    _post(client, _update(600, 5007, "Здравствуйте"))
    assert calls == {"fast": 1, "fell": 1}  # routed by the ORM path
    _post(client, _update(601, 5007, "Ещё вопрос"))  # a follow-up: the fast path's
    assert calls == {"fast": 2, "fell": 1}
    with _store(url) as s:
        assert s.scalars(select(Conversation.assignee_id).where(Conversation.peer == "5007")).one() == seller


def test_the_lane_leaves_a_wrong_secret_and_a_non_message_to_the_route(served: dict[str, Any]) -> None:
    client, calls = served["client"], served["calls"]
    wrong = client.post(
        "/hooks/telegram", json=_update(700, 5008, "x"), headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "hook.secret"
    edit = {"update_id": 701, "edited_message": {"message_id": 1, "text": "правка"}}
    assert _post(client, edit) == {"ok": True}  # not a person's new message: answered, dropped
    answered = client.post("/hooks/telegram", json=_update(702, 5008, "Привет"),
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})  # fmt: skip
    assert answered.status_code == 200 and answered.headers["x-content-type-options"] == "nosniff"  # the lane's
    assert calls == {"fast": 1, "fell": 0}


def test_a_vk_message_in_the_lane(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: Any) -> None:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the lane is PostgreSQL's")
    calls = {"fast": 0}
    fast = conversations.fast_receive

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls["fast"] += 1
        return await fast(*args, **kwargs)

    monkeypatch.setattr(conversations, "fast_receive", counted)
    event = {"type": "message_new", "event_id": "lane-1", "group_id": 1, "secret": "vk-lane",
             "object": {"message": {"id": 3, "date": 1, "from_id": 4343, "peer_id": 4343, "text": "Привет"}}}  # fmt: skip
    with fresh_store("postgresql", tmp_path) as url:
        settings = Settings(database_url=url, secret_key="k" * 40, warehouse_path=tmp_path / "w.duckdb",
                            vk_secret="vk-lane", vk_confirmation="conf", till_pool_size=2)  # fmt: skip
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            first = client.post("/hooks/vk", json=event)
            again = client.post("/hooks/vk", json=event)  # VK's retry
            confirmed = client.post("/hooks/vk", json={"type": "confirmation", "group_id": 1})
            wrong = client.post("/hooks/vk", json={**event, "event_id": "lane-2", "secret": "no"})
        assert (first.status_code, first.text, first.headers["content-type"].split(";")[0]) == (200, "ok", "text/plain")
        assert again.text == "ok" and confirmed.text == "conf" and wrong.status_code == 401
        assert calls["fast"] == 2  # the two message_new with the right secret, by the lane
        with _store(url) as s:
            assert [m.text for m in s.scalars(select(Message))] == ["Привет"]  # once
