"""Company duplicates (issue 18), suggested like customer duplicates: hand-made cases (the legal form and quotes set
aside, the same city needed for a name match, the same phone or site anywhere), a manager seeing only their own
companies' suggestions, and the blocked scan of the whole base checked against comparing every pair."""

from __future__ import annotations

import random
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import actor_for_user, create_user
from klientura.sales import Company, CompanyIn, company_duplicates, create_company, similar_companies
from klientura.sales.company_dupes import _compare, _facts, name_key, site_key
from tests.factories import SHOP


def _company(session: Session, name: str, **fields: object) -> int:
    made, _new = create_company(session, SYSTEM, CompanyIn.model_validate({"name": name, **fields}), SHOP)
    return made.id


def test_keys() -> None:
    assert name_key("ООО «Ромашка»") == name_key("Ромашка, ооо") == name_key('ООО "РОМАШКА"') == "ромашка"
    assert name_key("ИП Ёлкин А.А.") == "елкин а а"
    assert site_key("https://www.Romashka.ru/contacts") == site_key("romashka.ru") == "romashka.ru"


def test_what_is_suggested_and_why(app_session: Session) -> None:
    s = app_session
    base = _company(s, "ООО «Ромашка»", city="Москва", phone="+7 495 123-45-67", site="romashka.ru")
    renamed = _company(s, "Ромашка ООО", city="москва")
    elsewhere = _company(s, "Ромашка", city="Казань")
    by_phone = _company(s, "ТД Цветы", city="Тула", phone="8 (495) 123-45-67")
    by_site = _company(s, "Цветочный дом", site="https://www.romashka.ru/about")
    _company(s, "ООО «Лютик»", city="Москва")
    found = {(x.right if x.left == base else x.left): x.reasons for x in similar_companies(s, SYSTEM, base)}
    assert found == {renamed: ["name"], by_phone: ["phone"], by_site: ["site"]}
    assert elsewhere not in found  # the same name in another city is another company
    pairs = {(p.left, p.right) for p in company_duplicates(s, SYSTEM)}
    assert (base, renamed) in pairs and (base, by_phone) in pairs and (by_phone, by_site) not in pairs


def test_a_manager_is_shown_their_own_companies_only(app_session: Session) -> None:
    s = app_session
    one = create_user(s, SYSTEM, "one@test.local", "One", "manager", "password123")
    two = create_user(s, SYSTEM, "two@test.local", "Two", "manager", "password123")
    mine = _company(s, "ООО «Ромашка»", city="Москва", owner_id=one.id)
    _company(s, "Ромашка", city="Москва", owner_id=two.id)
    assert similar_companies(s, actor_for_user(one), mine) == []
    assert company_duplicates(s, actor_for_user(one)) == []
    assert len(company_duplicates(s, SYSTEM)) == 1


def test_the_blocked_scan_finds_what_comparing_every_pair_finds(app_session: Session) -> None:
    s = app_session
    rng = random.Random(5)
    words = ["Альфа", "Вектор", "Гранит", "Дельта", "Заря", "Импульс", "Кварц", "Лотос", "Меридиан", "Нива"]
    cities = ["Москва", "Тула", "Казань", None]
    forms = ["ООО «{}»", "{} ООО", "АО {}", "ТД «{}»", "{}"]
    for i in range(300):
        name = f"{rng.choice(words)} {rng.choice(words)}{'' if rng.random() < 0.5 else f' {i}'}"
        phone = f"+7495{rng.randint(0, 40):07d}" if rng.random() < 0.3 else None
        site = f"site{rng.randint(0, 40)}.ru" if rng.random() < 0.2 else None
        _company(s, rng.choice(forms).format(name), city=rng.choice(cities), phone=phone, site=site)
    facts = [_facts(c) for c in s.scalars(select(Company))]
    every = {(x.left, x.right) for a, b in combinations(facts, 2) if (x := _compare(a, b))}
    blocked = {(p.left, p.right) for p in company_duplicates(s, SYSTEM, limit=100_000)}
    assert len(every) > 50
    assert blocked == every  # blocking loses nothing the rule would find
