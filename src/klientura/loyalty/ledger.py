"""The lot arithmetic of the points ledger: earn, spend, expire, reverse, adjust — and the proof that it adds up.

Every operation locks the account (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer), reads the
account's lots with what remains of each, writes one entry and the allocations it makes, and flushes. Invariants
(checked by :func:`check`, for every account, every night):

- a lot's remaining points lie between 0 and what it was granted;
- a spend or an expiry took exactly its points from lots; a reversal of an earn took its points from lots, the
  rest being a *debt* — points already spent from a reversed earn — that later earns pay off first;
- while an account owes a debt, none of its lots has points left;
- so the balance, the sum of the entries, equals the lots' remaining points less the debt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.loyalty.errors import (
    ADJUSTMENT_OF_ZERO,
    ADJUSTMENT_WITHOUT_REASON,
    EARN_NOT_POSITIVE,
    EXPIRES_BEFORE_USABLE,
    NO_ENTRY,
    NOT_ENOUGH_HELD,
    NOT_ENOUGH_USABLE,
    NOT_REVERSIBLE,
    REVERSAL_NOT_POSITIVE,
    SPEND_NOT_POSITIVE,
)
from klientura.loyalty.holdings import (
    debts,
    lock,
    lots,
    pay_debts,
    take,
    usable_points,
)
from klientura.loyalty.models import Allocation, LedgerEntry


class NotEnoughPoints(Conflict):
    """A spend beyond what the account can pay now."""


@dataclass
class _Entry:
    """What an operation writes: the entry, then its allocations (lot id, points)."""

    entry: LedgerEntry
    takes: list[tuple[int, int]] = field(default_factory=list)


def _write(session: Session, op: _Entry) -> LedgerEntry:
    session.add(op.entry)
    session.flush()
    session.add_all(Allocation(entry_id=op.entry.id, lot_id=lot, points=n) for lot, n in op.takes if n)
    session.flush()
    return op.entry


def _settle(session: Session, account_id: int, lot_ids: list[int]) -> None:
    """Points arriving on these lots (a new earn, a spend given back) pay the account's debts first."""
    owed = debts(session, account_id)
    if not owed:
        return
    for lot in lots(session, account_id):
        if lot.id not in lot_ids:
            continue
        session.add_all(
            Allocation(entry_id=reversal_id, lot_id=lot.id, points=n)
            for reversal_id, n in pay_debts(owed, lot.remaining)
        )
    session.flush()


def earn(
    session: Session,
    account_id: int,
    points: int,
    *,
    at: datetime,
    author: str,
    available_at: datetime | None = None,
    expires_at: datetime | None = None,
    order_id: int | None = None,
    reason: str | None = None,
    kind: str = "earn",
) -> LedgerEntry:
    """A new lot of ``points`` (usable from ``available_at``, gone after ``expires_at``)."""
    if points <= 0:
        raise ValidationFailed(EARN_NOT_POSITIVE)
    if expires_at is not None and expires_at <= (available_at or at):
        raise ValidationFailed(EXPIRES_BEFORE_USABLE)
    lock(session, account_id)
    entry = _write(
        session,
        _Entry(
            LedgerEntry(
                account_id=account_id,
                kind=kind,
                points=points,
                at=at,
                available_at=available_at,
                expires_at=expires_at,
                order_id=order_id,
                reason=reason,
                author=author,
            )
        ),
    )
    _settle(session, account_id, [entry.id])
    return entry


def spend(
    session: Session,
    account_id: int,
    points: int,
    *,
    at: datetime,
    author: str,
    order_id: int | None = None,
    reason: str | None = None,
) -> LedgerEntry:
    """Pay ``points`` from the usable lots, soonest-expiring first; refused beyond what is usable now."""
    if points <= 0:
        raise ValidationFailed(SPEND_NOT_POSITIVE)
    lock(session, account_id)
    found = lots(session, account_id)
    usable = usable_points(found, at)
    if usable < points:
        raise NotEnoughPoints(NOT_ENOUGH_USABLE, usable=usable, asked=points)
    takes = take(found, points, at=at)
    return _write(
        session,
        _Entry(
            LedgerEntry(
                account_id=account_id,
                kind="spend",
                points=-points,
                at=at,
                order_id=order_id,
                reason=reason,
                author=author,
            ),
            takes,
        ),
    )


def adjust(
    session: Session,
    account_id: int,
    points: int,
    *,
    at: datetime,
    author: str,
    reason: str,
    expires_at: datetime | None = None,
) -> LedgerEntry:
    """A manual correction with a reason and an author: a new lot, or points taken from the lots (never more than
    the account holds)."""
    if not reason or not reason.strip():
        raise ValidationFailed(ADJUSTMENT_WITHOUT_REASON)
    if points > 0:
        return earn(
            session,
            account_id,
            points,
            at=at,
            author=author,
            expires_at=expires_at,
            reason=reason.strip(),
            kind="adjust",
        )
    if points == 0:
        raise ValidationFailed(ADJUSTMENT_OF_ZERO)
    lock(session, account_id)
    found = [lot for lot in lots(session, account_id) if lot.expires_at is None or lot.expires_at > at]
    held = sum(lot.remaining for lot in found)
    if held < -points:
        raise NotEnoughPoints(NOT_ENOUGH_HELD, held=held, taken=-points)
    takes = take(found, -points, at=None)
    return _write(
        session,
        _Entry(
            LedgerEntry(
                account_id=account_id, kind="adjust", points=points, at=at, reason=reason.strip(), author=author
            ),
            takes,
        ),
    )


def reverse(
    session: Session, entry_id: int, *, at: datetime, author: str, points: int | None = None, reason: str | None = None
) -> LedgerEntry | None:
    """Undo (part of) an earn or a spend, pointing at it. A spend's points go back to the lots they came from,
    with their original expiry; an earn's are taken back from its lot, then from the others, and what was already
    spent becomes a debt. Never more than what is left to reverse; None when nothing is."""
    target = session.get(LedgerEntry, entry_id)
    if target is None:
        raise NotFound(NO_ENTRY, id=entry_id)
    if target.kind not in ("earn", "spend", "adjust"):
        raise ValidationFailed(NOT_REVERSIBLE, kind=target.kind)
    lock(session, target.account_id)
    done = -(
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.reverses_id == entry_id)
        )
        or 0
    )
    left = abs(target.points) - abs(done)
    n = left if points is None else min(points, left)
    if points is not None and points <= 0:
        raise ValidationFailed(REVERSAL_NOT_POSITIVE)
    if n <= 0:
        return None
    sign = -1 if target.points > 0 else 1
    entry = LedgerEntry(
        account_id=target.account_id,
        kind="reverse",
        points=sign * n,
        at=at,
        reverses_id=entry_id,
        order_id=target.order_id,
        reason=reason,
        author=author,
    )
    if target.points > 0:  # an earn: take it back
        takes = take(lots(session, target.account_id), n, at=None, first=target.id)
        return _write(session, _Entry(entry, takes))
    # a spend: give back to its lots, the last taken first, net of earlier reversals
    given = session.execute(
        select(Allocation.lot_id, func.sum(Allocation.points))
        .where(
            Allocation.entry_id.in_(
                select(LedgerEntry.id).where((LedgerEntry.id == entry_id) | (LedgerEntry.reverses_id == entry_id))
            )
        )
        .group_by(Allocation.lot_id)
        .order_by(func.max(Allocation.id).desc())
    ).all()
    takes, rest = [], n
    for lot_id, net in given:
        if rest <= 0:
            break
        back = min(int(net), rest)
        if back > 0:
            takes.append((lot_id, -back))
            rest -= back
    written = _write(session, _Entry(entry, takes))
    _settle(session, target.account_id, [lot_id for lot_id, _back in takes])
    return written


def expire(session: Session, account_id: int, *, at: datetime, author: str = "system") -> list[LedgerEntry]:
    """Expire what is left of every lot of the account past its expiry, one entry per lot."""
    lock(session, account_id)
    out = []
    for lot in lots(session, account_id):
        if lot.expires_at is not None and lot.expires_at <= at and lot.remaining > 0:
            out.append(
                _write(
                    session,
                    _Entry(
                        LedgerEntry(
                            account_id=account_id,
                            kind="expire",
                            points=-lot.remaining,
                            at=lot.expires_at,
                            reverses_id=None,
                            author=author,
                            reason=f"lot {lot.id} expired",
                        ),
                        [(lot.id, lot.remaining)],
                    ),
                )
            )
    return out
