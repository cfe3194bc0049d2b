"""A test send: the message a chosen customer would get, sent now to the marketer's own address.

The address is checked as one of the channel's (an e-mail, a phone read in the shop's region, a Telegram chat);
the message is marked a test, so it counts in no cap and no report.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.campaigns.errors import TEST_BAD_ADDRESS, TEST_WITHOUT_ADDRESS, UNKNOWN_CHANNEL
from klientura.campaigns.launch import Sending, preview
from klientura.campaigns.outbox import Draft, enqueue
from klientura.db import Session
from klientura.kit.channels import SEND_CHANNELS
from klientura.kit.emails import normalize_email
from klientura.kit.errors import ValidationFailed
from klientura.kit.phones import normalize_phone


def test_send(
    session: Session,
    actor: Actor,
    campaign_id: int,
    customer_id: int,
    to: str,
    channel: str,
    now: datetime,
    sending: Sending,
    region: str,
    variant: str | None = None,
) -> int:
    """The message this customer would get, sent now to ``to`` (the marketer's own address, checked as an address of
    the channel; a phone read in the shop's ``region``) over ``channel``; it is marked a test (not counted in caps or
    reports). The outbox id."""
    require(actor, "campaigns:write")
    if channel not in SEND_CHANNELS:
        raise ValidationFailed(UNKNOWN_CHANNEL, field="channel", value=channel)
    to = _test_address(to, channel, region)
    shown = preview(session, actor, campaign_id, customer_id, now, sending, variant)
    (message,) = enqueue(
        session,
        [
            Draft(
                key=f"test:{campaign_id}:{secrets.token_hex(6)}",
                channel=channel,
                to=to,
                source="test",
                subject=f"[TEST] {shown.subject}" if channel == "email" else "",
                text=shown.text,
                html=shown.html if channel == "email" else None,
            )
        ],
        now,
    )
    record(
        session,
        actor,
        "campaign.test_send",
        "campaigns",
        campaign_id,
        None,
        {"customer_id": customer_id, "to": to, "channel": channel, "variant": shown.variant},
    )
    return message.id


_CHAT = re.compile(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")  # a Telegram chat id or a public @username
_REFERENCE = re.compile(r"[^\x00-\x1f\x7f]{1,200}")  # a webhook's customer reference: one line of text


def _test_address(raw: str, channel: str, region: str) -> str:
    """The address a test goes to, as the channel writes it; anything else is a 422 naming it."""
    to = raw.strip()
    if not to:
        raise ValidationFailed(TEST_WITHOUT_ADDRESS, field="to")
    if channel == "email":
        return normalize_email(to)
    if channel == "sms":
        return normalize_phone(to, region)
    if not (_CHAT if channel == "telegram" else _REFERENCE).fullmatch(to):
        raise ValidationFailed(TEST_BAD_ADDRESS, field="to", value=to, channel=channel)
    return to
