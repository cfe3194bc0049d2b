"""Links a message carries back to us, signed so nobody can forge them for someone else: the one-click
unsubscribe (RFC 8058) and, for e-mail, the open pixel and tracked clicks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from klientura.campaigns.errors import LINK_DAMAGED, LINK_FOREIGN
from klientura.kit.errors import ValidationFailed


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Links:
    base_url: str  # where this Klientura is reachable from the recipients' side, e.g. https://crm.shop.ru
    secret: str

    def sign(self, payload: str) -> str:
        mac = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).digest()[:12]
        return f"{_b64(payload.encode())}.{_b64(mac)}"

    def read(self, token: str) -> str:
        """The payload of a token we signed; a forged or damaged one is refused."""
        try:
            body, mac = token.split(".", 1)
            payload = _unb64(body).decode()
            good = hmac.compare_digest(
                _unb64(mac), hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).digest()[:12]
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationFailed(LINK_DAMAGED) from exc
        if not good:
            raise ValidationFailed(LINK_FOREIGN)
        return payload

    def unsubscribe(self, customer_id: int, channel: str) -> str:
        return f"{self.base_url.rstrip('/')}/u/{self.sign(f'{customer_id}:{channel}')}"

    def survey(self, kind: str, customer_id: int, about: str = "", source: str = "") -> str:
        """The personal link to a survey (``nps`` or ``csat``) about an order (``order:<id>``) or nothing, sent by
        a scenario or a campaign (``source``): answered on a page without signing in."""
        return f"{self.base_url.rstrip('/')}/survey/{self.sign(survey_payload(kind, customer_id, about, source))}"

    def surveyed(self, token: str) -> tuple[str, int, str, str]:
        """(kind, customer id, about, source) of a survey link's token."""
        kind, cid, about, source = ([*self.read(token).split("|"), "", "", "", ""])[:4]
        if kind not in SURVEYS or not cid.isdigit():
            raise ValidationFailed(LINK_DAMAGED)
        return kind, int(cid), about, source

    def unsubscriber(self, token: str) -> tuple[int, str]:
        """(customer id, channel) of an unsubscribe token."""
        cid, _, channel = self.read(token).partition(":")
        if not cid.isdigit() or not channel:
            raise ValidationFailed(LINK_DAMAGED)
        return int(cid), channel


SURVEYS = ("nps", "csat")


def survey_payload(kind: str, customer_id: int, about: str, source: str) -> str:
    return f"{kind}|{customer_id}|{about}|{source}"


SAMPLE = "sample"  # the unsubscribe token of a preview's or a test message's link: it unsubscribes nobody


@dataclass(frozen=True)
class SampleLinks(Links):
    """The links of a preview or a test send: the unsubscribe link leads to a page saying it is a sample (a marketer
    who clicks it in their test message must not unsubscribe the customer it was rendered for)."""

    def unsubscribe(self, customer_id: int, channel: str) -> str:
        return f"{self.base_url.rstrip('/')}/u/{SAMPLE}"

    def survey(self, kind: str, customer_id: int, about: str = "", source: str = "") -> str:
        return f"{self.base_url.rstrip('/')}/survey/{SAMPLE}"
