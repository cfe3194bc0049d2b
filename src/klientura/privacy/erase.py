"""Erasing a person (the right to erasure), irreversibly: their cards pseudonymised (klientura.customers.erasure),
and what identified them scrubbed wherever else it was kept — the messages sent to them, their events' payloads,
the conversations with them (where replies went, what was written), the rows of import files that named them, the audit log's before/after of their cards. Orders, the points ledger
and the analytics keep their ids, so every sum, report and the ledger's proof still hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from klientura import audit, campaigns, conversations, customers, dedup, events, imports
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import CUSTOMER_ERASED
from klientura.db import Session
from klientura.kit.errors import Conflict


def erase_person(session: Session, actor: Actor, customer_id: int, at: datetime) -> dict[str, Any]:
    """Erase the person whose card this is; what was done, counted (no personal data in it)."""
    require(actor, "users:admin")  # irreversible, and across every domain: an administrator's act
    card = customers.get_customer(session, actor, customer_id, follow_merge=False)
    if card.erased_at is not None:
        raise Conflict(CUSTOMER_ERASED, id=card.id)
    erased = customers.erase_cards(session, actor, card.id, at)

    def scrub(value: Any) -> Any:
        return customers.scrubbed(value, erased.texts)

    # a rejected row is the person's when one of its cells is one of their identities (a phone however written,
    # an e-mail): a name alone is anyone's, and other people's rows are not touched
    mails = {t.lower() for t in erased.identities if "@" in t}
    phones = {d[-10:] for d in (_digits(t) for t in erased.identities) if len(d) >= 10}

    def concerns(raw: Any) -> bool:
        cells = [str(v).strip() for v in (raw or {}).values() if v not in (None, "")]
        return any(c.lower() in mails or (len(d := _digits(c)) >= 10 and d[-10:] in phones) for c in cells)

    for cid in erased.cards:
        dedup.forget_pairs_of(session, cid)
    done = {
        "cards": erased.cards,
        "messages": campaigns.erase_messages(session, erased.cards),
        "conversations": conversations.erase_conversations(session, erased.cards),
        "events": events.erase_payloads(session, erased.cards),
        "import_rows": imports.scrub_rejections(session, concerns, scrub),
        "audit_entries": audit.scrub_entries(session, "customer", erased.cards, scrub),
    }
    record(session, actor, "customer.erase", "customer", card.id, None, done)
    return done


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
