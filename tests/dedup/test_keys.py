"""The blocking keys made as numbers from the cards' columns (``dedup.keys``) pair the cards their definitions in words
pair: each rule written here once more per card, as strings, brings the very same pairs — on the generality base
(Latin names, typos, addresses) and on cards with phones and e-mails."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import date, timedelta

import numpy as np
import pytest

from klientura.dedup import keys
from klientura.dedup.cards import Cards
from klientura.dedup.scoring import Person, name_key_of


def _birth(p: Person) -> Iterable[str]:
    if not p.birth_date:
        return ()
    d = p.birth_date
    day = f"{d.year}|{min(d.day, d.month)}|{max(d.day, d.month)}"
    return {f"{day}|{w[:1]}" for w in (p.last_key, p.first_key) if w} or {day}


def _word_and_initial(p: Person) -> Iterable[str]:
    if not (p.last_key and p.first_key):
        return ()
    return {f"{p.last_key}|{p.first_key[:1]}", f"{p.first_key}|{p.last_key[:1]}"}


def _names_and_place(p: Person) -> Iterable[str]:
    place = p.postcode or (p.city.casefold() if p.city else None)
    return (f"{name_key_of(p)}|{place}",) if name_key_of(p) and place else ()


def _postcode(p: Person) -> Iterable[str]:
    if not (p.postcode and p.last_key and p.first_key):
        return ()
    return {f"{p.postcode}|{p.first_key[:1]}", f"{p.postcode}|{p.last_key[:1]}"}


def _address(p: Person) -> Iterable[str]:
    if not (p.address and p.last_key and p.first_key):
        return ()
    words = p.address.casefold().replace(",", " ").replace(".", " ").split()
    number = next((w for w in words if any(ch.isdigit() for ch in w)), None)
    street = next((w for w in words if w.isalpha() and len(w) > 2), None)
    if number is None or street is None:
        return ()
    return {f"{number}|{street[:3]}|{p.last_key[:1]}", f"{number}|{street[:3]}|{p.first_key[:1]}"}


def _month(p: Person) -> Iterable[str]:
    if not (p.birth_date and p.last_key and p.first_key):
        return ()
    month = f"{p.birth_date.year}-{p.birth_date.month}"
    return {f"{month}|{p.last_key[:2]}|{p.first_key[:1]}", f"{month}|{p.first_key[:2]}|{p.last_key[:1]}"}


def _phone(p: Person) -> Iterable[str]:
    if len(p.phones) != 1 or len(p.phones[0]) <= 10 or not p.phones[0][-10:].isdigit():
        return ()
    tail = p.phones[0][-10:]
    return {f"{tail[:i]}_{tail[i + 1 :]}" for i in range(10)}


def _mailbox(p: Person) -> Iterable[str]:
    out = set()
    for e in p.emails:
        local = e.partition("@")[0]
        if len(local) >= 4:
            out.add(local)
        if len(local) >= 6:
            out.update(local[:i] + local[i + 1 :] for i in range(len(local)))
    return out


def _same_birth_date(p: Person) -> Iterable[str]:
    return (p.birth_date.isoformat(),) if p.birth_date else ()


def _same_name(p: Person) -> Iterable[str]:
    return (name_key_of(p),) if name_key_of(p) else ()


RULES: list[tuple[keys.Rule, Callable[[Person], Iterable[str]]]] = [
    (keys.birth, _birth), (keys.word_and_initial, _word_and_initial), (keys.names_and_place, _names_and_place),
    (keys.postcode, _postcode), (keys.address, _address), (keys.month, _month), (keys.phones, _phone),
    (keys.mailbox, _mailbox), (keys.same_birth_date, _same_birth_date), (keys.same_name, _same_name),
]  # fmt: skip


def _by_strings(people: list[Person], key: Callable[[Person], Iterable[str]], rank: np.ndarray) -> np.ndarray:
    index: dict[str, int] = {}
    made = [(index.setdefault(k, len(index)), i) for i, p in enumerate(people) for k in key(p)]
    if not made:
        return np.zeros(0, dtype=np.int64)
    codes, ids = np.array(made, dtype=np.int64).T
    return keys.paired(codes, ids, rank=rank)


def _contacts(n: int, seed: int = 2) -> list[Person]:
    """Cards with phones and e-mails, each of some copied with a typo in one of them."""
    rng = random.Random(seed)
    surnames, given = ["Иванова", "Петрова", "Smith", "Орлова"], ["Анна", "Мария", "Инна", "Ann"]
    out: list[Person] = []
    for k in range(n):
        phone = f"+7916{rng.randrange(10**7):07d}"
        mail = f"{rng.choice(['anna', 'maria.k', 'smith_a', 'orlova.inna'])}{rng.randrange(100)}@{rng.choice(['mail.ru', 'ya.ru'])}"
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(300))
        out.append(Person(k, rng.choice(surnames), rng.choice(given), None, born, phones=[phone], emails=[mail]))
        if rng.random() < 0.4:
            i = rng.randrange(2, len(phone))
            phone = phone[:i] + str((int(phone[i]) + 1) % 10) + phone[i + 1 :]
            j = rng.randrange(len(mail.partition("@")[0]))
            mail = mail[:j] + mail[j + 1 :]
            extra = [f"+7495{rng.randrange(10**7):07d}"] if rng.random() < 0.3 else []  # two phones: no phone key
            out.append(Person(k, rng.choice(surnames), rng.choice(given), None, born, phones=[phone, *extra],
                              emails=[mail, "x@y.z"] if extra else [mail]))  # fmt: skip
    return out


@pytest.mark.parametrize("which", ["general", "contacts"])
def test_each_rule_pairs_what_its_words_say(which: str) -> None:
    from bench.dedup_general import generate

    people = generate(500, seed=7)[0] if which == "general" else _contacts(600)
    cards = Cards.of(people)
    columns = keys.Columns(cards)
    rank = keys.rank_by_name(cards, columns)
    brought = 0
    for numbers, words in RULES:
        made = keys.pairs(numbers(cards, columns), rank=rank)
        assert set(made.tolist()) == set(_by_strings(people, words, rank).tolist()), words.__name__
        brought += len(made)
    assert brought > 1000


def test_keys_split_into_parts_pair_as_they_do_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    people = _contacts(800, seed=3)
    cards = Cards.of(people)
    columns = keys.Columns(cards)
    whole = keys.pairs(keys.mailbox(cards, columns))
    monkeypatch.setattr(keys, "PART", 100)
    parted = keys.pairs(keys.mailbox(cards, columns))
    assert len(whole) > 50 and np.array_equal(whole, parted)


def test_two_sorted_sets_of_pairs_merge_into_their_union() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        a = np.unique(rng.integers(0, 60, rng.integers(0, 30)))
        b = np.unique(rng.integers(0, 60, rng.integers(0, 30)))
        assert np.array_equal(keys.merge(a, b), np.union1d(a, b))


def test_an_e_mail_of_several_cards_keys_each_of_them() -> None:
    people = [Person(1, "A", "B", emails=["malyshev@mail.ru"]), Person(2, "C", "D", emails=["malyshev@mail.ru"]),
              Person(3, "E", "F", emails=["malyhev@mail.ru"])]  # fmt: skip
    cards = Cards.of(people)
    assert _pairs(keys.pairs(keys.mailbox(cards, keys.Columns(cards)))) == {(0, 1), (0, 2), (1, 2)}


def _pairs(packed: np.ndarray) -> set[tuple[int, int]]:
    return {(int(x) >> 32, int(x) & 0xFFFFFFFF) for x in packed}


def test_the_candidates_made_a_range_of_cards_at_a_time_are_every_rule_s_pairs_once() -> None:
    from bench.dedup_general import generate

    from klientura.dedup.learning import Candidates

    cards = Cards.of(generate(400, seed=2)[0] + _contacts(300))
    whole = Candidates(cards, parts=1).every()
    parted = Candidates(cards, parts=7)
    assert np.array_equal(parted.every(), whole) and len(whole) == len(np.unique(whole)) > 1000
    union = set().union(*(set(rule.between(0, len(cards)).tolist()) for rule in parted.rules))
    assert set(whole.tolist()) == union


def test_a_rule_s_pairs_kept_as_rows_give_back_any_range_of_first_cards() -> None:
    from klientura.dedup.keys import Rows

    packed = np.array(sorted({(i << 32) | j for i, j in [(0, 3), (0, 7), (2, 5), (2, 9), (5, 6), (8, 9), (2, 3)]}))
    rows = Rows(packed, 10)
    assert len(rows) == 7 and rows.partners.dtype == np.uint32
    assert np.array_equal(rows.between(0, 10), packed)
    for low in range(11):
        for high in range(low, 11):
            assert np.array_equal(rows.between(low, high), packed[(packed >> 32 >= low) & (packed >> 32 < high)])
    assert len(Rows(np.zeros(0, dtype=np.int64), 5).between(0, 5)) == 0
