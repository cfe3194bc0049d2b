"""Cards merged, points kept: the merged card's loyalty account goes to the survivor — whole when the survivor
has none, entry by entry into the survivor's account when it has one (lots keep their expiry, debts stay debts,
the balance is the sum of both). Undoing the merge moves them back, unless points of the moved lots have been
used on the survivor's account since: then the undo is refused with the reason (correct by an adjustment)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update

from klientura.db import Session
from klientura.kit.errors import Conflict
from klientura.loyalty import holdings
from klientura.loyalty.accounts import find_account
from klientura.loyalty.errors import MERGE_UNDO_AFTER_USE
from klientura.loyalty.models import Allocation, LedgerEntry


class LoyaltyMerge:
    key = "loyalty"

    def move(self, session: Session, survivor_id: int, merged_id: int) -> Any:
        theirs = find_account(session, merged_id)
        if theirs is None:
            return None
        holdings.lock(session, theirs.id)
        ours = find_account(session, survivor_id)
        if ours is not None:
            holdings.lock(session, ours.id)
        if ours is None:
            theirs.customer_id = survivor_id
            session.flush()
            return {"account": theirs.id}
        ids = list(session.scalars(select(LedgerEntry.id).where(LedgerEntry.account_id == theirs.id)))
        session.execute(update(LedgerEntry).where(LedgerEntry.id.in_(ids)).values(account_id=ours.id))
        session.flush()
        return {"entries": ids, "from": theirs.id, "to": ours.id}

    def undo(self, session: Session, survivor_id: int, merged_id: int, saved: Any) -> None:
        if not saved:
            return
        if "account" in saved:
            acc = holdings.lock(session, saved["account"])
            acc.customer_id = merged_id
            session.flush()
            return
        ids = saved["entries"]
        mine, theirs = Allocation.entry_id.in_(ids), Allocation.lot_id.in_(ids)
        crossing = session.scalar(select(Allocation.id).where(or_(mine & ~theirs, theirs & ~mine)).limit(1))
        if crossing is not None:
            raise Conflict(MERGE_UNDO_AFTER_USE)
        holdings.lock(session, saved["from"])
        holdings.lock(session, saved["to"])
        session.execute(update(LedgerEntry).where(LedgerEntry.id.in_(ids)).values(account_id=saved["from"]))
        session.flush()
