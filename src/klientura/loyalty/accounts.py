"""Accounts: opened on first use with the welcome bonus, the tier kept on the account as spend moves it up and
down (every change audited), and the yearly birthday bonus."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.customers import born_on
from klientura.db import Session
from klientura.loyalty import holdings, ledger
from klientura.loyalty.models import LedgerEntry, LoyaltyAccount
from klientura.loyalty.programme import Programme
from klientura.orders import MOMENT, spend_by_customer, spend_of


def find_account(session: Session, customer_id: int) -> LoyaltyAccount | None:
    return session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id)).first()


def account_of(
    session: Session,
    customer_id: int,
    programme: Programme | None = None,
    at: datetime | None = None,
    author: str = "system",
) -> LoyaltyAccount:
    """The customer's account, opened on first use (with the programme's welcome bonus, when given)."""
    acc = find_account(session, customer_id)
    if acc is not None:
        return acc
    acc = LoyaltyAccount(customer_id=customer_id, tier=programme.tiers[0].name if programme else "base")
    try:
        with session.begin_nested():
            session.add(acc)
            session.flush()
    except IntegrityError:  # a concurrent first purchase opened it: use that one
        found = find_account(session, customer_id)
        if found is None:
            raise
        return found
    if programme is not None and programme.welcome_bonus:
        if at is None:
            raise TypeError("a welcome bonus needs the moment it is given (at=)")
        when = at
        ledger.earn(
            session,
            acc.id,
            programme.welcome_bonus,
            at=when,
            author=author,
            reason="welcome",
            expires_at=when + timedelta(days=programme.bonus_days),
        )
    return acc


def _standing_query() -> Any:
    """Built once: building a statement of this size costs more than running it."""
    customer: Any = bindparam("customer")
    at, since = bindparam("at", type_=MOMENT), bindparam("since", type_=MOMENT)
    acc = select(LoyaltyAccount.id).where(LoyaltyAccount.customer_id == customer).scalar_subquery()
    return select(acc, holdings.available_query(acc, at), spend_of(customer, since, at))


_STANDING = _standing_query()


def standing(session: Session, customer_id: int, at: datetime, window_days: int) -> tuple[int | None, int, Decimal]:
    """(account id, points usable now, spend over the tier window) in one round trip: what pricing a cart needs."""
    account_id, usable, spent = session.execute(
        _STANDING, {"customer": customer_id, "at": at, "since": at - timedelta(days=window_days)}
    ).one()
    return account_id, int(usable or 0) if account_id else 0, Decimal(spent or 0)


def _set_tier(session: Session, actor: Actor, acc: LoyaltyAccount, tier: str, spend: Decimal) -> bool:
    if acc.tier == tier:
        return False
    before, acc.tier = acc.tier, tier
    record(
        session,
        actor,
        "loyalty.tier",
        "loyalty_accounts",
        acc.id,
        {"tier": before},
        {"tier": tier, "spend": str(spend), "customer_id": acc.customer_id},
    )
    return True


def refresh_tier(session: Session, actor: Actor, acc: LoyaltyAccount, programme: Programme, spend: Decimal) -> bool:
    """Move the account to the tier its rolling spend earns; True when it moved."""
    return _set_tier(session, actor, acc, programme.tier_for(spend).name, spend)


def refresh_tiers(session: Session, actor: Actor, programme: Programme, at: datetime) -> tuple[int, int]:
    """Every account to its tier as the window rolls (nightly): (upgrades, downgrades)."""
    members = select(LoyaltyAccount.customer_id)
    spend = spend_by_customer(session, members, at - timedelta(days=programme.tier_window_days), at)
    rank = {t.name: i for i, t in enumerate(programme.tiers)}
    up = down = 0
    for acc in session.scalars(select(LoyaltyAccount)):
        s = Decimal(spend.get(acc.customer_id) or 0)
        before = rank.get(acc.tier, 0)
        if _set_tier(session, actor, acc, programme.tier_for(s).name, s):
            if rank[acc.tier] > before:
                up += 1
            else:
                down += 1
    session.flush()
    return up, down


def birthday_bonuses(session: Session, actor: Actor, programme: Programme, at: datetime) -> int:
    """The birthday bonus to every member whose birthday is ``at``'s date (28 February for 29 February in a common
    year), once a year."""
    if not programme.birthday_bonus:
        return 0
    days = [at.day] + ([29] if (at.month, at.day) == (2, 28) and not _leap(at.year) else [])
    reason = f"birthday {at.year}"
    rows = (
        session.execute(select(LoyaltyAccount.id).where(LoyaltyAccount.customer_id.in_(born_on(at.month, days))))
        .scalars()
        .all()
    )
    done = set(session.scalars(select(LedgerEntry.account_id).where(LedgerEntry.reason == reason)))
    n = 0
    for account_id in rows:
        if account_id not in done:
            ledger.earn(
                session,
                account_id,
                programme.birthday_bonus,
                at=at,
                author=actor.name,
                reason=reason,
                expires_at=at + timedelta(days=programme.bonus_days),
            )
            n += 1
    return n


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
