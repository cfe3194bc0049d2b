"""The webhook and Telegram adapters against a local HTTP server playing the receiver and the Bot API."""

from __future__ import annotations

import hashlib
import hmac
import json

from klientura.channels import OutgoingMessage, TelegramChannel, TelegramSettings, WebhookChannel, WebhookSettings
from tests.channels.conftest import Peer

MESSAGE = OutgoingMessage(
    key="c7-r42", to="+79161234567", subject="Скидка", text="Анна, −20% до воскресенья", data={"campaign": 7}
)


def test_a_webhook_gets_the_message_signed_with_its_idempotency_key(peer: tuple[Peer, str]) -> None:
    state, url = peer
    state.script = [(201, {"id": "ext-9"}, {})]
    channel = WebhookChannel(WebhookSettings(url=f"{url}/hook", secret="s3cret"))
    result = channel.send(MESSAGE)
    channel.close()
    assert result.ok and result.provider_id == "ext-9"
    path, headers, body = state.requests[0]
    assert path == "/hook" and headers["idempotency-key"] == "c7-r42"
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-klientura-signature"] == f"sha256={expected}"
    sent = json.loads(body)
    assert sent["id"] == "c7-r42" and sent["text"] == "Анна, −20% до воскресенья" and sent["data"] == {"campaign": 7}


def test_a_webhook_answer_decides_retry_or_failure(peer: tuple[Peer, str]) -> None:
    state, url = peer
    state.script = [(429, {}, {"Retry-After": "7"}), (503, {}, {}), (422, {"error": "unknown customer"}, {})]
    channel = WebhookChannel(WebhookSettings(url=url))
    throttled, down, refused = (channel.send(MESSAGE) for _ in range(3))
    assert throttled.status == "retry" and throttled.retry_after == 7
    assert down.status == "retry" and "503" in (down.error or "")
    assert refused.status == "failed" and "unknown customer" in (refused.error or "")
    channel.close()
    gone = WebhookChannel(WebhookSettings(url="http://127.0.0.1:9/", timeout=2)).send(MESSAGE)  # nothing listens
    assert gone.status == "retry" and gone.error


def test_telegram_send_message_html_and_the_bot_apis_refusals(peer: tuple[Peer, str]) -> None:
    state, url = peer
    state.script = [
        (200, {"ok": True, "result": {"message_id": 321}}, {}),
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 5",
                "parameters": {"retry_after": 5},
            },
            {},
        ),
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, {}),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, {}),
    ]
    channel = TelegramChannel(TelegramSettings(token="123:ABC", base_url=url))
    html = OutgoingMessage(key="k", to="555", text="plain", html="<b>Анна</b>, ваши баллы")
    sent, throttled, blocked, too_long = (channel.send(html) for _ in range(4))
    channel.close()
    assert sent.ok and sent.provider_id == "321"
    path, _headers, body = state.requests[0]
    assert path == "/bot123:ABC/sendMessage"
    assert json.loads(body) == {"chat_id": "555", "text": "<b>Анна</b>, ваши баллы", "parse_mode": "HTML"}
    assert throttled.status == "retry" and throttled.retry_after == 5
    assert blocked.status == "failed" and "blocked by the user" in (blocked.error or "")
    assert blocked.bounce and not throttled.bounce  # the chat is gone for good: a hard bounce
    assert too_long.status == "failed" and not too_long.bounce  # the message's fault, not the chat's
    assert "123:ABC" not in (blocked.error or "")
