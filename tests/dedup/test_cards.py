"""The cards read from the store as columns (``dedup.service.load_cards``: the driver's rows, dates as text on
SQLite, phones kept as numbers) compare as the same cards read as :class:`Person` objects do, pair by pair — merged
cards and their contacts left out, a card of several phones or e-mails, a phone not in E.164, a missing field."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session

from klientura import dedup
from klientura.customers import Customer, Identity
from klientura.dedup.batch import patterns
from klientura.dedup.cards import Cards
from klientura.dedup.comparisons import levels
from klientura.dedup.service import load_cards

CARDS = [
    {"last_name": "Иванова", "first_name": "Анна", "middle_name": "Петровна", "birth_date": date(1980, 3, 7),
     "gender": "f", "city": "Тверь", "postcode": "170001", "address": "ул. Ленина, 5"},
    {"last_name": "Ivanova", "first_name": "Anna", "birth_date": date(1980, 7, 3), "city": "тверь",
     "postcode": "170099", "address": "Ленина ул 5"},
    {"last_name": "Иванова", "first_name": None, "birth_date": date(1980, 3, 8), "gender": "F"},
    {"last_name": None, "first_name": "Анна", "middle_name": "Петрвна"},
    {"last_name": "Анна", "first_name": "Иванова", "city": "Москва"},  # the words swapped
    {"last_name": "Петров", "first_name": "Олег", "birth_date": date(1975, 1, 1), "gender": "m"},
    {"last_name": "Петров", "first_name": "Олег", "merged": True},  # merged into the card above: not a card any more
]  # fmt: skip
CONTACTS = [
    (0, "phone", "+79161112233"), (0, "email", "anna.ivanova@mail.ru"),
    (1, "phone", "+79161112234"), (1, "email", "ana.ivanova@mail.ru"), (1, "email", "anna@ya.ru"),
    (2, "phone", "+79161112238"), (2, "phone", "+74950000000"), (2, "card", "200000018154"),
    (3, "phone", "erased:17"), (3, "email", "anna.ivanova@gmail.com"),
    (5, "phone", "+12025550143"), (6, "phone", "+79990001122"), (6, "email", "oleg@mail.ru"),
]  # fmt: skip


def test_the_cards_read_from_the_store_compare_as_their_people_do(session: Session) -> None:
    rows = [{k: v for k, v in card.items() if k != "merged"} for card in CARDS]
    ids = list(session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows))
    for k, card in enumerate(CARDS):
        if card.get("merged"):
            session.get(Customer, ids[k]).merged_into_id = ids[k - 1]  # type: ignore[union-attr]
    session.execute(insert(Identity), [{"customer_id": ids[k], "kind": kind, "value": value}
                                       for k, kind, value in CONTACTS])  # fmt: skip
    session.flush()
    cards = load_cards(session)
    people = dedup.load_people(session)
    assert cards.ids.tolist() == [p.id for p in people] == ids[:-1]
    n = len(people)
    packed = np.array([i << 32 | j for i in range(n) for j in range(n) if i != j], dtype=np.int64)
    stored, made = patterns(cards, packed), patterns(Cards.of(people), packed)
    assert (stored == made).all()
    for k, x in enumerate(packed.tolist()):
        assert tuple(int(v) for v in stored[k]) == levels(people[x >> 32], people[x & 0xFFFFFFFF])
    assert cards.phones.of(3) == ["erased:17"] and sorted(cards.emails.of(1)) == ["ana.ivanova@mail.ru", "anna@ya.ru"]
    assert set(stored[:, 5].tolist()) >= {1, 2} and set(stored[:, 6].tolist()) >= {1, 2, 3}
