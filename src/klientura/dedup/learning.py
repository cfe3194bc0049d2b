"""Learning the duplicate model from a base (issue 21): random pairs give u, blocking rules give candidate pairs,
EM gives m (:mod:`klientura.dedup.fs_model`); the candidates are then scored, the names' frequencies adjusting the
weight of agreeing names.

The blocking rules — keys two cards must share to be compared; the comparisons a key decides or leans on (an
initial shared makes near names likelier among different people too) are not trained on its pairs:

- the birth date, its day and month in either order;
- a name word and the other word's initial, as written and swapped (a typo in the other word still meets);
- both name words, in either order, and the place (postcode, else city): a common name's namesakes split by town;
- the postcode and a name's initial;
- the house number and the street's first letters with a name's initial;
- the birth year and month with a name's first two letters (a typo in the day still meets).

A key shared by more than ``MAX_BLOCK`` cards (a thousand "John Smith", a crowded postcode) is not paired whole: its
cards, sorted by name and birth date, meet only their next ``WINDOW`` neighbours (a sorted neighbourhood), so the
candidates grow with the cards, not with their square.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from klientura.dedup.batch import Cards
from klientura.dedup.comparisons import COMPARISONS, Frequencies, levels
from klientura.dedup.fs_model import Model, Patterns, Rule, distinct, prior_from, train
from klientura.dedup.scoring import Person, name_key_of

MAX_BLOCK = 20
WINDOW = 8  # in a block larger than MAX_BLOCK, each card meets its next WINDOW neighbours by name and birth date
RANDOM_PAIRS = 200_000

Key = Callable[[Person], Iterable[str]]


def _birth(p: Person) -> Iterable[str]:
    """The birth date, its day and month in either order (a swap still meets), with the initial of either name word
    (a base of a million holds fifty cards a day: the date alone would pair them all)."""
    if not p.birth_date:
        return ()
    d = p.birth_date
    day = f"{d.year}|{min(d.day, d.month)}|{max(d.day, d.month)}"
    return {f"{day}|{w[:1]}" for w in (p.last_key, p.first_key) if w} or {day}


def _word_and_initial(p: Person) -> Iterable[str]:
    """Each name word with the other's initial — as written and swapped, so a surname typed as the given name
    still meets."""
    if not (p.last_key and p.first_key):
        return ()
    return {f"{p.last_key}|{p.first_key[:1]}", f"{p.first_key}|{p.last_key[:1]}"}


def _place(p: Person) -> str | None:
    return p.postcode or (p.city.casefold() if p.city else None)


def _names_and_place(p: Person) -> Iterable[str]:
    """Both name words (in either order) and the place: a common name's namesakes split by where they live."""
    place = _place(p)
    return (f"{name_key_of(p)}|{place}",) if name_key_of(p) and place else ()


def _postcode(p: Person) -> Iterable[str]:
    if not (p.postcode and p.last_key and p.first_key):
        return ()
    return {f"{p.postcode}|{p.first_key[:1]}", f"{p.postcode}|{p.last_key[:1]}"}


def _address(p: Person) -> Iterable[str]:
    """The street address's house number and the street's first letters, with a name's initial."""
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
    return {f"{month}|{p.last_key[:2]}", f"{month}|{p.first_key[:2]}"}


# (name, keys, the comparisons the keys decide or lean on: they are no evidence among the rule's pairs)
RULES: tuple[tuple[str, Key, tuple[int, ...]], ...] = (
    ("birth date", _birth, (3,)),
    ("a name word and the other's initial", _word_and_initial, (0, 1, 4)),  # a given name implies the gender
    ("the name and the place", _names_and_place, (0, 1, 4, 7)),
    ("postcode and an initial", _postcode, (7, 0, 1)),
    ("house, street and an initial", _address, (7, 0, 1)),
    ("birth month and a name's first letters", _month, (3, 0, 1)),
)


def sorted_unique(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique`` by sorting (numpy 2's hashing unique took 0.9 s a call on a few million numbers, sorting 0.2)."""
    ordered = np.sort(values)
    kept: npt.NDArray[np.int64] = ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
    return kept


def blocked_pairs(
    people: Sequence[Person], key: Key, max_block: int = MAX_BLOCK, rank: npt.NDArray[np.int64] | None = None
) -> npt.NDArray[np.int64]:
    """The pairs of cards sharing a key, each once, packed ``i << 32 | j`` (indices, i < j) and sorted. Each key is
    hashed to a number (a collision can only add a candidate), the numbers sorted, and each run of equal ones — a
    block of at most ``max_block`` cards — paired as arrays, all blocks of one size at a time. A larger block (a
    common name, a crowded postcode) is not paired whole: its cards, in the order of ``rank`` (their names and birth
    dates sorted), are paired with their next :data:`WINDOW` neighbours only — or, without ``rank``, left out."""
    hashes: list[int] = []
    owners: list[int] = []
    for i, p in enumerate(people):
        for k in key(p):
            hashes.append(hash(k))
            owners.append(i)
    keys, ids = np.array(hashes, dtype=np.int64), np.array(owners, dtype=np.int64)
    order = np.lexsort((ids if rank is None else rank[ids], keys))
    keys, ids = keys[order], ids[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    found = [np.zeros(0, dtype=np.int64)]
    for size in np.unique(sizes[(sizes > 1) & (sizes <= max_block)]).tolist():
        first = starts[sizes == size]
        x, y = np.triu_indices(size, 1)
        a, b = ids[first[:, None] + x[None, :]].ravel(), ids[first[:, None] + y[None, :]].ravel()
        found.append(np.minimum(a, b) << 32 | np.maximum(a, b))
    if rank is not None and (sizes > max_block).any():  # the sorted neighbourhood of each large block
        block = np.repeat(np.arange(len(starts)), sizes)
        large = np.repeat(sizes > max_block, sizes)
        for step in range(1, WINDOW + 1):
            at = np.flatnonzero(large[:-step] & (block[:-step] == block[step:]))
            a, b = ids[at], ids[at + step]
            found.append(np.minimum(a, b) << 32 | np.maximum(a, b))
    packed = sorted_unique(np.concatenate(found))
    apart: npt.NDArray[np.int64] = packed[(packed >> 32) != (packed & 0xFFFFFFFF)]
    return apart


@dataclass
class Candidates:
    """The pairs the blocking rules brought (indices into the cards, i < j, each pair once), their levels, and which
    of them each rule brought."""

    pairs: npt.NDArray[np.int64]  # pairs x 2
    patterns: Patterns
    per_rule: list[tuple[npt.NDArray[np.int64], tuple[int, ...]]]  # (rows of pairs, the comparisons it blocked on)


def candidates(people: Sequence[Person], cards: Cards | None = None) -> Candidates:
    names = [f"{name_key_of(p) or p.last_key or p.first_key}|{p.birth_date or ''}" for p in people]
    rank = np.empty(len(people), dtype=np.int64)
    rank[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(len(people))
    mine = [(blocked_pairs(people, key, rank=rank), blocked_on) for _name, key, blocked_on in RULES]
    every = sorted_unique(np.concatenate([packed for packed, _ in mine])) if mine else np.zeros(0, dtype=np.int64)
    per_rule = [(np.searchsorted(every, packed), blocked_on) for packed, blocked_on in mine]  # each rule's rows
    pairs = np.stack([every >> 32, every & 0xFFFFFFFF], axis=1)
    return Candidates(pairs, (cards or Cards(people)).patterns(pairs[:, 0], pairs[:, 1]), per_rule)


@dataclass
class Learned:
    model: Model
    candidates: Candidates
    probabilities: npt.NDArray[np.float64]  # of each candidate, names' frequencies adjusted

    @property
    def pairs_seen(self) -> int:  # candidate pairs the rules brought (once each)
        return len(self.candidates.pairs)

    def pairs(self) -> list[tuple[int, int]]:
        """The candidates as (i, j) indices into the cards."""
        return [(i, j) for i, j in self.candidates.pairs.tolist()]


def learn(people: Sequence[Person], *, seed: int = 1, random_pairs: int = RANDOM_PAIRS) -> Learned:
    """Fit the model to ``people`` and score every candidate pair."""
    rng = random.Random(seed)
    n = len(people)
    sample = np.array([(i, j) for i, j in ((rng.randrange(n), rng.randrange(n)) for _ in range(random_pairs if n > 1
                       else 0)) if i != j], dtype=np.int64).reshape(-1, 2)  # fmt: skip
    cards = Cards(people)  # the cards as arrays, once for the random pairs and the candidates
    sampled = cards.patterns(sample[:, 0], sample[:, 1])
    found = candidates(people, cards)
    rules = [Rule(*distinct(found.patterns[mine]), blocked_on) for mine, blocked_on in found.per_rule if len(mine)]
    model = train(COMPARISONS, sampled, rules, n * (n - 1) // 2)
    evidence = _evidence(model, people, found)
    if len(evidence):  # the prior again, the names' frequencies counted: most namesakes are common names
        model.prior = prior_from(evidence, np.ones(len(evidence)), n * (n - 1) // 2)
    return Learned(model, found, _probability(evidence, model.prior))


def score(model: Model, people: Sequence[Person], *, trained_on: int, frequencies: bool = True) -> Learned:
    """Score the candidate pairs of ``people`` with a model learned before on ``trained_on`` cards (without
    ``frequencies``, no name weighs more or less for being rare or common: a small base cannot tell)."""
    found = candidates(people)
    evidence = _evidence(model, people, found, frequencies)
    return Learned(model, found, _probability(evidence, scaled_prior(model.prior, trained_on, len(people))))


def scaled_prior(prior: float, trained_on: int, cards: int) -> float:
    """The prior — the chance that two cards drawn at random are one person — of a base of ``cards`` from one
    learned on ``trained_on``: the duplicates grow with the cards, the pairs with their square."""
    return min(max(prior * max(trained_on - 1, 1) / max(cards - 1, 1), 1e-15), 0.5)


def _evidence(
    model: Model, people: Sequence[Person], found: Candidates, frequencies: bool = True
) -> npt.NDArray[np.float64]:
    """Each candidate's evidence in bits (its levels' weights, the names' frequencies adjusted), the prior left out."""
    every = found.patterns
    evidence = model.match_weight(every) - math.log2(model.prior / (1 - model.prior))
    if not frequencies:
        return evidence
    evidence += Frequencies(people).adjustments(people, found.pairs[:, 0], every, model.u)
    return evidence


def _probability(evidence: npt.NDArray[np.float64], prior: float) -> npt.NDArray[np.float64]:
    bits = evidence + math.log2(prior / (1 - prior))
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp2(-np.clip(bits, -60, 60)))
    return out


def explain(model: Model, a: Person, b: Person) -> list[tuple[str, str, float]]:
    """(comparison, level, weight in bits) of a pair, for the page."""
    found = levels(a, b)
    weights = model.weights()
    return [
        (c.name, c.levels[level], float(weights[j][level]))
        for j, (c, level) in enumerate(zip(model.comparisons, found, strict=True))
        if level >= 0
    ]
