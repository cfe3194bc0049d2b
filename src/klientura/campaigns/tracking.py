"""What comes back from a message: the one-click unsubscribe, the open pixel and tracked clicks of e-mails.

At launch an e-mail's HTML gets its links rewritten to pass through us (``/t/c/<token>``, the token signing the
message's key and the destination, so nobody can turn us into an open redirect) and a 1x1 image (``/t/o/<token>``).
The first open and the first click of each message become events (``message_opened``, ``message_clicked``, source
``tracking``, external id ``opened:<key>`` / ``clicked:<key>``) — the report counts them. Opens are a lower bound:
mail clients that block images never report one.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from sqlalchemy import select

from klientura.audit import Actor
from klientura.campaigns.errors import LINK_DAMAGED
from klientura.campaigns.links import Links
from klientura.campaigns.models import OutboxMessage
from klientura.customers import Given, set_consent
from klientura.db import Session
from klientura.events import EventIn, record_known_event
from klientura.kit.errors import ValidationFailed

TRACKER = Actor(type="system", id=None, name="tracking", role="admin")
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


def tracked(html: str, key: str, links: Links) -> str:
    """``html`` with its http(s) links passing through the click tracker and the open pixel before ``</body>``."""
    base = links.base_url.rstrip("/")

    def through(m: re.Match[str]) -> str:
        url = m.group(3).replace("&amp;", "&")
        token = links.sign(key + "\n" + url)
        return f"{m.group(1)}{m.group(2)}{base}/t/c/{token}{m.group(2)}"

    out = _HREF.sub(through, html)
    pixel = f'<img src="{escape(base)}/t/o/{links.sign(key)}" width="1" height="1" alt="" style="display:none">'
    at = out.lower().rfind("</body>")
    return out[:at] + pixel + out[at:] if at >= 0 else out + pixel


def _event(session: Session, key: str, kind: str, at: datetime, url: str | None = None) -> None:
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).first()
    if message is None:
        return  # a message since deleted: nothing to attach it to, and nothing to tell the reader
    payload = {"message": key, "source": message.source, **({"url": url} if url else {})}
    record_known_event(
        session,
        TRACKER,
        EventIn(
            type=f"message_{kind}",
            customer_id=message.customer_id,
            channel=message.channel,
            payload=payload,
            occurred_at=at,
            source="tracking",
            external_id=f"{kind}:{key}"[:128],
        ),
    )


def opened(session: Session, links: Links, token: str, at: datetime) -> None:
    _event(session, links.read(token), "opened", at)


def clicked(session: Session, links: Links, token: str, at: datetime) -> str:
    """Where to send the reader on; the click recorded (a click is also an open)."""
    key, _, url = links.read(token).partition("\n")
    if not url.startswith(("http://", "https://")):
        raise ValidationFailed(LINK_DAMAGED)
    _event(session, key, "opened", at)
    _event(session, key, "clicked", at, url)
    return url


def unsubscribe(session: Session, links: Links, token: str, at: datetime) -> tuple[int, str]:
    """Withdraw the consent the link was sent under; (customer id, channel). Repeating it changes nothing."""
    customer_id, channel = links.unsubscriber(token)
    set_consent(
        session,
        Actor(type="system", id=None, name="unsubscribe link", role="admin"),
        customer_id,
        channel,
        False,
        Given("unsubscribe", at=at, explicit=True, place="the unsubscribe link of a message"),
    )
    record_known_event(
        session,
        TRACKER,
        EventIn(
            type="unsubscribed",
            customer_id=customer_id,
            channel=channel,
            occurred_at=at,
            source="tracking",
            external_id=f"unsubscribed:{customer_id}:{channel}:{at:%Y%m%d}",
        ),
    )
    return customer_id, channel
