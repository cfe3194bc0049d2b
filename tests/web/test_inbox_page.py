"""The inbox in Chromium (issue 19): a manager finds the Telegram conversation of their card in "Mine" with its
unread count, opens it (read by a POST), answers in place (HTMX: the answer appears queued for the chat, the outbox
has it), sees a new message arrive without reloading, and closes the conversation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from klientura import conversations
from klientura.audit import SYSTEM
from klientura.campaigns import OutboxEvent  # noqa: F401  (the outbox's tables are known to the session)
from klientura.campaigns.models import OutboxMessage
from klientura.conversations import Conversation, Inbound
from klientura.customers import CustomerIn, prepare, resolve
from klientura.db import make_session_factory, session_scope
from tests.factories import SHOP
from tests.web.conftest import login, shot, wait_until


def _telegram(url: str, update_id: int, text: str, chat: int = 9_000_001) -> int:
    inbound = Inbound(channel="telegram", peer=str(chat), provider_id=str(update_id), text=text,
                      identities={"telegram": str(chat)}, lead_channel="message")  # fmt: skip
    with session_scope(make_session_factory(url)) as s:
        talk, _m, _o = conversations.receive(s, SHOP, inbound, repeat_days=180)
        return talk.id


def test_a_manager_answers_in_the_inbox(page: Any, live: dict[str, Any]) -> None:
    url, base = live["url"], live["base"]
    with session_scope(make_session_factory(url)) as s:  # the manager's own card, known by Telegram
        resolve(s, SYSTEM, prepare(CustomerIn(telegram="9000001", full_name="Чатова Ирина",
                                              owner_id=live["ids"]["manager"]), shop=SHOP))  # fmt: skip
    talk_id = _telegram(url, 1, "Здравствуйте! Есть ли улун в наличии?")
    login(page, base, "manager@test.local")
    page.goto(f"{base}/inbox")
    row = page.locator(f"#conversation-{talk_id}")
    assert "Чатова Ирина" in row.inner_text() and row.locator(".badge").inner_text() == "1"
    row.locator("a").click()
    page.wait_for_selector("#messages")
    assert "Есть ли улун в наличии?" in page.inner_text("#messages")
    page.fill("#reply-form textarea", "Да, есть: Те Гуань Инь и Да Хун Пао")
    page.click("#reply-form button")
    wait_until(page, "document.querySelectorAll('#messages li.out').length === 1")
    assert "Да Хун Пао" in page.inner_text("#messages li.out")
    _telegram(url, 2, "Отлично, беру 2 кг")  # the person answers: the open conversation shows it by itself
    wait_until(page, "document.querySelectorAll('#messages li.in').length === 2", timeout=15)
    shot(page, "inbox")
    with session_scope(make_session_factory(url)) as s:
        sent = s.scalars(select(OutboxMessage).where(OutboxMessage.source == f"conversation:{talk_id}")).one()
        assert (sent.channel, sent.to, sent.text) == ("telegram", "9000001", "Да, есть: Те Гуань Инь и Да Хун Пао")
        assert s.get_one(Conversation, talk_id).assignee_id == live["ids"]["manager"]
    page.click("#close-conversation")
    page.wait_for_selector("#flash")
    assert page.locator(f"#conversation-{talk_id}").count() == 0
    with session_scope(make_session_factory(url)) as s:
        assert s.get_one(Conversation, talk_id).status == "closed"
