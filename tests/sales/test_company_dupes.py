"""Company duplicates (issues 18 and 21), weighed by the duplicate engine of the customers: hand-made cases (the legal
form and quotes set aside, the same city needed for a name match, the same phone or site anywhere, different INNs
never), a manager seeing only their own companies' suggestions, the blocked scan of the whole base checked against
weighing every pair, and a base large enough learning its own weights."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import actor_for_user, create_user
from klientura.sales import Company, CompanyIn, company_duplicates, company_model, create_company, similar_companies
from klientura.sales.company_dupes import _facts, candidates, name_key, site_key
from klientura.sales.company_model import Facts
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
    suggested = similar_companies(s, SYSTEM, base, precision=0.97)
    found = {(x.right if x.left == base else x.left): x.reasons for x in suggested}
    score = {(x.right if x.left == base else x.left): x.score for x in suggested}
    assert {renamed: ["name"], by_phone: ["phone"], by_site: ["site"]}.items() <= found.items()
    # the same name in another city: in a base of six companies about as likely one company as two — last if shown
    assert set(found) <= {renamed, by_phone, by_site, elsewhere}
    assert score.get(elsewhere, 0) < 60 < min(score[renamed], score[by_phone], score[by_site])
    assert [x.score for x in suggested] == sorted((x.score for x in suggested), reverse=True)
    pairs = {(p.left, p.right) for p in company_duplicates(s, SYSTEM, precision=0.97)}
    assert (base, renamed) in pairs and (base, by_phone) in pairs and (by_phone, by_site) not in pairs


def test_a_manager_is_shown_their_own_companies_only(app_session: Session) -> None:
    s = app_session
    one = create_user(s, SYSTEM, "one@test.local", "One", "manager", "password123")
    two = create_user(s, SYSTEM, "two@test.local", "Two", "manager", "password123")
    mine = _company(s, "ООО «Ромашка»", city="Москва", owner_id=one.id)
    _company(s, "Ромашка", city="Москва", owner_id=two.id)
    assert similar_companies(s, actor_for_user(one), mine, precision=0.97) == []
    assert company_duplicates(s, actor_for_user(one), precision=0.97) == []
    assert len(company_duplicates(s, SYSTEM, precision=0.97)) == 1


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
    facts = [_facts(c) for c in s.scalars(select(Company).order_by(Company.id))]
    model, threshold = company_model.learn(facts, candidates(facts), 0.97)
    everything = list(combinations(range(len(facts)), 2))
    p = company_model.probabilities(model, company_model.patterns(facts, everything))
    every = {(facts[i].id, facts[j].id) for (i, j), x in zip(everything, p, strict=True) if x >= threshold}
    blocked = {(p.left, p.right) for p in company_duplicates(s, SYSTEM, precision=0.97, limit=100_000)}
    assert len(every) > 50
    assert blocked == every  # blocking loses nothing the model would suggest


def test_two_companies_with_different_inns_are_never_one(app_session: Session) -> None:
    s = app_session
    base = _company(s, "ООО «Ромашка»", city="Москва", phone="+7 495 123-45-67", inn="7707083893")
    branch = _company(s, "Ромашка", city="Москва", phone="+7 495 123-45-67", inn="7728168971")
    typed_again = _company(s, "Ромашка ООО", city="Москва", phone="+7 495 123-45-67")
    found = {x.right if x.left == base else x.left for x in similar_companies(s, SYSTEM, base, precision=0.97)}
    assert found == {typed_again}  # the same phone and name, but another INN: another legal entity
    assert branch not in found


def test_a_large_base_learns_its_own_weights() -> None:
    from bench.company_builtin import generate

    facts, owner = generate(3000, seed=11)
    by: dict[int, list[int]] = {}
    for i, o in enumerate(owner):
        by.setdefault(o, []).append(i)
    truth = {p for members in by.values() for p in combinations(members, 2)}
    found = candidates(facts)
    model, threshold = company_model.learn(facts, found, 0.97)
    builtin, _companies, _threshold = company_model.builtin()
    assert not all(np.allclose(a, b) for a, b in zip(model.u, builtin.u, strict=True))  # read from this base
    weights = dict(zip((c.name for c in model.comparisons), model.weights(), strict=True))
    assert weights["phone"][0] > 10 and weights["name"][0] > 3 and weights["city"][1] < 0  # learned, and sensible
    p = company_model.probabilities(model, company_model.patterns(facts, found))
    said = {pair for pair, x in zip(found, p, strict=True) if x >= threshold}
    assert len(said & truth) / len(said) >= 0.9 and len(said & truth) / len(truth) >= 0.4


def test_a_common_name_shared_says_less_than_a_rare_one() -> None:
    """Term frequencies, as for people's names: in a base where 150 companies are called "Вектор", two of them in one
    town are less likely one company than the only two called "Эльбрус Гидравлика" there; a small base cannot tell."""
    rng = random.Random(3)
    towns = ["москва", "тула", "казань", "омск", "пермь"]
    facts = [Facts(i, "Вектор", rng.choice(towns), "вектор", None, None) for i in range(150)]
    facts += [Facts(150 + i, f"Компания {i}", rng.choice(towns), f"компания {i}", f"49512{i:05d}", None)
              for i in range(1050)]  # fmt: skip
    facts += [Facts(2000, "Эльбрус Гидравлика", "тула", "эльбрус гидравлика", None, None),
              Facts(2001, "ООО «Эльбрус Гидравлика»", "тула", "эльбрус гидравлика", None, None)]  # fmt: skip
    common = next((i, j) for i, j in combinations(range(150), 2) if facts[i].city == facts[j].city)
    rare = (len(facts) - 2, len(facts) - 1)
    model, _threshold = company_model.learn(facts, candidates(facts), 0.97)
    shares = company_model.name_shares(facts)
    assert shares is not None and shares["вектор"] == 150 / len(facts)
    found = company_model.patterns(facts, [common, rare])
    assert found[:, :2].tolist() == [[0, 0], [0, 0]]  # the same levels: the same name, the same town
    bits = company_model.name_bits(model, facts, [common, rare], found, shares)
    assert bits[0] < -2 and 0 < bits[1] <= company_model.RARE_CAP
    with_names = company_model.probabilities(model, found, bits)
    without = company_model.probabilities(model, found)
    assert without[0] == without[1] and with_names[0] < without[0] < with_names[1]
    assert company_model.name_shares(facts[:999]) is None  # under MIN_COMPANIES: the built-in weights, no frequencies
    assert not company_model.name_bits(model, facts, [common], found[:1], None).any()
