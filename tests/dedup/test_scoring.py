from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.customers import CustomerIn, prepare, resolve
from klientura.dedup import Person, dismiss, find_duplicates, list_suggestions, scan, score
from tests.factories import SHOP


def P(
    i: int,
    last: str,
    first: str,
    bd: date | None = None,
    phones: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
    middle: str | None = None,
    gender: str | None = None,
) -> Person:
    return Person(i, last, first, middle, bd, gender, None, list(phones), list(emails))


BD = date(1990, 2, 1)


def test_cyrillic_latin_and_swapped_names_with_the_same_birth_date() -> None:
    s = score(P(1, "Иванов", "Иван", BD), P(2, "Ivan", "Ivanov", BD))
    assert s.probability > 0.95
    assert any("same birth date" in r["text"] for r in s.reasons)


def test_typo_in_surname_and_a_phone_one_digit_apart() -> None:
    s = score(P(1, "Смирнова", "Ольга", phones=("+79161234567",)), P(2, "Смрнова", "Ольга", phones=("+79161234568",)))
    assert s.probability > 0.95
    assert "dedup.reason.phone_digit" in [r["code"] for r in s.reasons]


def test_different_people_are_kept_apart() -> None:
    assert score(P(1, "Иванов", "Иван", BD), P(2, "Иванов", "Иван", date(1971, 7, 3))).probability < 0.2
    # two real names one letter apart are two people, not a typo
    assert (
        score(
            P(1, "Жукова", "Инна", emails=("inna.zhukova@mail.ru",)),
            P(2, "Жукова", "Нина", emails=("nina.zhukova@mail.ru",)),
        ).probability
        < 0.5
    )
    # a namesake is not enough
    assert score(P(1, "Петров", "Пётр"), P(2, "Петров", "Петр")).probability < 0.5
    assert score(P(1, "Иванова", "Анна", BD, gender="f"), P(2, "Иванова", "Анна", BD, gender="m")).probability < 0.8


def test_blocking_finds_pairs_without_comparing_everyone() -> None:
    people = [P(i, "Фамилия" + str(i), "Имя", date(1950 + i % 50, 1 + i % 12, 1 + i % 28)) for i in range(1, 2000)]
    people += [
        P(5000, "Кузнецов", "Дмитрий", BD, emails=("dkuznetsov@mail.ru",)),
        P(5001, "Кузнецов", "Дмитрии", None, emails=("dkuznetsov@gmail.com",)),
    ]
    found = find_duplicates(people, 0.8)
    assert [(s.low_id, s.high_id) for s in found] == [(5000, 5001)]


NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_scan_list_and_dismiss(session: Session) -> None:
    a = resolve(
        session, SYSTEM, prepare(CustomerIn(phone="+79160000201", full_name="Сидорова Анна", birth_date=BD), shop=SHOP)
    ).customer_id
    b = resolve(
        session,
        SYSTEM,
        prepare(CustomerIn(email="anna.s@example.com", full_name="Sidorova Anna", birth_date=BD), shop=SHOP),
    ).customer_id
    assert scan(session, SYSTEM, NOW, precision=0.98) == 1  # a base of two cards: the built-in weights
    (s,) = list_suggestions(session, SYSTEM)
    assert (s.low_id, s.high_id) == (a, b) and s.reasons
    dismiss(session, SYSTEM, b, a)
    assert list_suggestions(session, SYSTEM) == []
    assert scan(session, SYSTEM, NOW, precision=0.98) == 0  # dismissed stays dismissed


def test_a_common_name_says_less() -> None:
    a, b = P(1, "Иванова", "Анна", BD, gender="f"), P(2, "Иванова", "Анна", BD, gender="f")
    rare, common = score(a, b, namesakes=1), score(a, b, namesakes=150)
    assert rare.probability >= 0.95 and common.probability < 0.8
    assert any("common name: 150 cards" in r["text"] for r in common.reasons)
    # with a phone one digit apart the pair stays certain, however common the name
    a.phones, b.phones = ["+79161234567"], ["+79161234568"]
    assert score(a, b, namesakes=150).probability > 0.99


def test_the_scan_counts_namesakes_in_the_base() -> None:
    base = [P(i, "Иванова", "Анна", date(1950, 1, 1) + timedelta(days=i), gender="f") for i in range(1, 151)]
    twin_a, twin_b = P(100, "Иванова", "Анна", BD, gender="f"), P(101, "Анна", "Иванова", BD, gender="f")
    found = find_duplicates([*base, twin_a, twin_b], 0.5)
    pair = next(s for s in found if (s.low_id, s.high_id) == (100, 101))
    assert pair.probability == score(twin_a, twin_b, namesakes=152).probability < 0.8
