"""Events' part in privacy: a form's or a site's payload can hold anything a person typed; on erasure it goes (the
event — its type, channel, time — stays for the analytics)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update

from klientura.db import Session
from klientura.events.models import Event


def erase_payloads(session: Session, customer_ids: Sequence[int]) -> int:
    done = session.execute(update(Event).where(Event.customer_id.in_(customer_ids)).values(payload={}))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
