"""Hard bounces: an address that cannot take messages — no such mailbox, a wrong number, a chat that blocked the
bot. The provider's answer marks the card's identity (when and why); campaigns and scenarios pass the address by
(the customer gets another channel, or is skipped with the reason) until someone clears the mark — the customer
says the mailbox works again. A new address is a new identity, unmarked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from klientura.audit import SYSTEM, Actor, record
from klientura.customers.models import Identity
from klientura.customers.service import identity_for_write
from klientura.db import Session

KIND_OF_CHANNEL = {"email": "email", "sms": "phone", "telegram": "telegram", "vk": "vk"}


def mark_bounced(session: Session, channel: str, address: str, reason: str, at: datetime) -> bool:
    """Mark the identity behind ``address`` on ``channel`` as bounced (the first bounce's time and reason stay);
    whether there was such an identity (a test send goes to addresses of no card)."""
    kind = KIND_OF_CHANNEL.get(channel)
    if kind is None:
        return False
    identity = session.scalars(select(Identity).where(Identity.kind == kind, Identity.value == address)).first()
    if identity is None:
        return False
    if identity.bounced_at is None:
        identity.bounced_at, identity.bounce_reason = at, reason[:300]
        session.flush()
        record(
            session,
            SYSTEM,
            "identity.bounced",
            "customer",
            identity.customer_id,
            None,
            {"kind": kind, "value": address, "reason": reason[:300]},
        )
    return True


def clear_bounce(session: Session, actor: Actor, customer_id: int, identity_id: int) -> Identity:
    """Take the mark off (the customer says the address works again): campaigns use it from now on."""
    identity = identity_for_write(session, actor, customer_id, identity_id)
    if identity.bounced_at is not None:
        before = {"bounced_at": identity.bounced_at.isoformat(), "bounce_reason": identity.bounce_reason}
        identity.bounced_at = identity.bounce_reason = None
        session.flush()
        record(
            session,
            actor,
            "identity.bounce_cleared",
            "customer",
            customer_id,
            before,
            {"kind": identity.kind, "value": identity.value},
        )
    return identity
