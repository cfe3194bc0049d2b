"""The ledger explained and proved: every lot of an account and what consumed it; the nightly check that every
account's balance equals its ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from klientura.db import Session
from klientura.loyalty.holdings import LOT_KINDS
from klientura.loyalty.models import Allocation, LedgerEntry


@dataclass
class Break:
    account_id: int
    problem: str


@dataclass
class CheckReport:
    accounts: int = 0
    entries: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def check(session: Session, account_ids: list[int] | None = None) -> CheckReport:
    """balance == lots' remaining points − debt for every account, and every entry's allocations add up. Three
    aggregate queries over the whole ledger, whatever its size."""
    e, a = LedgerEntry, Allocation
    scope = [] if account_ids is None else [e.account_id.in_(account_ids)]
    totals = dict(session.execute(select(e.account_id, func.sum(e.points)).where(*scope).group_by(e.account_id)).all())
    report = CheckReport(
        accounts=len(totals), entries=session.scalar(select(func.count()).select_from(e).where(*scope)) or 0
    )
    taken = select(a.lot_id, func.sum(a.points).label("n")).group_by(a.lot_id).subquery()
    remaining: dict[int, int] = {}
    for account_id, lot_id, granted, used in session.execute(
        select(e.account_id, e.id, e.points, func.coalesce(taken.c.n, 0))
        .outerjoin(taken, taken.c.lot_id == e.id)
        .where(e.kind.in_(LOT_KINDS), e.points > 0, *scope)
    ):
        left = granted - int(used)
        if not 0 <= left <= granted:
            report.breaks.append(Break(account_id, f"lot {lot_id}: {left} of {granted} points left"))
        remaining[account_id] = remaining.get(account_id, 0) + left
    allocated = select(a.entry_id, func.sum(a.points).label("n")).group_by(a.entry_id).subquery()
    debt: dict[int, int] = {}
    for account_id, entry_id, kind, points, n in session.execute(
        select(e.account_id, e.id, e.kind, e.points, func.coalesce(allocated.c.n, 0))
        .outerjoin(allocated, allocated.c.entry_id == e.id)
        .where(e.points < 0, *scope)
        .union_all(
            select(e.account_id, e.id, e.kind, e.points, func.coalesce(allocated.c.n, 0))
            .outerjoin(allocated, allocated.c.entry_id == e.id)
            .where(e.kind == "reverse", e.points > 0, *scope)
        )
    ):
        n = int(n)
        if kind == "reverse" and points < 0:  # a reversed earn: what its lots did not cover is owed
            if not 0 <= n <= -points:
                report.breaks.append(Break(account_id, f"reversal {entry_id} took {n} of {-points} points"))
            debt[account_id] = debt.get(account_id, 0) + (-points - n)
        elif n != -points:  # a spend, an expiry, a negative adjustment took exactly its points; a given-back
            report.breaks.append(Break(account_id, f"{kind} {entry_id} of {points} points allocated {n}"))
    for account_id, total in totals.items():
        left, owed = remaining.get(account_id, 0), debt.get(account_id, 0)
        if int(total) != left - owed:
            report.breaks.append(Break(account_id, f"balance {int(total)} but lots hold {left} and {owed} is owed"))
        if owed and left:
            report.breaks.append(Break(account_id, f"{owed} owed while lots still hold {left}"))
    over = session.execute(
        select(e.reverses_id, func.sum(e.points)).where(e.reverses_id.is_not(None), *scope).group_by(e.reverses_id)
    ).all()
    originals = {i: p for i, p in session.execute(select(e.id, e.points).where(e.id.in_([r for r, _ in over])))}
    for target, reversed_points in over:
        if target is not None and abs(int(reversed_points)) > abs(originals.get(target, 0)):
            report.breaks.append(Break(0, f"entry {target} reversed by more than it was"))
    return report


def explain(session: Session, account_id: int) -> list[dict[str, Any]]:
    """Every lot of the account — when, why, how many, its expiry — and each entry that took from it or gave back."""
    e, a = LedgerEntry, Allocation
    lots = session.scalars(
        select(e).where(e.account_id == account_id, e.kind.in_(LOT_KINDS), e.points > 0).order_by(e.id)
    ).all()
    uses: dict[int, list[dict[str, Any]]] = {lot.id: [] for lot in lots}
    for lot_id, entry, n in session.execute(
        select(a.lot_id, e, a.points).join(e, e.id == a.entry_id).where(a.lot_id.in_(list(uses))).order_by(a.id)
    ):
        uses[lot_id].append(
            {
                "entry_id": entry.id,
                "kind": entry.kind,
                "at": entry.at,
                "points": int(n),
                "order_id": entry.order_id,
                "reason": entry.reason,
            }
        )
    return [
        {
            "lot_id": lot.id,
            "kind": lot.kind,
            "at": lot.at,
            "points": lot.points,
            "available_at": lot.available_at,
            "expires_at": lot.expires_at,
            "order_id": lot.order_id,
            "reason": lot.reason,
            "author": lot.author,
            "used": uses[lot.id],
            "remaining": lot.points - sum(u["points"] for u in uses[lot.id]),
        }
        for lot in lots
    ]
