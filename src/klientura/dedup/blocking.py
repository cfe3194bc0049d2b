"""Candidate pairs for the duplicate scan, within a bounded memory on a base of millions of cards.

Every card yields blocking keys (birth date + an initial, phone and e-mail deletion neighbourhoods, the
name pair); two cards sharing a key are a candidate pair. Keys are not kept as strings in a dictionary
(at a million cards that took 6.8 GB): each is reduced to a 64-bit hash and stored with the card id in
compact arrays, one per key family; a family is then sorted with numpy and its runs of equal hashes
become pairs. A hash collision can only add a candidate pair, which scoring then judges like any other.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

from klientura.dedup.scoring import NAME_REF, Person, Scored, name_key_of, score

MAX_BLOCK = 60  # a key shared by more cards than this says nothing (a shop's own phone, "Иванов Иван")
FAMILIES = ("birth", "phone", "email", "name")
NAME_FAMILY = 3


def _deletions(s: str) -> Iterator[str]:
    yield s
    for i in range(len(s)):
        yield s[:i] + s[i + 1 :]


def family_keys(p: Person) -> Iterator[tuple[int, str]]:
    """(family index, key) for each blocking key of a card."""
    if p.birth_date:
        bd = p.birth_date.isoformat()
        for word in {p.last_key[:2], p.first_key[:2]}:  # both words, so swapped or mistyped names still meet
            if word:
                yield 0, f"b:{bd}:{word}"
    for phone in p.phones:
        for d in _deletions(phone[-10:]):
            yield 1, f"p:{d}"
    for email in p.emails:
        local, _, domain = email.partition("@")
        if len(local) >= 4:
            yield 2, f"el:{local}"
            if len(local) <= 30:
                for d in _deletions(local):
                    yield 2, f"ed:{d}@{domain}"
    name = name_key_of(p)
    if name:
        yield NAME_FAMILY, "n:" + name


class Blocker:
    """Collects the keys of cards streamed through :meth:`add`; :meth:`pairs` gives the candidates."""

    def __init__(self, max_block: int = MAX_BLOCK) -> None:
        self.max_block = max_block
        self.hashes = [array("q") for _ in FAMILIES]
        self.ids = [array("q") for _ in FAMILIES]
        self.name_counts: dict[int, int] = {}  # hash of a name key -> cards carrying it, when more than NAME_REF

    def add(self, p: Person) -> None:
        seen: set[tuple[int, str]] = set()
        for family, key in family_keys(p):
            if (family, key) not in seen:  # a card counts once per key, however many of its contacts give it
                seen.add((family, key))
                self.hashes[family].append(hash(key))
                self.ids[family].append(p.id)

    def pairs(self) -> NDArray[np.int64]:
        """Unique candidate pairs, each packed as ``low_id << 32 | high_id``, sorted."""
        found = [np.empty(0, dtype=np.int64)]
        for family in range(len(FAMILIES)):
            keys = np.frombuffer(self.hashes[family], dtype=np.int64)
            ids = np.frombuffer(self.ids[family], dtype=np.int64)
            if len(keys) > 1:
                found.append(self._family_pairs(keys, ids, count=family == NAME_FAMILY))
            self.hashes[family], self.ids[family] = array("q"), array("q")  # free as we go
        return np.unique(np.concatenate(found))

    def namesakes(self, p: Person) -> int:
        name = name_key_of(p)
        return self.name_counts.get(hash("n:" + name), 1) if name else 1

    def _family_pairs(self, keys: NDArray[np.int64], ids: NDArray[np.int64], count: bool) -> NDArray[np.int64]:
        order = np.argsort(keys, kind="stable")
        keys, ids = keys[order], ids[order]
        del order
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        if count:
            common = sizes > NAME_REF
            self.name_counts = dict(zip(keys[starts[common]].tolist(), sizes[common].tolist(), strict=True))
        twos = starts[sizes == 2]  # most blocks hold two cards: pair them without a Python loop
        a, b = ids[twos], ids[twos + 1]
        out = [np.minimum(a, b) << 32 | np.maximum(a, b)]
        for start, size in zip(
            starts[(sizes > 2) & (sizes <= self.max_block)], sizes[(sizes > 2) & (sizes <= self.max_block)], strict=True
        ):
            members = sorted(ids[start : start + size].tolist())
            out.append(np.array([x << 32 | y for x, y in itertools.combinations(members, 2)], dtype=np.int64))
        packed = np.concatenate(out)
        return packed[(packed >> 32) != (packed & 0xFFFFFFFF)]  # type: ignore[no-any-return]


def unpack(packed: NDArray[np.int64]) -> Iterator[tuple[int, int]]:
    for start in range(0, len(packed), 1 << 16):  # a slice at a time: ten million Python ints weigh 400 MB
        for value in packed[start : start + (1 << 16)].tolist():
            yield value >> 32, value & 0xFFFFFFFF


def find_duplicates(
    people: Iterable[Person], threshold: float, load: Callable[[list[int]], Iterable[Person]] | None = None
) -> list[Scored]:
    """Scored pairs at or above ``threshold``, most likely first.

    ``people`` may be a stream: with ``load`` (ids -> cards) given, cards are not kept while blocking, and
    only those that turn up in a candidate pair are loaded again to be scored.
    """
    blocker = Blocker()
    kept: dict[int, Person] = {}
    for p in people:
        blocker.add(p)
        if load is None:
            kept[p.id] = p
    packed = blocker.pairs()
    if load is not None:
        wanted = np.unique(np.concatenate([packed >> 32, packed & 0xFFFFFFFF])).tolist()
        kept = {p.id: p for p in load(wanted)}
    out = []
    for a, b in unpack(packed):
        if a in kept and b in kept:
            pa, pb = kept[a], kept[b]
            s = score(pa, pb, max(blocker.namesakes(pa), blocker.namesakes(pb)))
            if s.probability >= threshold:
                out.append(s)
    out.sort(key=lambda s: (-s.probability, s.low_id, s.high_id))
    return out
