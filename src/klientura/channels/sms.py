"""SMS through the HTTP gateways Russian shops use: SMS.ru and SMSC.ru, chosen and configured in settings.

Each gateway answers HTTP 200 and says in its JSON whether the message went, so each has its own reading of the
answer. Refusals that concern this number (invalid, unreachable, text forbidden for it) fail the message; the
account's troubles (no money, limits, the service down, a wrong key) are retried — the next attempt may pass once
someone tops up or fixes the key, and the recipient should not lose the message for it. SMSC.ru takes our id for
the message, so a copy sent after a crash is recognised by the gateway; SMS.ru has no such field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx2 as httpx

from klientura.channels.base import DeliveryResult, OutgoingMessage

# SMS.ru status codes that concern the number or the text (https://sms.ru/api/send): the rest are the account's
SMSRU_RECIPIENT_CODES = {202, 203, 204, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218}
# SMSC.ru error codes that concern the number or the text: 6 message forbidden, 7 wrong number, 8 undeliverable
SMSC_RECIPIENT_CODES = {6, 7, 8}
# of those, the ones that say the number itself is bad: SMS.ru 202 wrong number or no route, 207 the number may not
# be sent to; SMSC.ru 7 wrong number, 8 undeliverable to the number
SMSRU_BAD_NUMBER, SMSC_BAD_NUMBER = {202, 207}, {7, 8}


@dataclass(frozen=True)
class SmsSettings:
    provider: Literal["smsru", "smsc"]
    key: str  # SMS.ru api_id; SMSC.ru password or API key
    login: str = ""  # SMSC.ru login
    sender: str = ""  # the registered sender name
    base_url: str = ""  # the gateway's address; empty: the provider's own
    timeout: float = 10.0


class SmsChannel:
    kind = "sms"

    def __init__(self, settings: SmsSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout)

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        s = self.settings
        phone = message.to.lstrip("+")
        if s.provider == "smsru":
            url = f"{s.base_url or 'https://sms.ru'}/sms/send"
            form = {"api_id": s.key, "to": phone, "msg": message.text, "json": "1"}
        else:
            url = f"{s.base_url or 'https://smsc.ru'}/sys/send.php"
            form = {
                "login": s.login,
                "psw": s.key,
                "phones": phone,
                "mes": message.text,
                "fmt": "3",
                "charset": "utf-8",
                "id": message.key[:40],
            }
        if s.sender:
            form["from" if s.provider == "smsru" else "sender"] = s.sender
        try:
            response = self.client.post(url, data=form)
        except httpx.HTTPError as exc:
            return DeliveryResult("retry", error=f"{s.provider}: {type(exc).__name__}")  # the URL may hold the key
        if response.status_code != 200:
            return DeliveryResult("retry", error=f"{s.provider}: HTTP {response.status_code}")
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            return DeliveryResult("retry", error=f"{s.provider}: not JSON: {response.text[:200]}")
        return _smsru(body, phone) if s.provider == "smsru" else _smsc(body)

    def close(self) -> None:
        self.client.close()


def _smsru(body: dict[str, Any], phone: str) -> DeliveryResult:
    one = (body.get("sms") or {}).get(phone) or body
    if body.get("status") == "OK" and one.get("status") == "OK":
        return DeliveryResult("sent", provider_id=str(one.get("sms_id")))
    code = int(one.get("status_code") or 0)
    error = f"sms.ru {code}: {one.get('status_text', '')}"
    return DeliveryResult(
        "failed" if code in SMSRU_RECIPIENT_CODES else "retry", error=error, bounce=code in SMSRU_BAD_NUMBER
    )


def _smsc(body: dict[str, Any]) -> DeliveryResult:
    if "error" not in body and "id" in body:
        return DeliveryResult("sent", provider_id=str(body["id"]))
    code = int(body.get("error_code") or 0)
    error = f"smsc.ru {code}: {body.get('error', '')}"
    return DeliveryResult(
        "failed" if code in SMSC_RECIPIENT_CODES else "retry", error=error, bounce=code in SMSC_BAD_NUMBER
    )
