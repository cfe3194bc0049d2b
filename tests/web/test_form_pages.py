"""Web forms in Chromium (issue 19): the hosted page and the embedding script on another site (its own origin,
allowed by the form's CORS list) — each drawn, filled by a person, refused while the consent box is empty, sent,
thanked; the request on the card with the page's UTM tags."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from klientura import conversations
from klientura.audit import SYSTEM
from klientura.conversations import Conversation, FormIn
from klientura.db import make_session_factory, session_scope
from klientura.sales import Lead
from tests.web.conftest import shot, wait_until


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    """Another site (its own port: its own origin) whose page embeds the form; the form's address is set later."""
    embed: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                "<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>Чайный опт</title></head><body>"
                "<h1>Чайный опт</h1>" + embed[0] + "</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", embed
    finally:
        server.shutdown()
        server.server_close()


def _form(url: str, **extra: Any) -> conversations.Form:
    with session_scope(make_session_factory(url)) as s:
        form = conversations.create_form(s, SYSTEM, FormIn(name="Заявка на опт", **extra))
        s.expunge(form)
        return form


def _lead_of(url: str, conversation_peer: str) -> Lead:
    with session_scope(make_session_factory(url)) as s:
        talk = s.scalars(select(Conversation).where(Conversation.peer == conversation_peer)).one()
        lead = s.get_one(Lead, talk.lead_id)
        s.expunge(lead)
        return lead


def test_the_hosted_form(page: Any, live: dict[str, Any]) -> None:
    form = _form(live["url"], consent_text="Согласен на обработку персональных данных", consent_version="v1")
    page.goto(f"{live['base']}/f/{form.key}")
    page.fill("input[name=name]", "Котова Алина")
    page.fill("input[name=phone]", "+7 916 321-00-01")
    page.fill("textarea[name=comment]", "Нужен прайс на пуэр")
    shot(page, "form_hosted")
    time.sleep(2.1)  # a person takes longer than the timing token's two seconds
    page.click("button[type=submit]")  # the consent box is required: the browser keeps the form
    assert page.url.endswith(f"/f/{form.key}")
    page.check("input[name=_consent]")
    page.click("button[type=submit]")
    page.wait_for_selector("#form-thanks")
    shot(page, "form_hosted_thanks")
    assert "Спасибо" in page.inner_text("#form-thanks")
    assert _lead_of(live["url"], "+79163210001").text == "Нужен прайс на пуэр"


def test_the_form_embedded_on_another_site(page: Any, live: dict[str, Any], site: tuple[str, list[str]]) -> None:
    origin, embed = site
    form = _form(live["url"], origins=[origin], thanks="Спасибо! Перезвоним за 15 минут")
    embed.append(
        f'<div data-klientura-form="{live["base"]}/f/{form.key}"></div>'
        f'<script src="{live["base"]}/static/form-embed.js" async></script>'
    )
    page.goto(f"{origin}/opt?utm_source=yandex&utm_campaign=puer&yclid=42")
    page.wait_for_selector("form.klientura-form")
    page.fill("form.klientura-form input[name=name]", "Лебедев Иван")
    page.fill("form.klientura-form input[name=email]", "ivan@tea.example")
    shot(page, "form_embedded")
    time.sleep(2.1)
    page.click("form.klientura-form button[type=submit]")
    page.wait_for_selector(".klientura-form-thanks")
    assert page.inner_text(".klientura-form-thanks") == "Спасибо! Перезвоним за 15 минут"
    lead = _lead_of(live["url"], "ivan@tea.example")
    assert (lead.channel, lead.utm_source, lead.utm_campaign) == ("form", "yandex", "puer")
    wait_until(page, "document.querySelector('form.klientura-form') === null")


def test_a_marketer_makes_a_form_in_the_ui(page: Any, live: dict[str, Any]) -> None:
    from tests.web.conftest import login

    login(page, live["base"], "admin@test.local")
    page.goto(f"{live['base']}/forms")
    page.fill("#new-form input[name=name]", "Оптовый запрос")
    page.check("input[name=req_phone]")
    page.fill("input[name=custom_1]", "Компания")
    page.fill("textarea[name=consent_text]", "Согласен на обработку персональных данных")
    page.fill("input[name=consent_version]", "v7")
    page.fill("textarea[name=origins]", "https://shop.example")
    page.click("#new-form button.primary")
    page.wait_for_selector("#flash")
    shot(page, "forms")
    card = page.locator(".card", has_text="Оптовый запрос").first
    snippet = card.locator("textarea.snippet").input_value()
    assert 'data-klientura-form="' in snippet and "/static/form-embed.js" in snippet
    address = snippet.split('data-klientura-form="')[1].split('"')[0]
    page.goto(address)
    assert page.locator("input[name=extra_1]").count() == 1 and "Компания" in page.inner_text("#public-form")
    assert page.locator("input[name=phone][required]").count() == 1
    assert "Согласен на обработку персональных данных" in page.inner_text("#public-form")
