"""More bots and communities (issue 19): a second Telegram bot and a VK community added in the UI's terms get their
own webhooks (their secret checked; turned off, they refuse); a message to the second bot lands on the person's one
card in a conversation of that bot, and the answer goes out through that bot's token (a local peer playing the Bot
API); the VK community answers its confirmation with its own string."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import conversations, worker
from klientura.audit import SYSTEM
from klientura.conversations import Conversation
from klientura.db import utcnow
from klientura.kit.errors import KlienturaError
from tests.conversations.test_telegram import _update
from tests.conversations.test_vk import _event


@pytest.fixture
def hooked(app_factory: Any, key: str) -> Any:
    with TestClient(app_factory(), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def test_a_second_bot_answers_its_own_conversations(
    hooked: TestClient, app_session: Session, peer: Any, request: pytest.FixtureRequest
) -> None:
    state, url = peer
    kazan = conversations.add_account(app_session, SYSTEM, "telegram", "Казань", "777:kazan")
    app_session.commit()
    update = _update(1200, "Есть самовывоз?", chat=31337)
    assert hooked.post(f"/hooks/bots/telegram/{kazan.id}", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 401  # fmt: skip
    ok = hooked.post(
        f"/hooks/bots/telegram/{kazan.id}", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": kazan.secret}
    )
    assert ok.status_code == 200 and ok.json()["ok"]
    talk = app_session.scalars(select(Conversation)).one()
    assert (talk.channel, talk.peer) == ("telegram", f"{kazan.id}:31337")
    assert conversations.reply_route(talk) == (f"telegram:{kazan.id}", "31337")
    assert hooked.post(f"/api/v1/conversations/{talk.id}/messages", json={"text": "Да, до 21:00"}).status_code == 201
    state.script.append((200, {"ok": True, "result": {"message_id": 5}}, {}))
    found = conversations.account_channels(app_session, url, url)  # (the sender reads them through worker)
    for channel in found.values():
        request.addfinalizer(channel.close)
    assert set(found) == {f"telegram:{kazan.id}"}
    assert worker.deliver(app_session, found, lambda: utcnow() + timedelta(seconds=1))["sent"] == 1
    assert state.requests[-1][0] == "/bot777:kazan/sendMessage"  # the bot the person wrote to
    conversations.set_account_enabled(app_session, SYSTEM, kazan.id, False)
    app_session.commit()
    assert hooked.post(f"/hooks/bots/telegram/{kazan.id}", json=_update(1201, "ещё"),
                       headers={"X-Telegram-Bot-Api-Secret-Token": kazan.secret}).status_code == 404  # turned off  # fmt: skip


def test_a_vk_community_of_its_own(hooked: TestClient, app_session: Session) -> None:
    with pytest.raises(KlienturaError):  # a community needs its secret key and confirmation string
        conversations.add_account(app_session, SYSTEM, "vk", "Магазин на Ленина", "vk1.a.token")
    lenina = conversations.add_account(app_session, SYSTEM, "vk", "Магазин на Ленина", "vk1.a.token",
                                       secret="lenina-secret", confirmation="c0nf1rm")  # fmt: skip
    app_session.commit()
    confirmed = hooked.post(f"/hooks/bots/vk/{lenina.id}", json={"type": "confirmation", "group_id": 9})
    assert (confirmed.status_code, confirmed.text) == (200, "c0nf1rm")
    event = {**_event("v1", "Здравствуйте", user=515), "secret": "lenina-secret"}
    assert hooked.post(f"/hooks/bots/vk/{lenina.id}", json=event).text == "ok"
    assert hooked.post(f"/hooks/bots/vk/{lenina.id}", json={**event, "secret": "x"}).status_code == 401
    assert hooked.post(f"/hooks/bots/vk/{lenina.id + 1}", json=event).status_code == 404  # no such community
    talk = app_session.scalars(select(Conversation)).one()
    assert talk.peer == f"{lenina.id}:515" and conversations.reply_route(talk) == (f"vk:{lenina.id}", "515")
