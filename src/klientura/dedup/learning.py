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
- the birth year and month with a name word's first two letters and the other's initial (a typo in the day still
  meets);
- the phone with one digit masked (:func:`klientura.dedup.keys.phones`: a phone one digit off meets);
- the e-mail's mailbox name (the same one on another domain), and it with each letter left out (a letter apart).

A key shared by more than ``MAX_BLOCK`` cards (a thousand "John Smith", a crowded postcode) is not paired whole: its
cards, sorted by name and birth date, meet only their next ``WINDOW`` neighbours (a sorted neighbourhood), so the
candidates grow with the cards, not with their square. The keys are numbers made from the cards' columns
(:mod:`klientura.dedup.keys`).

The candidates are scored a chunk at a time and not kept whole: each one's evidence goes into a histogram of a
hundredth of a bit (the prior and the expected recall are found from it), and only the pairs likely enough to be
suggested at some threshold are kept with their levels — a million cards bring tens of millions of candidates and a
few tens of thousands of those.
"""

from __future__ import annotations

import itertools
import math
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from klientura.dedup import keys
from klientura.dedup.batch import chunk_patterns, patterns
from klientura.dedup.cards import Cards
from klientura.dedup.comparisons import COMPARISONS, RARE_CAP, levels
from klientura.dedup.fs_model import (
    NULL,
    Model,
    Patterns,
    Quality,
    Rule,
    distinct,
    histogram_quality,
    prior_from_histogram,
    probability_of,
    train,
)
from klientura.dedup.keys import Columns, Rows, merge, pairs, rank_by_name
from klientura.dedup.scoring import Person

Ints = npt.NDArray[np.int64]
RANDOM_PAIRS = 200_000
TRAINING_PAIRS = 1_000_000  # per training rule, at most
CHUNK = 1 << 18  # candidates scored at a time
PARTS = 8  # ranges of first cards the candidates' union is made in
SPAN = 400  # the histogram's reach, in bits either side of 0 (evidence beyond is counted at its edge)
MARGIN = 12.0  # bits under the even odds of the first prior down to which a candidate is kept whole

# the rules with the most keys first, while the other rules' pairs are not yet held (the peak of a million cards')
RULES: tuple[tuple[str, keys.Rule], ...] = (
    ("the mailbox name, or it a letter short", keys.mailbox),
    ("the phone with a digit masked", keys.phones),
    ("birth date", keys.birth),
    ("a name word and the other's initial", keys.word_and_initial),
    ("the name and the place", keys.names_and_place),
    ("postcode and an initial", keys.postcode),
    ("house, street and an initial", keys.address),
    ("birth month, a name's first letters and the other's initial", keys.month),
)
# (keys, the comparisons they decide: not trained on their pairs) — a given name implies the gender
TRAINING: tuple[tuple[keys.Rule, tuple[int, ...]], ...] = ((keys.same_birth_date, (3,)), (keys.same_name, (0, 1, 4)))


class Candidates:
    """Every pair some rule brings, once: each rule's pairs are kept as the rule made them (as :class:`Rows`), and the
    union is made a range of first cards at a time (:meth:`parts`) — the rules' pairs are never
    held twice, nor merged whole (the merge of 22M pairs held two copies of them)."""

    def __init__(self, cards: Cards, parts: int = PARTS) -> None:
        columns = Columns(cards)
        rank = rank_by_name(cards, columns)
        self.rules = [Rows(pairs(rule(cards, columns), rank=rank), len(cards)) for _name, rule in RULES]
        self.bounds = np.linspace(0, len(cards), parts + 1).astype(np.int64)

    def parts(self) -> Iterator[Ints]:
        """The union, a range of first cards at a time, sorted."""
        for low, high in itertools.pairwise(self.bounds.tolist()):
            union = np.zeros(0, dtype=np.int64)
            for made in self.rules:
                union = merge(union, made.between(low, high))
            yield union

    def every(self) -> Ints:
        return np.concatenate(list(self.parts()))


def candidates(cards: Cards) -> Ints:
    """Every pair some rule brings, once, packed ``i << 32 | j`` and sorted."""
    return Candidates(cards).every()


def training(cards: Cards, seed: int = 1) -> list[Rule]:
    """The pairs EM learns m from (see the module's doc): per :data:`TRAINING` rule, its distinct patterns."""
    rng = np.random.default_rng(seed)
    rank = rng.permutation(len(cards)).astype(np.int64)  # a crowded block's cards meet others drawn at random
    columns = Columns(cards)
    out = []
    for rule, blocked_on in TRAINING:
        packed = pairs(rule(cards, columns), rank=rank)
        if len(packed) > TRAINING_PAIRS:
            packed = np.sort(rng.choice(packed, TRAINING_PAIRS, replace=False))
        if len(packed):
            out.append(Rule(*distinct(patterns(cards, packed)), blocked_on))
    return out


class NameShares:
    """How common each card's surname and given name (by key) is among the cards: an agreeing common name says less
    (:meth:`klientura.dedup.comparisons.Frequencies.adjustment`, for many pairs from the cards' columns)."""

    def __init__(self, cards: Cards) -> None:
        last, first = cards.key_codes()
        lengths = cards.names.keys.lengths
        size, n = len(lengths), max(len(cards), 1)
        named = [lengths[last] > 0, lengths[first] > 0]
        seen = np.maximum(np.maximum(np.bincount(last[named[0]], minlength=size),
                                     np.bincount(first[named[1]], minlength=size)), 1)  # fmt: skip
        share = np.maximum(seen / n, 1 / n)
        self.shares, self.named = [share[last], share[first]], named

    def adjustments(
        self, left: Ints, found: Patterns, u: list[npt.NDArray[np.float64]], scale: tuple[float, float]
    ) -> npt.NDArray[np.float64]:
        """Bits to add to each pair's match weight (``left``: each pair's first card; ``found``: their levels)."""
        bits = np.zeros(len(left))
        for j in (0, 1):
            level = found[:, j]
            agree = np.flatnonzero(((level == 0) | (level == 1)) & self.named[j][left])
            share = self.shares[j][left[agree]] * scale[j]
            bits[agree] += np.minimum(np.log2(u[j][level[agree]] / share), RARE_CAP)
        return bits


@dataclass
class Learned:
    """A model and what it found: the candidates' evidence as a histogram, and the pairs likely enough to be
    suggested (every pair at a probability of 0.5 or more) with their levels."""

    model: Model
    prior: float  # of this base (a stored model's scaled to it)
    pairs_seen: int  # candidate pairs the rules brought (once each)
    histogram: npt.NDArray[np.float64]  # candidates per hundredth of a bit of evidence, from -SPAN
    packed: Ints  # the kept pairs, i << 32 | j
    patterns: Patterns
    evidence: npt.NDArray[np.float64]  # bits, the prior left out, the names' frequencies adjusted
    names: npt.NDArray[np.float64]  # of those bits, the names' frequencies' share

    @property
    def probabilities(self) -> npt.NDArray[np.float64]:  # of each kept pair
        return _probability(self.evidence, self.prior)

    def pairs(self) -> list[tuple[int, int]]:
        """The kept pairs as (i, j) indices into the cards."""
        return [(int(x) >> 32, int(x) & 0xFFFFFFFF) for x in self.packed.tolist()]

    def quality(self, thresholds: list[float] | tuple[float, ...]) -> list[Quality]:
        return histogram_quality(self.probabilities, self.histogram, -SPAN, self.prior, thresholds)


def _chunks(found: Candidates) -> Iterator[Ints]:
    for part in found.parts():
        for start in range(0, len(part), CHUNK):
            yield part[start : start + CHUNK]


def _scan(
    model: Model, cards: Cards, found: Candidates, floor: float, frequencies: bool
) -> tuple[npt.NDArray[np.float64], list[tuple[Ints, Patterns, npt.NDArray[np.float64], npt.NDArray[np.float64]]]]:
    """Score the candidates a chunk at a time: the histogram of every one's evidence, and the pairs at ``floor``
    bits or more with their levels, evidence and the names' share of it."""
    histogram = np.zeros(2 * SPAN * 100 + 1)
    shares = NameShares(cards) if frequencies else None
    scale = names_scale(model)
    logit = math.log2(model.prior / (1 - model.prior))
    kept = []
    out = np.empty((CHUNK, len(COMPARISONS)), dtype=np.int8)
    for part in _chunks(found):
        left, right = part >> 32, part & 0xFFFFFFFF
        levels_ = out[: len(part)]
        levels_.fill(NULL)
        chunk_patterns(cards, left, right, levels_)
        evidence = model.match_weight(levels_) - logit
        names = shares.adjustments(left, levels_, model.u, scale) if shares else np.zeros(len(part))
        evidence += names
        at = np.clip(np.rint(evidence * 100).astype(np.int64) + SPAN * 100, 0, len(histogram) - 1)
        histogram += np.bincount(at, minlength=len(histogram))
        keep = np.flatnonzero(evidence >= floor)
        kept.append((part[keep], levels_[keep].copy(), evidence[keep], names[keep]))
    return histogram, kept


def _scored(model: Model, cards: Cards, found: Candidates, prior: float | None, frequencies: bool) -> Learned:
    """The candidates scored; the prior of this base found from their evidence when ``prior`` is None."""
    floor = -math.log2((prior or model.prior) / (1 - (prior or model.prior))) - MARGIN
    while True:
        histogram, kept = _scan(model, cards, found, floor, frequencies)
        final = (
            prior if prior is not None else prior_from_histogram(histogram, -SPAN, len(cards) * (len(cards) - 1) // 2)
        )
        even = -math.log2(final / (1 - final))  # the evidence of a pair at a probability of 0.5
        if even >= floor or floor < -SPAN:
            break
        floor = even - MARGIN  # the prior came out far above the first one: pairs were left out that now count
    join = list(zip(*kept, strict=True)) if kept else [[np.zeros(0, dtype=np.int64)]] * 4
    packed, found_levels, evidence, names = (np.concatenate(x) for x in join)
    if not len(found_levels):
        found_levels = np.zeros((0, len(COMPARISONS)), dtype=np.int8)
    return Learned(model, final, int(histogram.sum()), histogram, packed, found_levels, evidence, names)


def learn(cards: Cards, *, seed: int = 1, random_pairs: int = RANDOM_PAIRS) -> Learned:
    """Fit the model to the cards and score every candidate pair."""
    rng = random.Random(seed)
    n = len(cards)
    drawn = array("q", (rng.randrange(n) for _ in range(2 * random_pairs if n > 1 else 0)))  # (i, j), (i, j), ...
    sample = np.frombuffer(drawn, dtype=np.int64).reshape(-1, 2) if drawn else np.zeros((0, 2), dtype=np.int64)
    sample = sample[sample[:, 0] != sample[:, 1]]
    sampled = patterns(cards, sample[:, 0] << 32 | sample[:, 1])
    model = train(COMPARISONS, sampled, training(cards, seed), n * (n - 1) // 2)
    got = _scored(model, cards, Candidates(cards), None, True)
    model.prior = got.prior  # the prior again, the names' frequencies counted: most namesakes are common names
    return got


def learn_people(people: list[Person], **kw: int) -> tuple[Cards, Learned]:
    """:func:`learn` of :class:`Person` objects (benches, tests)."""
    cards = Cards.of(people)
    return cards, learn(cards, **kw)


def score(model: Model, cards: Cards, *, trained_on: int, frequencies: bool = True) -> Learned:
    """Score the candidate pairs of the cards with a model learned before on ``trained_on`` cards (without
    ``frequencies``, no name weighs more or less for being rare or common: a small base cannot tell)."""
    prior = scaled_prior(model.prior, trained_on, len(cards))
    return _scored(model, cards, Candidates(cards), prior, frequencies)


def scaled_prior(prior: float, trained_on: int, cards: int) -> float:
    """The prior — the chance that two cards drawn at random are one person — of a base of ``cards`` from one
    learned on ``trained_on``: the duplicates grow with the cards, the pairs with their square."""
    return min(max(prior * max(trained_on - 1, 1) / max(cards - 1, 1), 1e-15), 0.5)


def names_scale(model: Model) -> tuple[float, float]:
    """The surname's and the given name's :attr:`Model.scale`, for the names' frequencies."""
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
