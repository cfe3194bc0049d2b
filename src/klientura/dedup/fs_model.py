"""A Fellegi–Sunter model whose weights are learned from the base it is given, the way Splink learns them (issue 21).

A pair of cards is compared field by field; each comparison puts the pair on one of its **levels** (exact, near,
initials …, the last one "else"), or on none when either card lacks the field (``NULL``: no evidence either way).
For each level the model holds

- **m**: how often a true pair (one person) lands on it, and
- **u**: how often two different people do.

A level's weight is log2(m / u) bits; a pair's match weight is the prior's log-odds plus its levels' weights, and its
probability follows. **u** is read from random pairs of the base (nearly all of them different people); **m** is
estimated by expectation–maximisation over training pairs (:func:`klientura.dedup.learning.training`: pairs sharing
a birth date, pairs sharing the name): each rule's pairs train every comparison but the ones the rule blocked on
(those agree by construction there), and the rules' estimates are averaged. The pairs are reduced to their distinct
patterns of levels with counts, so EM over millions of pairs costs what a few thousand patterns cost.

Everything here is numbers: building the patterns from cards is the scan's job.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

NULL = -1  # the level of a comparison when a card lacks the field
FLOOR = 1e-6  # no probability is taken as 0 or 1: a level never seen is rare, not impossible

Patterns = npt.NDArray[np.int8]  # pairs x comparisons: the level of each, NULL where a side is empty
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[str, ...]  # from the closest ("exact") to the last, "else"
    # u read among the random pairs that do not differ on this comparison (its index): a given name agreeing implies
    # the gender does, so its u among all pairs would count the gender's evidence twice
    given: int | None = None


@dataclass
class Model:
    comparisons: tuple[Comparison, ...]
    m: list[npt.NDArray[np.float64]]  # per comparison, per level
    u: list[npt.NDArray[np.float64]]
    prior: float  # the chance that two cards of the base drawn at random are one person
    # per comparison, u of its first level given the other comparison (``Comparison.given``) over its u among all
    # pairs: a name's share among the cards is scaled by it where the name's frequency replaces u
    scale: list[float] | None = None

    def scale_of(self, j: int) -> float:
        return self.scale[j] if self.scale is not None else 1.0

    def weights(self) -> list[npt.NDArray[np.float64]]:
        """Each level's weight in bits: log2(m / u)."""
        return [np.log2(m / u) for m, u in zip(self.m, self.u, strict=True)]

    def match_weight(self, patterns: Patterns, chunk: int = 1 << 22) -> npt.NDArray[np.float64]:
        """Each pair's match weight in bits: the prior's log-odds and its levels' weights (a NULL adds nothing),
        looked up a chunk of pairs at a time."""
        total = np.full(len(patterns), math.log2(self.prior / (1 - self.prior)))
        tables = [np.r_[w, 0.0] for w in self.weights()]  # level -1 (NULL) reads the last entry: 0
        for start in range(0, len(patterns), chunk):
            part = total[start : start + chunk]
            for j, table in enumerate(tables):
                part += table[patterns[start : start + chunk, j]]
        return total

    def probability(self, patterns: Patterns) -> npt.NDArray[np.float64]:
        return probability_of(self.match_weight(patterns))


def probability_of(bits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """1 / (1 + 2^-bits), computed in one array (millions of pairs: no temporaries)."""
    out = np.clip(bits, -60, 60)
    np.negative(out, out=out)
    np.exp2(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


def distinct(patterns: Patterns, counts: Counts | None = None) -> tuple[Patterns, Counts]:
    """The distinct patterns of ``patterns`` and how many pairs each stands for. Each row is packed into one 64-bit
    number (four bits a comparison) so the sort is of numbers, not of rows (2.3 s -> 0.1 s for 3M pairs)."""
    width = patterns.shape[1] if patterns.ndim == 2 else 0
    weights = np.ones(len(patterns), dtype=np.int64) if counts is None else counts
    if width > 15 or len(patterns) == 0 or int(patterns.max(initial=0)) >= 15:
        found, inverse = np.unique(patterns.reshape(len(patterns), width), axis=0, return_inverse=True)
        return found.astype(np.int8), np.bincount(inverse.ravel(), weights=weights, minlength=len(found)).astype(
            np.int64
        )
    shifts = np.arange(width, dtype=np.int64) * 4
    packed = np.empty(len(patterns), dtype=np.int64)
    for start in range(0, len(patterns), 1 << 20):  # a chunk at a time: the rows as 64-bit numbers are 8x the rows
        part = patterns[start : start + (1 << 20)].astype(np.int64) + 1
        packed[start : start + len(part)] = (part << shifts).sum(axis=1)
    keys, inverse = np.unique(packed, return_inverse=True)
    rows = (((keys[:, None] >> shifts) & 15) - 1).astype(np.int8)
    return rows, np.bincount(inverse.ravel(), weights=weights, minlength=len(keys)).astype(np.int64)


def level_shares(
    comparisons: Sequence[Comparison], patterns: Patterns, weights: npt.NDArray[np.float64]
) -> list[npt.NDArray[np.float64]]:
    """Per comparison, the weighted share of pairs on each level, NULLs left out, floored away from 0 and 1."""
    out = []
    for j, c in enumerate(comparisons):
        levels = patterns[:, j]
        seen = levels != NULL
        sums = np.bincount(levels[seen], weights=weights[seen], minlength=len(c.levels))[: len(c.levels)]
        total = sums.sum()
        shares = sums / total if total > 0 else np.full(len(c.levels), 1 / len(c.levels))
        shares = np.clip(shares, FLOOR, 1 - FLOOR)
        out.append(shares / shares.sum())
    return out


def u_from_random(comparisons: Sequence[Comparison], patterns: Patterns) -> list[npt.NDArray[np.float64]]:
    """u: the levels' shares among random pairs of the base (different people but for one in millions); a
    comparison with ``given`` among the pairs that do not differ on that one (see :func:`conditional_scale`)."""
    plain = level_shares(comparisons, patterns, np.ones(len(patterns)))
    out = []
    for j, c in enumerate(comparisons):
        if c.given is None:
            out.append(plain[j])
            continue
        other = comparisons[c.given]
        kept = patterns[patterns[:, c.given] != len(other.levels) - 1]
        out.append(level_shares(comparisons, kept, np.ones(len(kept)))[j] if len(kept) else plain[j])
    return out


def conditional_scale(
    comparisons: Sequence[Comparison], patterns: Patterns, u: Sequence[npt.NDArray[np.float64]]
) -> list[float]:
    """Per comparison, how much likelier its first level is among random pairs that do not differ on its ``given``
    (``u``, from :func:`u_from_random`) than among all (1 without one): two women are twice as likely to share a
    given name as two people."""
    plain = level_shares(comparisons, patterns, np.ones(len(patterns)))
    return [float(g[0] / p[0]) if c.given is not None else 1.0 for c, g, p in zip(comparisons, u, plain, strict=True)]


def em(
    comparisons: Sequence[Comparison],
    patterns: Patterns,
    counts: Counts,
    u: list[npt.NDArray[np.float64]],
    *,
    start_m: list[npt.NDArray[np.float64]] | None = None,
    blocked_on: Iterable[int] = (),
    hold_m: bool = False,
    prior: float = 0.1,
    iterations: int = 200,
    tolerance: float = 1e-6,
) -> tuple[list[npt.NDArray[np.float64]], float]:
    """m (and the prior among these pairs) by expectation–maximisation over distinct ``patterns`` weighted by
    ``counts``, u held. The comparisons in ``blocked_on`` (every pair agrees on them by construction) are no evidence
    here and keep their starting m; with ``hold_m`` only the prior is estimated."""
    held = set(blocked_on)
    if held:
        patterns = patterns.copy()
        patterns[:, sorted(held)] = NULL
    if hold_m:
        held = set(range(len(comparisons)))
    m = [a.copy() for a in start_m] if start_m is not None else [_start(c) for c in comparisons]
    n = counts.astype(np.float64)
    for _ in range(iterations):
        model = Model(tuple(comparisons), m, u, min(max(prior, FLOOR), 1 - FLOOR))
        p = model.probability(patterns)
        new_prior = float((p * n).sum() / n.sum())
        shares = level_shares(comparisons, patterns, p * n)
        moved = abs(new_prior - prior)
        for j in range(len(comparisons)):
            if j in held:
                continue
            moved = max(moved, float(np.abs(shares[j] - m[j]).max()))
            m[j] = shares[j]
        prior = new_prior
        if moved < tolerance:
            break
    return m, min(max(prior, FLOOR), 1 - FLOOR)


def _start(c: Comparison) -> npt.NDArray[np.float64]:
    """A starting m: true pairs mostly on the closest level, fewer on each further one."""
    raw = np.array([0.5**i for i in range(len(c.levels))])
    raw[-1] = min(float(raw[-1]), 0.05)
    out: npt.NDArray[np.float64] = raw / raw.sum()
    return out


@dataclass(frozen=True)
class Rule:
    """The candidate pairs one blocking rule brought, as distinct patterns with counts, and the comparisons it
    blocked on (indices)."""

    patterns: Patterns
    counts: Counts
    blocked_on: tuple[int, ...]


def train(
    comparisons: Sequence[Comparison], random_patterns: Patterns, rules: Sequence[Rule], total_pairs: int
) -> Model:
    """u from the random pairs; m by EM over each rule's pairs (the comparisons it blocked on left to the other
    rules), averaged over the rules that trained it; then a first prior — the chance that two cards drawn at random
    are one person — from the rules' pairs among the ``total_pairs`` pairs of the base (see :func:`prior_of`; the
    scan finds it again from its candidates)."""
    u = u_from_random(comparisons, random_patterns)
    scale = conditional_scale(comparisons, random_patterns, u)
    sums = [np.zeros(len(c.levels)) for c in comparisons]
    trained = [0] * len(comparisons)
    for rule in rules:
        m, _prior = em(comparisons, rule.patterns, rule.counts, u, blocked_on=rule.blocked_on)
        for j in range(len(comparisons)):
            if j not in rule.blocked_on:
                sums[j] += m[j]
                trained[j] += 1
    m = [s / k if k else _start(c) for s, k, c in zip(sums, trained, comparisons, strict=True)]
    model = Model(tuple(comparisons), m, u, 0.5, scale)
    if rules:
        patterns, counts = distinct(
            np.concatenate([r.patterns for r in rules]), np.concatenate([r.counts for r in rules])
        )
        model.prior = prior_of(model, patterns, counts, total_pairs)
    return model


def prior_of(model: Model, patterns: Patterns, counts: Counts, total_pairs: int, iterations: int = 200) -> float:
    """The share of one-person pairs among all ``total_pairs`` pairs of the base, m and u held: the expected number
    of true pairs (the candidates' probabilities summed) over all pairs, to a fixed point. The pairs no rule brought
    share no key and are taken to be different people (their probability is negligible)."""
    bits = model.match_weight(patterns) - math.log2(model.prior / (1 - model.prior))  # the evidence alone
    return prior_from(bits, counts.astype(np.float64), total_pairs, iterations)


def prior_from(
    bits: npt.NDArray[np.float64], n: npt.NDArray[np.float64], total_pairs: int, iterations: int = 200
) -> float:
    """The fixed point of :func:`prior_of` from each candidate's evidence in bits (``n`` pairs each). The evidence
    is rounded to a hundredth of a bit and counted once per value: millions of pairs, a few thousand values."""
    if not len(bits):
        return prior_from_histogram(np.zeros(0), 0, total_pairs, iterations)
    hundredths = np.rint(bits * 100).astype(np.int64)
    low = int(hundredths.min())
    return prior_from_histogram(np.bincount(hundredths - low, weights=n).astype(np.float64), low / 100, total_pairs,
                                iterations)  # fmt: skip


def _bins(histogram: npt.NDArray[np.float64], low: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The evidence (bits) of the histogram's non-empty bins — a hundredth of a bit each, the first at ``low`` —
    and their counts."""
    at = np.flatnonzero(histogram)
    return low + at / 100, histogram[at]


def prior_from_histogram(
    histogram: npt.NDArray[np.float64], low: float, total_pairs: int, iterations: int = 200
) -> float:
    """:func:`prior_from` of a histogram of the candidates' evidence (see :func:`_bins`)."""
    bits, n = _bins(histogram, low)
    prior = min(max(float(n.sum()) / max(total_pairs, 1), 1e-15), 0.5)
    for _ in range(iterations):
        expected = float((probability_of(bits + math.log2(prior / (1 - prior))) * n).sum())
        new = min(max(expected / max(total_pairs, 1), 1e-15), 0.5)
        if abs(new - prior) <= 1e-9 * prior:
            break
        prior = new
    return prior


@dataclass(frozen=True)
class Quality:
    threshold: float  # a pair's probability at least this is suggested
    pairs: int  # how many would be suggested
    precision: float  # expected: the share of them that are one person
    recall: float  # expected: the share of all true pairs among the candidates they catch


def expected_quality(
    probabilities: npt.NDArray[np.float64], thresholds: Sequence[float], everyone: float | None = None
) -> list[Quality]:
    """What each threshold would suggest, by the fitted model's own probabilities: a pair at p is one person with
    probability p, so the expected true pairs above a threshold are the sum of their p. ``everyone``: the expected
    true pairs among all candidates, when ``probabilities`` are only some of them (every one over the thresholds)."""
    everyone = float(probabilities.sum()) if everyone is None else everyone
    out = []
    for t in thresholds:
        said = probabilities[probabilities >= t]
        k, true = len(said), float(said.sum())
        out.append(Quality(t, k, true / k if k else 1.0, true / everyone if everyone else 0.0))
    return out


def histogram_quality(
    kept: npt.NDArray[np.float64],
    histogram: npt.NDArray[np.float64],
    low: float,
    prior: float,
    thresholds: Sequence[float],
) -> list[Quality]:
    """:func:`expected_quality` of the candidates whose evidence is counted in ``histogram`` (see :func:`_bins`), of
    which ``kept`` are the probabilities of every one at the lowest threshold or over."""
    bits, n = _bins(histogram, low)
    everyone = float((probability_of(bits + math.log2(prior / (1 - prior))) * n).sum())
    return expected_quality(kept, thresholds, max(everyone, float(kept.sum())))


def threshold_for(quality: Sequence[Quality], precision: float) -> Quality:
    """The threshold suggesting the most pairs at an expected precision of at least ``precision`` (the strictest
    one offered when none reaches it)."""
    good = [q for q in quality if q.precision >= precision and q.pairs]
    return max(good, key=lambda q: q.pairs) if good else max(quality, key=lambda q: q.threshold)
