"""Company duplicates weighed by the duplicate engine of the customers (issue 21, :mod:`klientura.dedup.engine`): a
Fellegi–Sunter model over four comparisons — the name (its key the same, alike, else), the city, the phone and the
site. Each level weighs log2(m / u) bits, the pair's probability follows from their sum and the prior. Two companies
typed with different INNs are two legal entities whatever else they share: never suggested (:func:`apart`).

A base under :data:`MIN_COMPANIES` takes the built-in weights (``company_builtin.json``, learned by
``python -m bench.company_builtin`` from a generated base of companies with planted duplicates). A larger one learns
its own: u from random pairs of its companies, m by EM from pairs sharing a phone (the name, city and site trained)
and pairs sharing the name (the rest), the prior from the candidate pairs — and the names' frequencies
(:func:`name_bits`): two companies called "Вектор" where a hundred are say less than two called "Эльбрус-Гидравлика"."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from klientura.dedup import THRESHOLDS, engine

NAME_LIKE = 90  # rapidfuzz's token-set ratio of the cleaned names: "alike" from here
MIN_COMPANIES = 1000  # fewer: the built-in weights (random pairs of a few hundred companies say little)
RANDOM_PAIRS = 100_000
RARE_CAP = 3.0  # bits a rare name may add over the level's average (as for people's names)
TRAINING_PAIRS = 200_000  # per training rule, at most
COMPARISONS = (
    engine.Comparison("name", ("same", "alike", "else")),
    engine.Comparison("city", ("same", "else")),
    engine.Comparison("phone", ("same", "else")),
    engine.Comparison("site", ("same", "else")),
)
REASONS = (("phone", 2), ("site", 3), ("name", 0))  # the agreeing fields a suggestion names, strongest first
BUILTIN = Path(__file__).with_name("company_builtin.json")


@dataclass(frozen=True)
class Facts:
    id: int
    name: str
    city: str | None
    key: str  # the name without its legal form, quotes and case
    phone: str | None
    site: str | None
    inn: str | None = None


def _same(x: str | None, y: str | None) -> int:
    return engine.NULL if not (x and y) else 0 if x == y else 1


def apart(a: Facts, b: Facts) -> bool:
    """Typed with different INNs: two legal entities (an INN is an identity, one company per INN)."""
    return bool(a.inn and b.inn and a.inn != b.inn)


def levels(a: Facts, b: Facts) -> tuple[int, int, int, int]:
    """The pair's level on each of :data:`COMPARISONS`."""
    if not (a.key and b.key):
        name = engine.NULL
    else:
        name = 0 if a.key == b.key else 1 if fuzz.token_set_ratio(a.key, b.key) >= NAME_LIKE else 2
    return name, _same(a.city, b.city), _same(a.phone, b.phone), _same(a.site, b.site)


def patterns(facts: Sequence[Facts], pairs: Sequence[tuple[int, int]]) -> engine.Patterns:
    """The levels of ``pairs`` (indices into ``facts``), one row a pair."""
    rows = [levels(facts[i], facts[j]) for i, j in pairs]
    return np.array(rows, dtype=np.int8).reshape(len(rows), len(COMPARISONS))


@lru_cache(maxsize=1)
def builtin() -> tuple[engine.Model, int, float]:
    """The built-in model, the number of companies it was learned on (its prior is of a base that size) and the
    threshold chosen there."""
    stored = json.loads(BUILTIN.read_text())
    m = [np.array([level["m"] for level in c["levels"]]) for c in stored["comparisons"]]
    u = [np.array([level["u"] for level in c["levels"]]) for c in stored["comparisons"]]
    model = engine.Model(COMPARISONS, m, u, float(stored["prior"]))
    return model, int(stored["companies"]), float(stored["threshold"])


def to_json(model: engine.Model, companies: int, threshold: float) -> dict[str, object]:
    return {
        "companies": companies,
        "prior": model.prior,
        "threshold": threshold,
        "comparisons": [
            {
                "name": c.name,
                "levels": [{"name": n, "m": float(x), "u": float(y)} for n, x, y in zip(c.levels, m, u, strict=True)],
            }
            for c, m, u in zip(model.comparisons, model.m, model.u, strict=True)
        ],
    }


def _sample(pairs: list[tuple[int, int]], at_most: int, rng: random.Random) -> list[tuple[int, int]]:
    return rng.sample(pairs, at_most) if len(pairs) > at_most else pairs


def _sharing(facts: Sequence[Facts], attribute: str, rng: random.Random) -> list[tuple[int, int]]:
    """Pairs of companies with the same value of ``attribute``; a crowded value pairs each with a few others."""
    by: dict[str, list[int]] = {}
    for i, f in enumerate(facts):
        if value := getattr(f, attribute):
            by.setdefault(value, []).append(i)
    out = []
    for members in by.values():
        if len(members) > 30:
            rng.shuffle(members)
            out += [(members[k], members[k + s]) for s in (1, 2, 3) for k in range(len(members) - s)]
        else:
            out += [(a, b) for k, a in enumerate(members) for b in members[k + 1 :]]
    return _sample(out, TRAINING_PAIRS, rng)


def learn(
    facts: Sequence[Facts], candidates: Sequence[tuple[int, int]], precision: float, seed: int = 1
) -> tuple[engine.Model, float]:
    """The model of this base and its threshold: the built-in ones (the prior scaled to the base) under
    :data:`MIN_COMPANIES`, else learned from it, the threshold the loosest expected to reach ``precision``."""
    n = len(facts)
    total = max(n * (n - 1) // 2, 1)
    if n < MIN_COMPANIES:
        base, trained_on, threshold = builtin()
        prior = min(max(base.prior * max(trained_on - 1, 1) / max(n - 1, 1), 1e-12), 0.5)
        return engine.Model(COMPARISONS, base.m, base.u, prior), threshold
    rng = random.Random(seed)
    drawn = [(i, j) for i, j in ((rng.randrange(n), rng.randrange(n)) for _ in range(RANDOM_PAIRS)) if i != j]
    rules = []
    for attribute, blocked_on in (("phone", (2,)), ("key", (0,))):
        if pairs := _sharing(facts, attribute, rng):
            rules.append(engine.Rule(*engine.distinct(patterns(facts, pairs)), blocked_on))
    model = engine.train(COMPARISONS, patterns(facts, drawn), rules, total)
    if not candidates:
        return model, THRESHOLDS[0]
    drawn = _sample(list(candidates), RANDOM_PAIRS, rng)  # the candidates' evidence, from a sample of them
    found, counts = engine.distinct(patterns(facts, drawn))
    scaled = np.rint(counts * (len(candidates) / len(drawn))).astype(np.int64)
    model.prior = engine.prior_of(model, found, scaled, total)
    sampled = patterns(facts, drawn)
    bits = name_bits(model, facts, drawn, sampled, name_shares(facts))
    quality = engine.expected_quality(probabilities(model, sampled, bits), THRESHOLDS)
    return model, engine.threshold_for(quality, precision).threshold


def name_shares(facts: Sequence[Facts]) -> dict[str, float] | None:
    """Each name key's share of the companies — None under :data:`MIN_COMPANIES` (a small base cannot tell a common
    name from a rare one, and the built-in weights were learned elsewhere)."""
    if len(facts) < MIN_COMPANIES:
        return None
    counts = Counter(f.key for f in facts if f.key)
    return {key: count / len(facts) for key, count in counts.items()}


def name_bits(
    model: engine.Model,
    facts: Sequence[Facts],
    pairs: Sequence[tuple[int, int]],
    found: engine.Patterns,
    shares: dict[str, float] | None,
) -> npt.NDArray[np.float64]:
    """Bits to add to each pair's weight for how common its name is, where the names are the same: the "same" level's
    u is the chance two companies drawn at random share a name, on average; for this name it is about its share
    (Splink's term-frequency adjustment), so log2(u / share) — negative for a common name, at most :data:`RARE_CAP`
    for a rare one."""
    bits = np.zeros(len(pairs))
    if shares is None:
        return bits
    u_same = float(model.u[0][0])
    for k in np.flatnonzero(found[:, 0] == 0).tolist():
        share = shares.get(facts[pairs[k][0]].key, 1 / len(facts))
        bits[k] = min(math.log2(u_same / share), RARE_CAP)
    return bits


def probabilities(
    model: engine.Model, found: engine.Patterns, bits: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.float64]:
    """Each pair's probability from its levels (and the names' frequencies' ``bits``, where given)."""
    weight = model.match_weight(found)
    return engine.probability_of(weight if bits is None else weight + bits)


def reasons(found: Sequence[int] | npt.NDArray[np.int8]) -> list[str]:
    """The fields the pair agrees on (a name alike counts), strongest first."""
    return [field for field, j in REASONS if found[j] == 0 or (j == 0 and found[j] == 1)]
