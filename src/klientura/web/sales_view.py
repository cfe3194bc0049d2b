"""What the deal page shows of its documents: lines, quotes, files, the timeline, and the words for their states."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klientura import conversations, sales
from klientura.kit.i18n import N_

QUOTE_STATUS = {
    "draft": N_("not sent"),
    "sent": N_("sent"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "superseded": N_("replaced"),
}
TIMELINE_KIND = {
    "created": N_("Created"),
    "stage": N_("Stage"),
    "change": N_("Change"),
    "task": N_("Task"),
    "task_done": N_("Task done"),
    "note": N_("Note"),
    "quote": N_("Quote"),
    "file": N_("File"),
    "order": N_("Order"),
    "lead": N_("Request"),
    "message": N_("Message"),
}


CHANGE_KIND = {
    "reassign": N_("handed over"),
    "probability": N_("probability set"),
    "amount": N_("amount changed"),
    "import": N_("imported"),
}


def plain(value: Decimal) -> str:
    """A quantity or a per cent as a form shows it: 10, 2.5, 0.125 (never 1E+1)."""
    return f"{value.normalize():f}"


def documents_of(session: Any, actor: Any, deal_id: int) -> dict[str, Any]:
    """What the deal page shows of its documents."""
    return {
        "lines": sales.lines_read(sales.deal_lines(session, actor, deal_id)),
        "quotes": sales.quotes_of(session, actor, deal_id),
        "files": sales.attachments_of(session, actor, deal_id=deal_id),
        "timeline": sorted(
            [
                *sales.deal_timeline(session, actor, deal_id),
                *conversations.timeline_entries(session, actor, deal_id=deal_id),
            ],
            key=lambda e: e.at,
            reverse=True,
        ),
        "quote_status": QUOTE_STATUS,
        "timeline_kind": TIMELINE_KIND,
        "change_kind": CHANGE_KIND,
        "plain": plain,
    }
