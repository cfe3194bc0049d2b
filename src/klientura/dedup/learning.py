"""Learning the duplicate model from a base (issue 21): random pairs give u, EM over training pairs gives m
(:mod:`klientura.dedup.fs_model`), blocking rules give the candidate pairs, which are then scored, the names'
frequencies adjusting the weight of agreeing names.

The training pairs are not the candidates. EM needs pairs in which the different people look like random pairs on
every comparison it trains — the u it holds is read from random pairs. The candidates are not such pairs: their rules
key on names' initials and sort crowded blocks by name, so their different people have nearer names than random ones
do, and at a million cards EM took that for the "same person" class (a third of the pairs, names mostly "else").
So m is learned, as Splink's guide does it, from pairs sharing the birth date (everything but the date trained) and
pairs sharing both name words (the rest trained), a random sample of at most :data:`TRAINING_PAIRS` each; a crowded
date or name pairs each card with a few others drawn at random.

The blocking rules — keys two cards must share to be compared:

- the birth date, its day and month in either order, with a name's initial;
- a name word and the other word's initial, as written and swapped (a typo in the other word still meets);
- both name words, in either order, and the place (postcode, else city): a common name's namesakes split by town;
- the postcode and a name's initial;
- the house number and the street's first letters with a name's initial;
- the birth year and month with a name's first two letters (a typo in the day still meets);
- the phone with one digit masked (:func:`phone_keys`: a phone one digit off meets);
- the e-mail's mailbox name (the same one on another domain), and it with each letter left out (a letter apart).

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
from klientura.dedup.fs_model import Model, Patterns, Rule, distinct, prior_from, probability_of, train
from klientura.dedup.scoring import Person, name_key_of

MAX_BLOCK = 20
WINDOW = 8  # in a block larger than MAX_BLOCK, each card meets its next WINDOW neighbours by name and birth date
RANDOM_PAIRS = 200_000
TRAINING_PAIRS = 1_000_000  # per training rule, at most

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


def phone_keys(cards: Cards) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The phone's last ten digits with each digit in turn masked (ten keys a card): two phones one digit apart share
    exactly one of them, and different people's phones almost never do. Keys and their cards, as arrays."""
    _has, simple, digits, _codes = cards.phones
    ids = np.flatnonzero(simple)
    powers = 10 ** np.arange(9, -1, -1, dtype=np.int64)
    number = digits[ids].astype(np.int64) @ powers
    keys = [(number - digits[ids, i].astype(np.int64) * powers[i]) * 10 + i for i in range(10)]
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64), np.tile(ids, 10)


def _mailbox(p: Person) -> Iterable[str]:
    """The e-mail's mailbox name (the same one on another domain) and, from six letters, the name with each letter
    left out in turn: two names a letter apart (one dropped, doubled or mistyped) share one of them."""
    out = set()
    for e in p.emails:
        local = e.partition("@")[0]
        if len(local) >= 4:
            out.add(local)
        if len(local) >= 6:
            out.update(local[:i] + local[i + 1 :] for i in range(len(local)))
    return out


RULES: tuple[tuple[str, Key], ...] = (
    ("birth date", _birth),
    ("a name word and the other's initial", _word_and_initial),
    ("the name and the place", _names_and_place),
    ("postcode and an initial", _postcode),
    ("house, street and an initial", _address),
    ("birth month and a name's first letters", _month),
    ("the mailbox name, or it a letter short", _mailbox),
)


def _same_birth_date(p: Person) -> Iterable[str]:
    return (p.birth_date.isoformat(),) if p.birth_date else ()


def _same_name(p: Person) -> Iterable[str]:
    return (f"{min(p.last_key, p.first_key)}|{max(p.last_key, p.first_key)}",) if p.last_key and p.first_key else ()


# (keys, the comparisons they decide: not trained on their pairs) — a given name implies the gender
TRAINING: tuple[tuple[Key, tuple[int, ...]], ...] = ((_same_birth_date, (3,)), (_same_name, (0, 1, 4)))


def sorted_unique(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique`` by sorting (numpy 2's hashing unique took 0.9 s a call on a few million numbers, sorting 0.2)."""
    ordered = np.sort(values)
    kept: npt.NDArray[np.int64] = ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
    return kept


def blocked_pairs(
    people: Sequence[Person],
    key: Key,
    max_block: int = MAX_BLOCK,
    rank: npt.NDArray[np.int64] | None = None,
    window: int = WINDOW,
) -> npt.NDArray[np.int64]:
    """The pairs of cards sharing a key, each once, packed ``i << 32 | j`` (indices, i < j) and sorted. Each key is
    hashed to a number (a collision can only add a candidate), the numbers sorted, and each run of equal ones — a
    block of at most ``max_block`` cards — paired as arrays, all blocks of one size at a time. A larger block (a
    common name, a crowded postcode) is not paired whole: its cards, in the order of ``rank`` (their names and birth
    dates sorted, or drawn at random), are paired with their next ``window`` neighbours only — or, without ``rank``,
    left out."""
    hashes: list[int] = []
    owners: list[int] = []
    for i, p in enumerate(people):
        for k in key(p):
            hashes.append(hash(k))
            owners.append(i)
    return paired(np.array(hashes, dtype=np.int64), np.array(owners, dtype=np.int64), max_block, rank, window)


def paired(
    keys: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
    max_block: int = MAX_BLOCK,
    rank: npt.NDArray[np.int64] | None = None,
    window: int = WINDOW,
) -> npt.NDArray[np.int64]:
    """:func:`blocked_pairs` of keys already made: ``keys[k]`` is a key of card ``ids[k]``."""
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
        for step in range(1, window + 1):
            at = np.flatnonzero(large[:-step] & (block[:-step] == block[step:]))
            a, b = ids[at], ids[at + step]
            found.append(np.minimum(a, b) << 32 | np.maximum(a, b))
    packed = sorted_unique(np.concatenate(found))
    apart: npt.NDArray[np.int64] = packed[(packed >> 32) != (packed & 0xFFFFFFFF)]
    return apart


@dataclass
class Candidates:
    """The pairs the blocking rules brought (indices into the cards, i < j, each pair once) and their levels."""

    packed: npt.NDArray[np.int64]  # i << 32 | j, sorted
    patterns: Patterns

    def __len__(self) -> int:
        return len(self.packed)

    @property
    def left(self) -> npt.NDArray[np.int64]:  # each pair's first card
        return self.packed >> 32

    def pair(self, k: int) -> tuple[int, int]:
        x = int(self.packed[k])
        return x >> 32, x & 0xFFFFFFFF


def candidates(people: Sequence[Person], cards: Cards | None = None) -> Candidates:
    names = [f"{name_key_of(p) or p.last_key or p.first_key}|{p.birth_date or ''}" for p in people]
    rank = np.empty(len(people), dtype=np.int64)
    rank[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(len(people))
    del names
    cards = cards or Cards(people)
    every = paired(*phone_keys(cards), rank=rank)
    for _name, key in RULES:  # merged rule by rule: the rules' pairs are never all held twice
        every = sorted_unique(np.concatenate([every, blocked_pairs(people, key, rank=rank)]))
    return Candidates(every, cards.packed_patterns(every))


def training(people: Sequence[Person], cards: Cards, seed: int = 1) -> list[Rule]:
    """The pairs EM learns m from (see the module's doc): per :data:`TRAINING` rule, its distinct patterns."""
    rng = np.random.default_rng(seed)
    rank = rng.permutation(len(people)).astype(np.int64)  # a crowded block's cards meet others drawn at random
    out = []
    for key, blocked_on in TRAINING:
        packed = blocked_pairs(people, key, rank=rank)
        if len(packed) > TRAINING_PAIRS:
            packed = np.sort(rng.choice(packed, TRAINING_PAIRS, replace=False))
        if len(packed):
            out.append(Rule(*distinct(cards.packed_patterns(packed)), blocked_on))
    return out


@dataclass
class Learned:
    model: Model
    candidates: Candidates
    probabilities: npt.NDArray[np.float64]  # of each candidate, names' frequencies adjusted

    @property
    def pairs_seen(self) -> int:  # candidate pairs the rules brought (once each)
        return len(self.candidates)

    def pairs(self) -> list[tuple[int, int]]:
        """The candidates as (i, j) indices into the cards."""
        return [(int(x) >> 32, int(x) & 0xFFFFFFFF) for x in self.candidates.packed.tolist()]


def learn(people: Sequence[Person], *, seed: int = 1, random_pairs: int = RANDOM_PAIRS) -> Learned:
    """Fit the model to ``people`` and score every candidate pair."""
    rng = random.Random(seed)
    n = len(people)
    sample = np.array([(i, j) for i, j in ((rng.randrange(n), rng.randrange(n)) for _ in range(random_pairs if n > 1
                       else 0)) if i != j], dtype=np.int64).reshape(-1, 2)  # fmt: skip
    cards = Cards(people)  # the cards as arrays, once for the random pairs and the candidates
    sampled = cards.patterns(sample[:, 0], sample[:, 1])
    model = train(COMPARISONS, sampled, training(people, cards, seed), n * (n - 1) // 2)
    found = candidates(people, cards)
    evidence = _evidence(model, people, found)  # the prior left out: it is found from this evidence next
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
    evidence += Frequencies(people).adjustments(people, found.left, every, model.u, names_scale(model))
    return evidence


def names_scale(model: Model) -> tuple[float, float]:
    """The surname's and the given name's :attr:`Model.scale`, for :class:`Frequencies`."""
    return model.scale_of(0), model.scale_of(1)


def _probability(evidence: npt.NDArray[np.float64], prior: float) -> npt.NDArray[np.float64]:
    return probability_of(evidence + math.log2(prior / (1 - prior)))


def explain(model: Model, a: Person, b: Person) -> list[tuple[str, str, float]]:
    """(comparison, level, weight in bits) of a pair, for the page."""
    found = levels(a, b)
    weights = model.weights()
    return [
        (c.name, c.levels[level], float(weights[j][level]))
        for j, (c, level) in enumerate(zip(model.comparisons, found, strict=True))
        if level >= 0
    ]
