"""The comparisons for many pairs at once (numpy, rapidfuzz's pairwise kernels) are the per-pair comparisons:
every level of every pair equal, on the generality base, the hand cases, and random cards."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from klientura.dedup.batch import patterns_for
from klientura.dedup.comparisons import levels
from klientura.dedup.scoring import Person

WORDS = ["Иванова", "Ivanova", "Иваонва", "Анна", "Anna", "A", "Smith", "Smyth", "J", "John", "Jonh", "", "Петровна"]


def _same_as_per_pair(people: list[Person], pairs: list[tuple[int, int]]) -> None:
    left = np.array([i for i, _ in pairs], dtype=np.int64)
    right = np.array([j for _, j in pairs], dtype=np.int64)
    batch = patterns_for(people, left, right)
    for k, (i, j) in enumerate(pairs):
        assert tuple(int(x) for x in batch[k]) == levels(people[i], people[j]), (people[i], people[j])


def test_on_the_generality_base() -> None:
    from bench.dedup_general import generate

    people, _owner = generate(800)
    rng = random.Random(3)
    pairs = [(rng.randrange(len(people)), rng.randrange(len(people))) for _ in range(3000)]
    pairs += [(i, i + 1) for i in range(len(people) - 1)]  # neighbours: mostly one person's records
    _same_as_per_pair(people, pairs)


cards = st.builds(
    Person,
    id=st.just(1),
    last_name=st.sampled_from(WORDS),
    first_name=st.sampled_from(WORDS),
    middle_name=st.sampled_from(["Петровна", "Петрвна", "", "Ивановна"]),
    birth_date=st.one_of(
        st.none(),
        st.sampled_from(
            [
                date(1980, 3, 7),
                date(1980, 7, 3),
                date(1986, 3, 7),
                date(1980, 11, 28),
                date(1979, 3, 7),
                date(1908, 3, 7),
                date(980, 3, 7),
                date(1980, 3, 17),
                date(1980, 3, 8),
            ]
        ),
    ),
    gender=st.sampled_from([None, "f", "m", "F"]),
    city=st.sampled_from([None, "Тверь", "тверь", "Москва"]),
    phones=st.lists(st.sampled_from(["+79161112233", "+79161112234", "+79161112323", "+79990000000"]), max_size=2),
    emails=st.lists(
        st.sampled_from(["anna@x.ru", "anna@y.ru", "anan@x.ru", "anna1990@x.ru", "anna1991@x.ru"]), max_size=2
    ),
    postcode=st.sampled_from([None, "12345", "12399", "54321"]),
    address=st.sampled_from([None, "12 Oak Street", "12 Oak Stret", "Street Oak 12", "3 Elm St", ".", "ул. Ленина, 5"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(cards, min_size=2, max_size=8))
def test_on_random_cards(people: list[Person]) -> None:
    pairs = [(i, j) for i in range(len(people)) for j in range(len(people)) if i != j]
    _same_as_per_pair(people, pairs)


def test_no_pairs() -> None:
    people = [Person(1, "A", "B", None, date(2000, 1, 1) + timedelta(days=1))]
    assert patterns_for(people, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).shape == (0, 8)


def test_pairs_compared_in_chunks_are_compared_alike() -> None:
    from bench.dedup_general import generate

    from klientura.dedup.batch import patterns
    from klientura.dedup.cards import Cards

    people, _owner = generate(300, seed=4)
    rng = np.random.default_rng(1)
    left, right = rng.integers(0, len(people), 2000), rng.integers(0, len(people), 2000)
    whole = patterns_for(people, left, right)
    assert (patterns(Cards.of(people), left << 32 | right, chunk=7) == whole).all() and (whole != -1).any()
