"""The points ledger: lots consumed soonest-expiring first, reversals to the original lots, debts paid by later
earns, expiry, adjustments — and, for random sequences of operations, the proof that nothing is created or lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from klientura import loyalty
from klientura.audit import SYSTEM
from klientura.kit.errors import ValidationFailed
from klientura.loyalty import LoyaltyAccount
from klientura.loyalty.programme import Programme
from tests import factories

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def account(session: Session) -> int:
    acc = LoyaltyAccount(customer_id=factories.customer(session))
    session.add(acc)
    session.flush()
    return acc.id


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def test_spends_take_the_soonest_expiring_lots_and_reversals_give_them_back(session: Session) -> None:
    a = account(session)
    late = loyalty.earn(session, a, 100, at=day(0), author="t", expires_at=day(365))
    soon = loyalty.earn(session, a, 50, at=day(1), author="t", expires_at=day(30))
    pending = loyalty.earn(session, a, 70, at=day(2), author="t", available_at=day(16), expires_at=day(400))
    assert loyalty.balance(session, a, day(3)) == loyalty.Balance(total=220, available=150, pending=70, debt=0)
    with pytest.raises(loyalty.NotEnoughPoints, match="150 usable, 160 asked"):
        loyalty.spend(session, a, 160, at=day(3), author="t")  # the pending lot is not usable yet
    paid = loyalty.spend(session, a, 80, at=day(3), author="t")
    remaining = {lot.id: lot.remaining for lot in loyalty.lots(session, a)}
    assert remaining == {soon.id: 0, late.id: 70, pending.id: 70}  # 50 from the soonest, then 30
    back = loyalty.reverse(session, paid.id, at=day(4), author="t", points=40)  # a partial refund
    assert back is not None and back.points == 40 and back.reverses_id == paid.id
    remaining = {lot.id: lot.remaining for lot in loyalty.lots(session, a)}
    assert remaining == {soon.id: 10, late.id: 100, pending.id: 70}  # the last taken comes back first
    rest = loyalty.reverse(session, paid.id, at=day(5), author="t")
    assert rest is not None and rest.points == 40
    assert loyalty.reverse(session, paid.id, at=day(6), author="t") is None  # nothing left to reverse
    assert {lot.id: lot.remaining for lot in loyalty.lots(session, a)}[soon.id] == 50  # with its own expiry
    expired = loyalty.expire(session, a, at=day(31))
    assert [(e.points, e.at) for e in expired] == [(-50, day(30))]
    assert loyalty.balance(session, a, day(31)).total == 170
    assert loyalty.check(session, [a]).ok


def test_a_reversed_earn_already_spent_leaves_a_visible_debt_paid_by_the_next_earn(session: Session) -> None:
    a = account(session)
    earned = loyalty.earn(session, a, 100, at=day(0), author="t")
    loyalty.spend(session, a, 90, at=day(1), author="t")
    back = loyalty.reverse(session, earned.id, at=day(2), author="t", reason="order refunded")
    assert back is not None and back.points == -100
    b = loyalty.balance(session, a, day(2))
    assert (b.total, b.available, b.debt) == (-90, 0, 90)  # not a silent loss: owed
    assert loyalty.check(session, [a]).ok
    loyalty.earn(session, a, 60, at=day(3), author="t")
    b = loyalty.balance(session, a, day(3))
    assert (b.total, b.available, b.debt) == (-30, 0, 30)
    loyalty.earn(session, a, 50, at=day(4), author="t")
    b = loyalty.balance(session, a, day(4))
    assert (b.total, b.available, b.debt) == (20, 20, 0)
    assert loyalty.check(session, [a]).ok
    story = loyalty.explain(session, a)
    assert [lot["points"] for lot in story] == [100, 60, 50]
    assert [(u["kind"], u["points"]) for u in story[0]["used"]] == [("spend", 90), ("reverse", 10)]
    assert [(u["kind"], u["points"]) for u in story[1]["used"]] == [("reverse", 60)]


def test_a_buy_earn_refund_loop_gains_nothing(session: Session) -> None:
    a = account(session)
    loyalty.earn(session, a, 500, at=day(0), author="t")
    for i in range(5):
        spent = loyalty.spend(session, a, 300, at=day(i + 1), author="t")
        earned = loyalty.earn(session, a, 40, at=day(i + 1), author="t")
        loyalty.reverse(session, earned.id, at=day(i + 2), author="t")
        loyalty.reverse(session, spent.id, at=day(i + 2), author="t")
    assert loyalty.balance(session, a, day(10)).total == 500
    assert loyalty.check(session, [a]).ok


def test_adjustments_need_a_reason_and_never_take_more_than_held(session: Session) -> None:
    a = account(session)
    with pytest.raises(ValidationFailed, match="needs a reason"):
        loyalty.adjust(session, a, 100, at=day(0), author="manager", reason=" ")
    gift = loyalty.adjust(session, a, 100, at=day(0), author="manager", reason="complaint #12")
    assert gift.kind == "adjust" and gift.author == "manager"
    with pytest.raises(loyalty.NotEnoughPoints):
        loyalty.adjust(session, a, -101, at=day(1), author="manager", reason="error")
    loyalty.adjust(session, a, -30, at=day(1), author="manager", reason="double credit")
    assert loyalty.balance(session, a, day(1)).total == 70
    with pytest.raises(ValidationFailed, match="expire after"):
        loyalty.earn(session, a, 5, at=day(2), author="t", available_at=day(10), expires_at=day(5))
    assert loyalty.check(session, [a]).ok


def test_the_check_finds_a_tampered_ledger(session: Session) -> None:
    a = account(session)
    loyalty.earn(session, a, 100, at=day(0), author="t")
    spent = loyalty.spend(session, a, 40, at=day(1), author="t")
    session.add(loyalty.LedgerEntry(account_id=a, kind="earn", points=0 + 5, at=day(2), author="t"))  # fine: a lot
    session.flush()
    assert loyalty.check(session, [a]).ok
    session.add(loyalty.LedgerEntry(account_id=a, kind="spend", points=-7, at=day(3), author="rogue"))  # no lots
    session.flush()
    report = loyalty.check(session, [a])
    assert not report.ok and any("allocated 0" in b.problem for b in report.breaks)
    assert any("balance" in b.problem for b in report.breaks)
    assert spent.points == -40


OPS = st.lists(
    st.tuples(
        st.sampled_from(["earn", "earn", "spend", "expire", "reverse", "adjust"]),
        st.integers(1, 300),
        st.integers(0, 3),
        st.integers(0, 50),
    ),
    min_size=1,
    max_size=25,
)


@given(ops=OPS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_operations_never_create_or_lose_a_point(session: Session, ops: list[tuple[str, int, int, int]]) -> None:
    """Whatever happens, in any order: the check holds after every step, no lot goes below zero or above its grant,
    and the balance is exactly what was earned and adjusted in, less what was spent, expired and taken back."""
    a = account(session)
    clock = 0
    entries: list[Any] = []
    for op, n, delay, pick in ops:
        clock += delay
        at = day(clock)
        try:
            if op == "earn":
                entries.append(
                    loyalty.earn(
                        session,
                        a,
                        n,
                        at=at,
                        author="t",
                        available_at=day(clock + delay),
                        expires_at=day(clock + delay + 5 + pick),
                    )
                )
            elif op == "spend":
                entries.append(loyalty.spend(session, a, n, at=at, author="t"))
            elif op == "expire":
                loyalty.expire(session, a, at=at)
            elif op == "reverse" and entries:
                target = entries[pick % len(entries)]
                loyalty.reverse(session, target.id, at=at, author="t", points=n if pick % 2 else None)
            elif op == "adjust":
                loyalty.adjust(session, a, n if pick % 3 else -n, at=at, author="t", reason="test")
        except loyalty.NotEnoughPoints:
            pass
        report = loyalty.check(session, [a])
        assert report.ok, report.breaks
        for lot in loyalty.lots(session, a):
            assert 0 <= lot.remaining <= lot.points
        b = loyalty.balance(session, a, at)
        assert b.debt == 0 or b.available == b.pending == 0


def test_the_nightly_round_reminds_once_expires_and_proves(session: Session) -> None:
    from sqlalchemy import select

    from klientura.events import Event

    a = account(session)
    acc = session.get(LoyaltyAccount, a)
    assert acc is not None
    soon = loyalty.earn(session, a, 80, at=day(0), author="t", expires_at=day(20))
    loyalty.earn(session, a, 50, at=day(0), author="t", expires_at=day(200))
    loyalty.spend(session, a, 30, at=day(1), author="t")  # from the soonest lot: 50 of it left
    first = loyalty.nightly(session, SYSTEM, day(10), Programme(reminder_days=14))
    assert (first.reminded, first.expired_lots, first.breaks) == (1, 0, [])
    assert loyalty.nightly(session, SYSTEM, day(11), Programme(reminder_days=14)).reminded == 0  # once per lot
    event = session.scalars(select(Event).where(Event.customer_id == acc.customer_id)).one()
    assert event.type == "points_expiring" and event.payload["points"] == 50 and event.payload["lot_id"] == soon.id
    later = loyalty.nightly(session, SYSTEM, day(21), Programme(reminder_days=14))
    assert (later.expired_lots, later.expired_points, later.breaks) == (1, 50, [])
    assert loyalty.balance(session, a, day(21)).total == 50
