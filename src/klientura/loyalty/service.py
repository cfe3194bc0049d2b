"""Use cases of the programme beyond the till: a customer's account explained, manual adjustments, the check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.customers import get_customer, visible_card
from klientura.db import Session
from klientura.kit.bounds import Points
from klientura.kit.errors import ValidationFailed
from klientura.loyalty import holdings, ledger
from klientura.loyalty.accounts import account_of, find_account
from klientura.loyalty.errors import UNKNOWN_KIND
from klientura.loyalty.models import KINDS, LedgerEntry, LoyaltyAccount
from klientura.loyalty.offer_models import ReferralCode
from klientura.loyalty.programme import load_programme
from klientura.loyalty.proof import CheckReport, check, explain
from klientura.orders import numbered, numbers_of


class AdjustIn(BaseModel):
    points: Points = Field(description="positive: a new lot; negative: taken from the lots")
    reason: str = Field(min_length=1, max_length=200)
    expires_at: datetime | None = None


def account_view(session: Session, actor: Actor, customer_id: int, at: datetime) -> dict[str, Any]:
    """The balance, the tier and every lot with what consumed it ("explain this balance")."""
    require(actor, "loyalty:read")
    customer = get_customer(session, actor, customer_id)
    acc = session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer.id)).first()
    if acc is None:
        return {
            "customer_id": customer.id,
            "account_id": None,
            "balance": holdings.Balance(0, 0, 0, 0).__dict__,
            "lots": [],
        }
    return {
        "customer_id": customer.id,
        "account_id": acc.id,
        "tier": acc.tier,
        "balance": holdings.balance(session, acc.id, at).__dict__,
        "lots": explain(session, acc.id),
    }


def enrol(session: Session, actor: Actor, customer_id: int, at: datetime) -> dict[str, Any]:
    """Open the customer's account (with the welcome bonus); enrolling twice changes nothing."""
    require(actor, "loyalty:process")
    customer = get_customer(session, actor, customer_id)
    existed = find_account(session, customer.id) is not None
    acc = account_of(session, customer.id, load_programme(session), at, actor.name)
    if not existed:
        record(session, actor, "loyalty.enrol", "loyalty_accounts", acc.id, None, {"customer_id": customer.id})
    return {
        "customer_id": customer.id,
        "account_id": acc.id,
        "tier": acc.tier,
        "new": not existed,
        "balance": holdings.balance(session, acc.id, at).__dict__,
    }


def adjust_points(session: Session, actor: Actor, customer_id: int, data: AdjustIn, at: datetime) -> int:
    """A manual correction with a reason, written by the actor and audited; the new entry's id."""
    require(actor, "loyalty:write")
    customer = get_customer(session, actor, customer_id)
    acc = account_of(session, customer.id)
    entry = ledger.adjust(
        session, acc.id, data.points, at=at, author=actor.name, reason=data.reason, expires_at=data.expires_at
    )
    record(
        session,
        actor,
        "loyalty.adjust",
        "loyalty_entries",
        entry.id,
        None,
        {"customer_id": customer.id, "points": data.points, "reason": data.reason},
    )
    return entry.id


def run_check(session: Session, actor: Actor) -> CheckReport:
    require(actor, "loyalty:read")
    return check(session)


class Operation(BaseModel):
    id: int
    at: datetime
    kind: str
    points: int
    customer_id: int
    order: str | None
    reason: str | None
    author: str
    reverses_id: int | None
    expires_at: datetime | None


def search_operations(
    session: Session,
    actor: Actor,
    *,
    customer_id: int | None = None,
    order: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    author: str | None = None,
    limit: int = 200,
) -> list[Operation]:
    """Ledger entries, newest first, by customer, order number, kind, dates, author."""
    require(actor, "loyalty:read")
    if kind and kind not in KINDS:
        raise ValidationFailed(UNKNOWN_KIND, field="kind", allowed=", ".join(KINDS))
    e = LedgerEntry
    query = (
        select(e, LoyaltyAccount.customer_id)
        .join(LoyaltyAccount, LoyaltyAccount.id == e.account_id)
        .order_by(e.id.desc())
        .limit(limit)
    )
    if customer_id is not None:
        query = query.where(LoyaltyAccount.customer_id == get_customer(session, actor, customer_id).id)
    elif owner_scope(actor) is not None:  # a manager: the operations of their own customers only
        query = query.where(visible_card(actor, LoyaltyAccount.customer_id))
    if order:
        query = query.where(e.order_id.in_(numbered(order.strip())))
    if kind:
        query = query.where(e.kind == kind)
    if since:
        query = query.where(e.at >= since)
    if until:
        query = query.where(e.at < until)
    if author:
        query = query.where(e.author == author.strip())
    found = session.execute(query).all()
    numbers = numbers_of(session, [x.order_id for x, _c in found if x.order_id is not None])
    return [
        Operation(
            id=x.id,
            at=x.at,
            kind=x.kind,
            points=x.points,
            customer_id=c,
            order=numbers.get(x.order_id) if x.order_id is not None else None,
            reason=x.reason,
            author=x.author,
            reverses_id=x.reverses_id,
            expires_at=x.expires_at,
        )
        for x, c in found
    ]


def referral_of(session: Session, actor: Actor, customer_id: int) -> str | None:
    """The customer's invitation code if one was made (reading never makes one)."""
    require(actor, "loyalty:read")
    return session.scalar(select(ReferralCode.code).where(ReferralCode.customer_id == customer_id))
