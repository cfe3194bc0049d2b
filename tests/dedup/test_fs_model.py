"""The Fellegi–Sunter model learns its weights from the pairs it is given: on pairs drawn from known m and u
probabilities, u read from random pairs and m by EM come back to what drew them, blocking rules leave the comparisons
they blocked on to the other rules, and the expected precision and recall at a threshold match what the truth says."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from klientura.dedup.fs_model import (
    NULL,
    Comparison,
    Model,
    Rule,
    distinct,
    em,
    expected_quality,
    threshold_for,
    train,
    u_from_random,
)

COMPARISONS = (
    Comparison("surname", ("exact", "near", "else")),
    Comparison("given name", ("exact", "initial", "else")),
    Comparison("birth date", ("exact", "one digit", "year", "else")),
    Comparison("postcode", ("exact", "else")),
)
M = [np.array([0.85, 0.12, 0.03]), np.array([0.8, 0.15, 0.05]), np.array([0.7, 0.2, 0.05, 0.05]), np.array([0.9, 0.1])]
U = [np.array([0.01, 0.04, 0.95]), np.array([0.03, 0.02, 0.95]), np.array([0.001, 0.01, 0.05, 0.939]),
     np.array([0.02, 0.98])]  # fmt: skip


def _draw(rng: np.random.Generator, n: int, probs: list[npt.NDArray[np.float64]], empty: float) -> npt.NDArray[np.int8]:
    out = np.empty((n, len(probs)), dtype=np.int8)
    for j, p in enumerate(probs):
        out[:, j] = rng.choice(len(p), size=n, p=p)
        out[rng.random(n) < empty, j] = NULL  # some cards lack the field
    return out


def _pairs(rng: np.random.Generator, true: int, false: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    patterns = np.concatenate([_draw(rng, true, M, 0.1), _draw(rng, false, U, 0.1)])
    return patterns, np.concatenate([np.ones(true, bool), np.zeros(false, bool)])


def test_u_from_random_pairs_and_m_by_em_come_back() -> None:
    rng = np.random.default_rng(7)
    u = u_from_random(COMPARISONS, _draw(rng, 200_000, U, 0.1))
    for got, want in zip(u, U, strict=True):
        assert got == pytest.approx(want, abs=0.003)
    patterns, truth = _pairs(rng, 20_000, 180_000)
    found, counts = distinct(patterns)
    assert counts.sum() == len(patterns) and len(found) <= 240  # a few hundred patterns stand for 200,000 pairs
    m, prior = em(COMPARISONS, found, counts, u)
    assert prior == pytest.approx(0.1, abs=0.01)
    for got, want in zip(m, M, strict=True):
        assert got == pytest.approx(want, abs=0.02)
    model = Model(COMPARISONS, m, u, prior)
    p = model.probability(patterns)
    said = p >= 0.5
    precision, recall = (said & truth).sum() / said.sum(), (said & truth).sum() / truth.sum()
    assert precision > 0.97 and recall > 0.9


def test_blocking_rules_train_the_other_comparisons() -> None:
    """Pairs blocked on the postcode all agree on it: that rule must not teach the postcode's m (it would say every
    true pair agrees, and so would every false one); the rule blocked on the surname teaches it instead."""
    rng = np.random.default_rng(11)
    random_pairs = _draw(rng, 100_000, U, 0.1)
    rules = []
    for blocked in (3, 0):
        patterns, _truth = _pairs(rng, 30_000, 300_000)
        kept = patterns[patterns[:, blocked] == 0]
        found, counts = distinct(kept)
        rules.append(Rule(found, counts, (blocked,)))
    model = train(COMPARISONS, random_pairs, rules, total_pairs=10**8)
    assert model.m[3] == pytest.approx(M[3], abs=0.03)  # learned from the surname rule's pairs
    assert model.m[0] == pytest.approx(M[0], abs=0.03)  # learned from the postcode rule's pairs
    w = model.weights()
    assert w[0][0] > 5 and w[0][2] < -4  # an agreeing surname is strong evidence, a differing one against
    assert 0 < model.prior < 1


def test_expected_precision_and_recall_follow_the_truth() -> None:
    rng = np.random.default_rng(3)
    u = u_from_random(COMPARISONS, _draw(rng, 200_000, U, 0.1))
    patterns, truth = _pairs(rng, 5_000, 95_000)
    found, counts = distinct(patterns)
    m, prior = em(COMPARISONS, found, counts, u)
    p = Model(COMPARISONS, m, u, prior).probability(patterns)
    quality = expected_quality(p, [0.5, 0.9, 0.99])
    for q in quality:
        said = p >= q.threshold
        assert q.pairs == int(said.sum())
        assert q.precision == pytest.approx((said & truth).sum() / said.sum(), abs=0.02)
        assert q.recall == pytest.approx((said & truth).sum() / truth.sum(), abs=0.03)
    assert [q.pairs for q in quality] == sorted((q.pairs for q in quality), reverse=True)
    chosen = threshold_for(quality, 0.98)  # the most pairs at an expected precision of 0.98
    assert chosen.precision >= 0.98 and chosen.pairs == max(q.pairs for q in quality if q.precision >= 0.98)
    strict = threshold_for(quality, quality[1].precision + 1e-9)
    assert strict.threshold == 0.99 and strict.precision > quality[1].precision
    assert threshold_for(quality, 1.01).threshold == 0.99  # none good enough: the strictest


def test_a_null_is_no_evidence() -> None:
    u = [np.array([0.01, 0.99])]
    model = Model((Comparison("x", ("exact", "else")),), [np.array([0.9, 0.1])], u, 0.2)
    bits = model.match_weight(np.array([[NULL], [0], [1]], dtype=np.int8))
    assert bits[0] == pytest.approx(np.log2(0.2 / 0.8))
    assert bits[1] == pytest.approx(np.log2(0.2 / 0.8) + np.log2(90))
    assert bits[2] == pytest.approx(np.log2(0.2 / 0.8) + np.log2(0.1 / 0.99))


def test_distinct_patterns_packed_equal_the_rows_sorted() -> None:
    rng = np.random.default_rng(1)
    patterns = rng.integers(-1, 6, size=(5000, 8)).astype(np.int8)
    weights = rng.integers(1, 4, size=5000).astype(np.int64)
    found, counts = distinct(patterns, weights)
    rows, inverse = np.unique(patterns, axis=0, return_inverse=True)
    expected = dict(zip(map(tuple, rows.tolist()), np.bincount(inverse.ravel(), weights=weights).tolist(), strict=True))
    assert dict(zip(map(tuple, found.tolist()), counts.tolist(), strict=True)) == expected
    wide = rng.integers(-1, 3, size=(50, 17)).astype(np.int8)  # too wide to pack: rows sorted as they are
    assert distinct(wide)[1].sum() == 50


def test_a_gendered_names_u_is_read_among_pairs_of_one_gender() -> None:
    """Two women share a given name twice as often as two people drawn from both sexes: the name's u is read among
    the random pairs whose genders do not differ, so the gender's agreement is not counted again in the name's."""
    comparisons = (Comparison("given name", ("exact", "else"), given=1), Comparison("gender", ("same", "else")))
    rng = np.random.default_rng(3)
    women = rng.random(100_000) < 0.5
    names = np.where(women, rng.integers(0, 10, 100_000), rng.integers(10, 20, 100_000))  # ten names for each
    left, right = rng.integers(0, 100_000, 200_000), rng.integers(0, 100_000, 200_000)
    patterns = np.stack([np.where(names[left] == names[right], 0, 1), np.where(women[left] == women[right], 0, 1)],
                        axis=1).astype(np.int8)  # fmt: skip
    patterns[:1000, 1] = NULL  # a card without a gender: its pairs still count
    u = u_from_random(comparisons, patterns)
    assert u[0][0] == pytest.approx(0.1, abs=0.005)  # one in ten among pairs of one gender (0.05 among all)
    assert u[1][0] == pytest.approx(0.5, abs=0.005)
    model = train(comparisons, patterns, [], 10**9)
    assert model.scale is not None and model.scale[0] == pytest.approx(2.0, abs=0.1) and model.scale[1] == 1.0
