from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, AuditEntry
from klientura.customers import (
    Consent,
    Customer,
    CustomerIn,
    CustomerTag,
    FieldValue,
    Given,
    Identity,
    prepare,
    resolve,
    set_consent,
)
from klientura.customers.tags import add_tags
from klientura.dedup import merge, unmerge
from klientura.events import Event, EventIn, record_event
from klientura.kit.errors import Conflict, ValidationFailed
from klientura.orders import Order
from klientura.wiring import merge_hooks
from tests.factories import SHOP, order

_seq = iter(range(10**6))


def state(session: Session, cid: int) -> dict[str, Any]:
    session.expire_all()
    c = session.get_one(Customer, cid)
    return {
        "profile": (
            c.last_name,
            c.first_name,
            c.middle_name,
            c.gender,
            c.birth_date,
            c.city,
            c.owner_id,
            c.attributes,
            c.merged_into_id,
        ),
        "identities": sorted(
            (i.id, i.kind, i.value) for i in session.scalars(select(Identity).where(Identity.customer_id == cid))
        ),
        "orders": sorted(session.scalars(select(Order.id).where(Order.customer_id == cid))),
        "events": sorted(session.scalars(select(Event.id).where(Event.customer_id == cid))),
        "tags": sorted(session.scalars(select(CustomerTag.tag_id).where(CustomerTag.customer_id == cid))),
        "consents": sorted(
            (x.channel, x.granted, x.source, x.changed_at)
            for x in session.scalars(select(Consent).where(Consent.customer_id == cid))
        ),
        "values": sorted(
            (f.id, f.field, f.value) for f in session.scalars(select(FieldValue).where(FieldValue.customer_id == cid))
        ),
    }


card = st.fixed_dictionaries(
    {
        "last_name": st.sampled_from([None, "Иванов", "Петрова", "Сидоров"]),
        "first_name": st.sampled_from([None, "Иван", "Анна"]),
        "city": st.sampled_from([None, "Москва", "Казань"]),
        "birth_date": st.sampled_from([None, date(1990, 1, 2), date(1985, 5, 5)]),
        "orders": st.integers(0, 3),
        "events": st.integers(0, 2),
        "tags": st.lists(st.sampled_from(["vip", "опт", "new"]), max_size=3),
        "consents": st.dictionaries(st.sampled_from(["email", "sms"]), st.booleans(), max_size=2),
        "conflict": st.booleans(),
    }
)


def make(session: Session, spec: dict[str, Any], when: datetime) -> int:
    n = next(_seq)
    phone = f"+7916{n:07d}"
    profile = {k: spec[k] for k in ("last_name", "first_name", "city", "birth_date") if spec[k] is not None}
    cid = resolve(session, SYSTEM, prepare(CustomerIn(phone=phone, **profile), shop=SHOP)).customer_id
    for _ in range(spec["orders"]):
        order(session, cid)
    for _ in range(spec["events"]):
        record_event(session, SYSTEM, EventIn(type="site_visit", customer_id=cid, occurred_at=when), shop=SHOP)
    if spec["tags"]:
        add_tags(session, SYSTEM, cid, spec["tags"])
    for ch, granted in spec["consents"].items():
        set_consent(session, SYSTEM, cid, ch, granted, Given("test"))
    if spec["conflict"]:
        resolve(session, SYSTEM, prepare(CustomerIn(phone=phone, last_name="Другая"), shop=SHOP))
    return cid


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=card, b=card)
def test_merge_then_unmerge_restores_both_cards_exactly(session: Session, a: dict[str, Any], b: dict[str, Any]) -> None:
    with session.begin_nested() as sp:
        when = datetime(2026, 3, 1, tzinfo=UTC)
        ida, idb = make(session, a, when), make(session, b, when)
        before = (state(session, ida), state(session, idb))
        rec = merge(session, SYSTEM, ida, idb, hooks=merge_hooks())
        merged = state(session, ida)
        assert state(session, idb)["profile"][-1] == ida  # the merged card points at its survivor
        assert sorted(merged["orders"]) == sorted(before[0]["orders"] + before[1]["orders"])
        assert sorted(merged["events"]) == sorted(before[0]["events"] + before[1]["events"])
        assert {i[2] for i in merged["identities"]} == {i[2] for i in before[0]["identities"] + before[1]["identities"]}
        assert set(merged["tags"]) == set(before[0]["tags"]) | set(before[1]["tags"])
        assert {c[0] for c in merged["consents"]} == {c[0] for c in before[0]["consents"] + before[1]["consents"]}
        unmerge(session, SYSTEM, rec.id, hooks=merge_hooks())
        assert (state(session, ida), state(session, idb)) == before
        sp.rollback()


def test_merge_fills_gaps_and_is_audited_and_guarded(session: Session) -> None:
    a = resolve(session, SYSTEM, prepare(CustomerIn(phone="+79160000101", last_name="Иванов"), shop=SHOP)).customer_id
    b = resolve(
        session, SYSTEM, prepare(CustomerIn(email="ivan@example.com", first_name="Иван", city="Тула"), shop=SHOP)
    ).customer_id
    rec = merge(session, SYSTEM, a, b, hooks=merge_hooks())
    survivor = session.get_one(Customer, a)
    assert (survivor.last_name, survivor.first_name, survivor.city) == ("Иванов", "Иван", "Тула")
    # a repeat request with the merged card's e-mail now lands on the survivor
    assert resolve(session, SYSTEM, prepare(CustomerIn(email="ivan@example.com"), shop=SHOP)).customer_id == a
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("customer.merge%"))))
    assert actions == {"customer.merge", "customer.merged_into"}
    with pytest.raises(Conflict):
        merge(session, SYSTEM, a, b, hooks=merge_hooks())  # b is already merged
    with pytest.raises(ValidationFailed):
        merge(session, SYSTEM, a, a, hooks=merge_hooks())
    unmerge(session, SYSTEM, rec.id, hooks=merge_hooks())
    with pytest.raises(Conflict):
        unmerge(session, SYSTEM, rec.id, hooks=merge_hooks())
    assert session.get_one(Customer, a).first_name is None
