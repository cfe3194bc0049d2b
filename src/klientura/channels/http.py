"""Channels over HTTP: a generic webhook and the Telegram Bot API.

Both keep one HTTP client (connections reused) and read the provider's answer the same way: 2xx sent; 429 and
5xx retry (after ``Retry-After``, or Telegram's ``retry_after``, when given); other 4xx failed — the provider
refused this message for good (a chat the bot cannot write to, a payload the receiver rejects). A network error
is a retry. The webhook passes the message's idempotency key as ``Idempotency-Key`` and signs the body
(``X-Klientura-Signature: sha256=<hex HMAC>``) when given a secret; the Bot API has no idempotency key, so a
message the worker sends again after a crash can reach a Telegram chat twice (the outbox keeps that window to
the moment between the provider's answer and the commit of its status).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx

from klientura.channels.base import DeliveryResult, OutgoingMessage


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _result(response: httpx.Response, provider_id: str | None, retry_after: float | None = None) -> DeliveryResult:
    code = response.status_code
    if 200 <= code < 300:
        return DeliveryResult("sent", provider_id=provider_id)
    error = f"HTTP {code}: {response.text[:300]}"
    if code == 429 or code >= 500:
        return DeliveryResult(
            "retry", error=error, retry_after=retry_after or _retry_after(response.headers.get("retry-after"))
        )
    return DeliveryResult("failed", error=error)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str | None = None  # signs each body with HMAC-SHA256
    timeout: float = 10.0


class WebhookChannel:
    """POSTs each message as JSON to one URL (the shop's own system, a CDP, a chat platform)."""

    kind = "webhook"

    def __init__(self, settings: WebhookSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout)

    def body(self, message: OutgoingMessage) -> bytes:
        return json.dumps(
            {
                "id": message.key,
                "to": message.to,
                "subject": message.subject,
                "text": message.text,
                "html": message.html,
                "unsubscribe_url": message.unsubscribe_url,
                "data": message.data,
            },
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        ).encode()

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        body = self.body(message)
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
        if self.settings.secret:
            digest = hmac.new(self.settings.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Klientura-Signature"] = f"sha256={digest}"
        try:
            response = self.client.post(self.settings.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return DeliveryResult("retry", error=f"{self.settings.url}: {exc}")
        found = _json(response).get("id")
        return _result(response, str(found) if found is not None else message.key)

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    base_url: str = "https://api.telegram.org"
    timeout: float = 10.0


class TelegramChannel:
    """``sendMessage`` of the Bot API to the customer's chat (``to`` is the chat id); HTML when the message has it."""

    kind = "telegram"

    def __init__(self, settings: TelegramSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout)

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        """The text, then each attached file by ``sendDocument`` (its caption the text when that is short: then one
        message in all)."""
        files = [f for f in message.data.get("attachments") or () if isinstance(f, dict)]
        text = message.html or message.text
        captioned = bool(files) and len(text) <= 1024
        if not captioned:
            payload: dict[str, Any] = {"chat_id": message.to, "text": text}
            if message.html:
                payload["parse_mode"] = "HTML"
            result = self._call("sendMessage", json=payload)
            if result.status != "sent" or not files:
                return result
        for n, item in enumerate(files):
            form = {"chat_id": message.to}
            if captioned and n == 0:
                form |= {"caption": text, **({"parse_mode": "HTML"} if message.html else {})}
            document = (str(item.get("name") or "file"), base64.b64decode(str(item.get("content") or "")),
                        str(item.get("type") or "application/octet-stream"))  # fmt: skip
            result = self._call("sendDocument", data=form, files={"document": document})
            if result.status != "sent":
                return result
        return result

    def _call(self, method: str, **request: Any) -> DeliveryResult:
        url = f"{self.settings.base_url.rstrip('/')}/bot{self.settings.token}/{method}"
        try:
            response = self.client.post(url, **request)
        except httpx.HTTPError as exc:
            return DeliveryResult("retry", error=f"Telegram: {type(exc).__name__}")  # the URL holds the token
        body = _json(response)
        sent = (body.get("result") or {}).get("message_id") if body.get("ok") else None
        wait = (body.get("parameters") or {}).get("retry_after")
        result = _result(response, str(sent) if sent is not None else None, float(wait) if wait else None)
        if result.error:  # the Bot API's own words, not the raw body
            said = str(body.get("description", ""))
            gone = response.status_code == 403 or "chat not found" in said.lower()  # blocked, kicked, deleted
            result = DeliveryResult(
                result.status,
                error=f"Telegram {response.status_code}: {said}",
                retry_after=result.retry_after,
                bounce=result.status == "failed" and gone,
            )
        return result

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class VkSettings:
    token: str  # the community's access token (messages allowed)
    base_url: str = "https://api.vk.com"
    version: str = "5.199"
    timeout: float = 10.0


# VK API errors worth another try: too many requests, flood control, internal error
VK_RETRY = {6, 9, 10}
VK_GONE = {7, 900, 901, 902}  # no permission, blacklisted, messages not allowed, privacy settings


def vk_random_id(key: str) -> int:
    """``random_id`` of ``messages.send`` from the message's idempotency key: VK drops a second message with the
    same one, so a message the worker sends again after a crash reaches the person once."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF


class VkChannel:
    """A community's message (``messages.send``) to a person's dialogue with it (``to`` is their peer id)."""

    kind = "vk"

    def __init__(self, settings: VkSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout)

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        to = message.to[2:] if message.to.startswith("id") and message.to[2:].isdigit() else message.to
        # a card's VK identity is kept as "id123" or a short name: a number is a dialogue, a name the person's page
        whom = {"peer_id": to} if to.lstrip("-").isdigit() else {"domain": to}
        attached = []
        for item in message.data.get("attachments") or ():  # each file uploaded as the dialogue's document first
            done = self._document(to, item) if isinstance(item, dict) and "peer_id" in whom else None
            if isinstance(done, DeliveryResult):
                return done
            if done:
                attached.append(done)
        form = {
            **whom,
            "message": message.text,
            "random_id": str(vk_random_id(message.key)),
            **({"attachment": ",".join(attached)} if attached else {}),
        }
        result, body = self._method("messages.send", form)
        return result or DeliveryResult("sent", provider_id=str(body["response"]))

    def _method(self, name: str, form: dict[str, str]) -> tuple[DeliveryResult | None, dict[str, Any]]:
        """A VK API method's answer (None and the body when it worked; else what to do)."""
        url = f"{self.settings.base_url.rstrip('/')}/method/{name}"
        try:
            response = self.client.post(url, data={**form, "access_token": self.settings.token,
                                                   "v": self.settings.version})  # fmt: skip
        except httpx.HTTPError as exc:
            return DeliveryResult("retry", error=f"VK: {type(exc).__name__}"), {}
        body = _json(response)
        if response.status_code == 200 and "response" in body:
            return None, body
        found = body.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        code, said = error.get("error_code"), str(error.get("error_msg", ""))[:300]
        if response.status_code >= 500 or response.status_code == 429 or code in VK_RETRY:
            return DeliveryResult("retry", error=f"VK {code}: {said}"), body
        return DeliveryResult("failed", error=f"VK {code}: {said}", bounce=code in VK_GONE), body

    def _document(self, peer: str, item: dict[str, Any]) -> str | DeliveryResult:
        """A file uploaded for the dialogue (docs.getMessagesUploadServer, the upload, docs.save): its
        ``doc<owner>_<id>`` for messages.send, or what went wrong."""
        failed, server = self._method("docs.getMessagesUploadServer", {"type": "doc", "peer_id": peer})
        if failed:
            return failed
        upload = str((server.get("response") or {}).get("upload_url") or "")
        name = str(item.get("name") or "file")
        content = base64.b64decode(str(item.get("content") or ""))
        try:
            sent = self.client.post(
                upload, files={"file": (name, content, str(item.get("type") or "application/octet-stream"))}
            )
        except httpx.HTTPError as exc:
            return DeliveryResult("retry", error=f"VK upload: {type(exc).__name__}")
        token = _json(sent).get("file")
        if sent.status_code != 200 or not token:
            return DeliveryResult("retry", error=f"VK upload {sent.status_code}")
        failed, saved = self._method("docs.save", {"file": str(token), "title": name[:128]})
        if failed:
            return failed
        doc = (saved.get("response") or {}).get("doc") or {}
        return f"doc{doc.get('owner_id')}_{doc.get('id')}"

    def close(self) -> None:
        self.client.close()
