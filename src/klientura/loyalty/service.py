"""Use cases of the programme beyond the till: a customer's account explained, manual adjustments, the check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import get_customer
from klientura.db import Session
from klientura.loyalty import ledger
from klientura.loyalty.accounts import account_of, find_account
from klientura.loyalty.models import LoyaltyAccount
from klientura.loyalty.programme import load_programme
from klientura.loyalty.proof import CheckReport, check, explain


class AdjustIn(BaseModel):
    points: int = Field(description="positive: a new lot; negative: taken from the lots")
    reason: str = Field(min_length=1, max_length=200)
    expires_at: datetime | None = None


def account_view(session: Session, actor: Actor, customer_id: int, at: datetime) -> dict[str, Any]:
    """The balance, the tier and every lot with what consumed it ("explain this balance")."""
    require(actor, "loyalty:read")
    customer = get_customer(session, actor, customer_id)
    acc = session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer.id)).first()
    if acc is None:
        return {"customer_id": customer.id, "account_id": None, "balance": ledger.Balance(0, 0, 0, 0).__dict__,
                "lots": []}  # fmt: skip
    return {"customer_id": customer.id, "account_id": acc.id, "tier": acc.tier,
            "balance": ledger.balance(session, acc.id, at).__dict__, "lots": explain(session, acc.id)}  # fmt: skip


def enrol(session: Session, actor: Actor, customer_id: int, at: datetime) -> dict[str, Any]:
    """Open the customer's account (with the welcome bonus); enrolling twice changes nothing."""
    require(actor, "loyalty:process")
    customer = get_customer(session, actor, customer_id)
    existed = find_account(session, customer.id) is not None
    acc = account_of(session, customer.id, load_programme(session), at, actor.name)
    if not existed:
        record(session, actor, "loyalty.enrol", "loyalty_accounts", acc.id, None, {"customer_id": customer.id})
    return {"customer_id": customer.id, "account_id": acc.id, "tier": acc.tier, "new": not existed,
            "balance": ledger.balance(session, acc.id, at).__dict__}  # fmt: skip


def adjust_points(session: Session, actor: Actor, customer_id: int, data: AdjustIn, at: datetime) -> int:
    """A manual correction with a reason, written by the actor and audited; the new entry's id."""
    require(actor, "loyalty:write")
    customer = get_customer(session, actor, customer_id)
    acc = account_of(session, customer.id)
    entry = ledger.adjust(session, acc.id, data.points, at=at, author=actor.name, reason=data.reason,
                          expires_at=data.expires_at)  # fmt: skip
    record(session, actor, "loyalty.adjust", "loyalty_entries", entry.id, None,
           {"customer_id": customer.id, "points": data.points, "reason": data.reason})  # fmt: skip
    return entry.id


def run_check(session: Session, actor: Actor) -> CheckReport:
    require(actor, "loyalty:read")
    return check(session)
