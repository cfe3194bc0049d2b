"""The fast insert and lookup paths write and read exactly what the ORM would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.customers import Customer, Identity
from klientura.db import bulk_insert, insert_rows, reserve_ids, select_in
from klientura.orders import Order

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def test_awkward_values_round_trip_through_insert_rows(session: Session) -> None:
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))
    cid, other = reserve_ids(session, Customer, 2)
    rows = [
        (
            cid,
            "Тab\there",
            "new\nline",
            "back\\slash",
            "f",
            date(1985, 2, 1),
            "Москва",
            None,
            {"note": 'tab\t, \\N and "quotes"', "n": 1},
            moment,
            moment,
        ),
        (other, None, "", "\\N", None, None, None, "cr\r", {}, moment, moment),
    ]
    cols = (
        "id",
        "last_name",
        "first_name",
        "middle_name",
        "gender",
        "birth_date",
        "city",
        "acquisition_source",
        "attributes",
        "created_at",
        "updated_at",
    )
    insert_rows(session, Customer, cols, rows)
    session.expire_all()
    a, b = session.get_one(Customer, cid), session.get_one(Customer, other)
    assert (a.last_name, a.first_name, a.middle_name, a.birth_date) == (
        "Тab\there",
        "new\nline",
        "back\\slash",
        date(1985, 2, 1),
    )
    assert a.attributes == {"note": 'tab\t, \\N and "quotes"', "n": 1}
    assert a.created_at == moment.astimezone(UTC)
    assert (b.last_name, b.first_name, b.middle_name, b.acquisition_source, b.attributes) == (
        None,
        "",
        "\\N",
        "cr\r",
        {},
    )


def test_money_and_booleans_round_trip(session: Session) -> None:
    (oid,) = reserve_ids(session, Order, 1)
    bulk_insert(
        session,
        Order,
        [
            {
                "id": oid,
                "source": "t",
                "external_id": "R-1",
                "customer_id": None,
                "outlet_id": None,
                "channel_id": None,
                "placed_at": datetime(2026, 1, 2, tzinfo=UTC),
                "status": "completed",
                "total": Decimal("1234.56"),
                "discount": Decimal("0.10"),
                "paid": Decimal("1234.46"),
                "promo_code": None,
                "points_redeemed": 0,
                "points_earned": 0,
                "created_at": datetime(2026, 1, 2, tzinfo=UTC),
            }
        ],
    )
    session.expire_all()
    order = session.get_one(Order, oid)
    assert (order.total, order.discount, order.paid) == (Decimal("1234.56"), Decimal("0.10"), Decimal("1234.46"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_TEXT, min_size=1, max_size=8))
def test_any_text_round_trips(session: Session, names: list[str]) -> None:
    ids = reserve_ids(session, Customer, len(names))
    now = datetime.now(UTC)
    insert_rows(
        session,
        Customer,
        ("id", "last_name", "attributes", "created_at", "updated_at"),
        [(i, n[:100], {"v": n}, now, now) for i, n in zip(ids, names, strict=True)],
    )
    session.expire_all()
    got = {c.id: (c.last_name, c.attributes) for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    assert got == {i: (n[:100], {"v": n}) for i, n in zip(ids, names, strict=True)}


def test_select_in_finds_every_value_across_chunks(session: Session) -> None:
    n = 31_000  # more than one SQLite statement's worth of placeholders
    ids = reserve_ids(session, Customer, 1)
    now = datetime.now(UTC)
    insert_rows(session, Customer, ("id", "attributes", "created_at", "updated_at"), [(ids[0], {}, now, now)])
    insert_rows(
        session,
        Identity,
        ("customer_id", "kind", "value", "is_primary", "created_at"),
        [(ids[0], "card", f"C{i:07d}", False, now) for i in range(0, n, 2)],
    )
    wanted = [f"C{i:07d}" for i in range(n)]
    found = select_in(session, Identity, ("value", "customer_id"), "value", wanted, kind="card")
    assert sorted(v for v, _ in found) == wanted[::2]
    assert select_in(session, Identity, ("value",), "value", wanted[:10], kind="phone") == []


def test_a_unique_violation_in_a_bulk_insert_is_sqlalchemys_integrity_error(session: Session) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    (cid,) = reserve_ids(session, Customer, 1)
    now = datetime.now(UTC)
    insert_rows(session, Customer, ("id", "attributes", "created_at", "updated_at"), [(cid, {}, now, now)])
    cols = ("customer_id", "kind", "value", "is_primary", "created_at")
    with pytest.raises(IntegrityError), session.begin_nested():
        insert_rows(session, Identity, cols, [(cid, "card", "DUP1", False, now), (cid, "card", "DUP1", False, now)])
    assert select_in(session, Identity, ("value",), "value", ["DUP1"], kind="card") == []  # nothing half-written


def test_reserved_ids_are_never_handed_out_again(session: Session) -> None:
    now = datetime.now(UTC)
    cols = ("id", "attributes", "created_at", "updated_at")
    first = reserve_ids(session, Customer, 3)
    insert_rows(session, Customer, cols, [(i, {}, now, now) for i in first])
    more = reserve_ids(session, Customer, 25_000)  # more than one draw from a PostgreSQL sequence
    insert_rows(session, Customer, cols, [(i, {}, now, now) for i in more])
    assert len(set(first + more)) == len(first) + len(more) and first + more == sorted(first + more)
    orm = Customer(last_name="Через ORM")
    session.add(orm)
    session.flush()
    assert orm.id not in first + more


def test_reserved_ids_are_used_in_the_transaction_that_drew_them_or_never(session: Session) -> None:
    """The warehouse sync moves its mark past ids drawn before a quiet moment: leftovers of a pool must not be
    written by a later transaction."""
    (first,) = reserve_ids(session, Order, 1)
    session.commit()  # (a savepoint in the test fixture: a transaction of its own for the session)
    (second,) = reserve_ids(session, Order, 1)
    if session.get_bind().dialect.name == "postgresql":
        assert second > first + 1  # a fresh draw, not the pool's next id


def test_a_long_insert_arrives_whole_across_the_copy_slices(session: Session, monkeypatch: Any) -> None:
    import klientura.db.bulk

    monkeypatch.setattr(klientura.db.bulk, "COPY_ROWS", 7)  # slices of 7 rows: 50 rows cross seven boundaries
    ids = reserve_ids(session, Customer, 50)
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    insert_rows(
        session,
        Customer,
        ("id", "last_name", "attributes", "created_at", "updated_at"),
        [(c, f"Фамилия\t{c}", {"n": c}, moment, moment) for c in ids],
    )
    got = session.execute(select(Customer.id, Customer.last_name, Customer.attributes).where(Customer.id.in_(ids)))
    assert sorted(got) == [(c, f"Фамилия\t{c}", {"n": c}) for c in ids]
