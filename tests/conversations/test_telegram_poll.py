"""Telegram by long polling (issue 19): for a server the Bot API cannot reach, ``getUpdates`` (a local peer playing
the Bot API) brings the updates, each lands once on its card and conversation, the offset moves past them (and a
repeat of an update after a crash lands once); a bot with a webhook set is refused with the reason."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura.conversations import Message
from klientura.worker import PollRefused, poll_once
from tests.factories import SHOP


def _update(update_id: int, text: str) -> dict[str, Any]:
    sender = {"id": 42, "is_bot": False, "first_name": "Пётр"}
    return {"update_id": update_id, "message": {"message_id": update_id, "from": sender,
                                                "chat": {"id": 42, "type": "private"}, "date": 1, "text": text}}  # fmt: skip


def test_updates_by_long_polling(app_factory: Any, app_session: Session, peer: Any) -> None:
    state, url = peer
    state.script += [
        (200, {"ok": True, "result": [_update(10, "Здравствуйте"), _update(11, "Есть опт?")]}, {}),
        (200, {"ok": True, "result": [_update(11, "Есть опт?")]}, {}),  # the same again: the offset was lost
        (409, {"ok": False, "description": "Conflict: can't use getUpdates method while webhook is active"}, {}),
    ]
    factory = app_factory.session_factory
    with httpx.Client() as client:
        kw: dict[str, Any] = {"base_url": url, "token": "1:t", "shop": SHOP, "repeat_days": 180, "sla": None, "wait": 0}
        offset, landed = poll_once(factory, client, offset=None, **kw)
        assert (offset, landed) == (12, 2)
        offset, landed = poll_once(factory, client, offset=offset, **kw)
        assert offset == 12
        with pytest.raises(PollRefused, match="webhook is active"):
            poll_once(factory, client, offset=offset, **kw)
    app_session.expire_all()
    assert app_session.scalar(select(func.count()).select_from(Message)) == 2  # each once
    paths = [(p, json.loads(b)) for p, _h, b in state.requests]
    assert paths[0] == ("/bot1:t/getUpdates", {"timeout": 0, "allowed_updates": ["message"]})
    assert paths[1][1]["offset"] == 12


def test_a_bot_added_in_the_ui_polled_into_its_own_conversations(
    app_factory: Any, app_session: Session, peer: Any
) -> None:
    from klientura import conversations
    from klientura.audit import SYSTEM
    from klientura.conversations import Conversation

    state, url = peer
    kazan = conversations.add_account(app_session, SYSTEM, "telegram", "Казань", "777:kazan")
    app_session.commit()
    assert conversations.hook_token(app_session, kazan.id) == "777:kazan"
    state.script.append((200, {"ok": True, "result": [_update(20, "Привет")]}, {}))
    with httpx.Client() as client:
        poll_once(app_factory.session_factory, client, base_url=url, token="777:kazan", offset=None, shop=SHOP,
                  repeat_days=180, sla=None, wait=0, account=kazan.id)  # fmt: skip
    assert state.requests[-1][0] == "/bot777:kazan/getUpdates"
    app_session.expire_all()
    assert app_session.scalars(select(Conversation.peer)).all() == [f"{kazan.id}:42"]
    conversations.set_account_enabled(app_session, SYSTEM, kazan.id, False)
    assert conversations.hook_token(app_session, kazan.id) is None
