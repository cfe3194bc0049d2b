"""The bot's page in Chromium (issue 19): an admin turns the Telegram bot on and adds a rule; a person's message
about delivery is answered by it in the conversation, marked as the bot's."""

from __future__ import annotations

from typing import Any

from klientura import conversations
from klientura.conversations import Inbound
from klientura.db import make_session_factory, session_scope
from tests.factories import SHOP
from tests.web.conftest import login, shot


def test_an_admin_sets_up_the_bot(page: Any, live: dict[str, Any]) -> None:
    base, url = live["base"], live["url"]
    login(page, base, "admin@test.local")
    page.goto(f"{base}/inbox")
    page.click("#bot-settings")
    page.check("#bot-telegram input[name=enabled]")
    page.click("#bot-telegram button")
    page.wait_for_selector("#bot-telegram .badge.launched")
    page.fill("#rule-form input[name=keywords]", "доставк, привез")
    page.fill("#rule-form textarea[name=answer]", "Доставляем за 1–2 дня")
    page.click("#rule-form button")
    page.wait_for_selector("#rules td:has-text('доставк, привез')")
    page.fill("#rule-form input[name=keywords]", " , ")
    page.fill("#rule-form textarea[name=answer]", "x")
    page.click("#rule-form button")
    page.wait_for_selector(".flash.error")
    page.fill("#account-form input[name=name]", "Казань")
    page.fill("#account-form input[name=token]", "777:kazan")
    page.click("#account-form button")
    page.wait_for_selector("#accounts td:has-text('Казань')")
    assert "/hooks/bots/telegram/" in page.inner_text("#accounts")
    shot(page, "inbox-bot")
    inbound = Inbound(channel="telegram", peer="9100", provider_id="bot-1", text="Когда привезёте?",
                      identities={"telegram": "9100"}, lead_channel="message")  # fmt: skip
    with session_scope(make_session_factory(url)) as s:
        talk, _m, _o = conversations.receive(s, SHOP, inbound, repeat_days=180)
        talk_id = talk.id
    page.goto(f"{base}/inbox?box=all&c={talk_id}")
    page.wait_for_selector("#messages li.out")
    assert "Доставляем за 1–2 дня" in page.inner_text("#messages li.out")
    assert "бот" in page.inner_text("#messages li.out") or "bot" in page.inner_text("#messages li.out")


def test_a_quick_reply_and_a_file_in_the_answer(page: Any, live: dict[str, Any], tmp_path: Any) -> None:
    base, url = live["base"], live["url"]
    login(page, base, "admin@test.local")
    page.goto(f"{base}/inbox/bot")
    page.fill("#quick-form input[name=title]", "Доставка")
    page.fill("#quick-form textarea[name=text]", "{{ name }}, доставим завтра с 10 до 18.")
    page.click("#quick-form button")
    page.wait_for_selector("#quick td:has-text('Доставка')")
    inbound = Inbound(channel="telegram", peer="9200", provider_id="quick-1", text="Когда доставка?",
                      identities={"telegram": "9200", "first_name": "Вера"}, lead_channel="message")  # fmt: skip
    with session_scope(make_session_factory(url)) as s:
        talk, _m, _o = conversations.receive(s, SHOP, inbound, repeat_days=180)
        talk_id = talk.id
    page.goto(f"{base}/inbox?box=all&c={talk_id}")
    page.wait_for_selector("select.quick-replies")
    page.select_option("select.quick-replies", label="Доставка")
    assert page.input_value("#reply-text") == "Вера, доставим завтра с 10 до 18."
    sheet = tmp_path / "прайс.pdf"
    sheet.write_bytes(b"%PDF-1.4 price")
    page.set_input_files("#reply-form input[type=file]", str(sheet))
    page.click("#reply-form button")
    page.wait_for_selector("#messages li.out a[download]")  # (the bot, still on from the test before, spoke first)
    assert "прайс.pdf" in page.inner_text("#messages li.out:has(a[download])")
    shot(page, "inbox-quick-reply")
