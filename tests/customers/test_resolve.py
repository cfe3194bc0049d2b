from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, AuditEntry
from klientura.customers import (
    Customer,
    CustomerIn,
    FieldValue,
    Identity,
    field_values,
    prepare,
    resolve,
    to_read,
)
from klientura.kit.errors import ValidationFailed
from tests.factories import SHOP


def _resolve(session: Session, **kw: object):  # type: ignore[no-untyped-def]
    return resolve(session, SYSTEM, prepare(CustomerIn(**kw), shop=SHOP), source="test")


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_four_spellings_of_a_phone_are_one_card(session: Session) -> None:
    ids = {
        _resolve(session, phone=p, first_name="Иван").customer_id
        for p in ["8 (912) 345-67-89", "+7 912 345 67 89", "9123456789", "7-912-345-6789"]
    }
    assert len(ids) == 1
    assert count(session, Customer) == 1
    assert count(session, Identity) == 1


def test_repeat_with_new_phone_enriches_the_card(session: Session) -> None:
    first = _resolve(session, email="Anna@Mail.ru", full_name="Петрова Анна")
    assert first.created
    again = _resolve(session, email="anna@mail.ru", phone="89161234567", city="москва", birth_date=date(1990, 5, 1))
    assert not again.created and again.customer_id == first.customer_id
    assert again.added_identities == ["phone:+79161234567"]
    assert again.filled_fields == ["birth_date", "city"]
    card = session.get_one(Customer, first.customer_id)
    assert card.city == "Москва" and card.last_name == "Петрова" and card.first_name == "Анна"


def test_conflicting_values_are_kept_not_overwritten(session: Session) -> None:
    cid = _resolve(session, phone="+79160000001", last_name="Сидорова", city="Москва").customer_id
    res = _resolve(session, phone="+79160000001", last_name="Иванова", city="москва")
    assert res.conflicts == ["last_name"]  # the city only differs in case
    card = session.get_one(Customer, cid)
    assert card.last_name == "Сидорова"
    assert [(f.field, f.value) for f in field_values(session, cid)] == [("last_name", "Иванова")]
    again = _resolve(session, phone="+79160000001", last_name="Иванова")
    assert again.conflicts == []  # seen before: recorded once
    assert count(session, FieldValue) == 1


def test_identity_of_another_card_is_never_stolen(session: Session) -> None:
    a = _resolve(session, phone="+79160000002").customer_id
    b = _resolve(session, email="b@example.com").customer_id
    res = _resolve(session, phone="+79160000002", email="b@example.com")
    assert res.customer_id == a
    assert res.skipped_identities == ["email:b@example.com"]
    assert to_read(session, session.get_one(Customer, b)).identities[0].value == "b@example.com"


def test_external_id_takes_priority_over_phone(session: Session) -> None:
    a = _resolve(session, phone="+79160000003").customer_id
    b = _resolve(session, external_id="1c:42").customer_id
    assert _resolve(session, external_id="1C:42", phone="+79160000003").customer_id == b != a


def test_bad_input_is_rejected_with_the_reason(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="phone"):
        _resolve(session, phone="12-34")
    with pytest.raises(ValidationFailed, match="e-mail"):
        _resolve(session, email="nobody@")
    with pytest.raises(ValidationFailed, match="birth date"):
        _resolve(session, phone="+79160000004", birth_date=date(1850, 1, 1))
    with pytest.raises(ValidationFailed):
        _resolve(session)
    assert count(session, Customer) == 0


def test_every_change_is_audited(session: Session) -> None:
    cid = _resolve(session, phone="+79160000005", first_name="Олег").customer_id
    _resolve(session, phone="+79160000005", email="oleg@example.com")
    actions = list(
        session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(cid)).order_by(AuditEntry.id))
    )
    assert actions == ["customer.create", "customer.enrich"]


def test_full_name_split_and_consents_tags(session: Session) -> None:
    res = _resolve(
        session,
        phone="+79160000006",
        full_name="Смирнова Ольга Петровна",
        consents={"email": True, "sms": False},
        tags=["VIP", "opt"],
    )
    read = to_read(session, session.get_one(Customer, res.customer_id))
    assert (read.last_name, read.first_name, read.middle_name) == ("Смирнова", "Ольга", "Петровна")
    assert {(c.channel, c.granted) for c in read.consents} == {("email", True), ("sms", False)}
    assert read.tags == ["opt", "vip"]
