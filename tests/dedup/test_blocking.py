"""The hashed, sorted blocking finds exactly the pairs a plain dictionary of key strings finds."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from klientura.dedup import Person, find_duplicates, score
from klientura.dedup.blocking import MAX_BLOCK, Blocker, family_keys, unpack
from klientura.dedup.scoring import NAME_REF, name_key_of

_names = st.sampled_from(["Иванов", "Иванова", "Ivanov", "Петров", "Смирнова", "Смрнова", "Анна", "Иван", ""])
_phones = st.lists(st.sampled_from(["+79161234567", "+79161234568", "+79161234577", "+79031112233"]), max_size=2)
_emails = st.lists(st.sampled_from(["anna.i@mail.ru", "ana.i@mail.ru", "anna.i@ya.ru", "ivan@x.ru"]), max_size=2)
_dates = st.one_of(st.none(), st.sampled_from([date(1990, 2, 1), date(1985, 5, 5)]))


@st.composite
def people(draw: st.DrawFn) -> list[Person]:
    n = draw(st.integers(min_value=0, max_value=80))
    return [
        Person(i + 1, draw(_names), draw(_names), None, draw(_dates), None, None, draw(_phones), draw(_emails))
        for i in range(n)
    ]


def reference_pairs(persons: list[Person]) -> set[tuple[int, int]]:
    blocks: dict[str, set[int]] = defaultdict(set)
    for p in persons:
        for _family, key in family_keys(p):
            blocks[key].add(p.id)
    pairs: set[tuple[int, int]] = set()
    for ids in blocks.values():
        if 2 <= len(ids) <= MAX_BLOCK:
            pairs.update(itertools.combinations(sorted(ids), 2))
    return pairs


@settings(max_examples=150, deadline=None)
@given(persons=people())
def test_blocker_agrees_with_a_dictionary_of_keys(persons: list[Person]) -> None:
    blocker = Blocker()
    for p in persons:
        blocker.add(p)
    assert set(unpack(blocker.pairs())) == reference_pairs(persons)


@settings(max_examples=50, deadline=None)
@given(persons=people())
def test_streaming_scan_equals_the_in_memory_scan(persons: list[Person]) -> None:
    by_id = {p.id: p for p in persons}
    kept = find_duplicates(persons, 0.5)
    streamed = find_duplicates(iter(persons), 0.5, load=lambda ids: [by_id[i] for i in ids])
    assert [(s.low_id, s.high_id, s.probability) for s in kept] == [
        (s.low_id, s.high_id, s.probability) for s in streamed
    ]
    names = Counter(name_key_of(p) for p in persons)

    def namesakes(p: Person) -> int:
        n = names[name_key_of(p)] if name_key_of(p) else 1
        return n if n > NAME_REF else 1

    for s in kept:
        a, b = by_id[s.low_id], by_id[s.high_id]
        assert s.probability == score(a, b, max(namesakes(a), namesakes(b))).probability


def test_an_oversized_block_yields_no_pairs() -> None:
    same = [Person(i, "Иванов", "Иван", None, None, None, None, [], []) for i in range(1, MAX_BLOCK + 2)]
    blocker = Blocker()
    for p in same:
        blocker.add(p)
    assert len(blocker.pairs()) == 0
