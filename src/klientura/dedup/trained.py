"""The duplicate model of this base (issue 21): learned from the active cards and stored, used by every scan, learned
again when the base has changed enough; the threshold in use is the loosest expected to reach the wanted precision,
unless a person chose another.

A scan reads every active card, learns the model when there is none (or it is stale), else scores the candidate
pairs with the stored one, and keeps the pairs at or over the threshold as suggestions — each with its levels and
their weights as the reasons. Dismissed pairs stay dismissed."""

from __future__ import annotations

import functools
import json
import math
from datetime import datetime
from importlib import resources

import numpy as np
from sqlalchemy import delete, insert, select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import cards_changed_since, name_counts
from klientura.db import Session
from klientura.dedup import learning
from klientura.dedup.cards import Cards
from klientura.dedup.comparisons import Frequencies, levels
from klientura.dedup.errors import BAD_THRESHOLD, NO_MODEL
from klientura.dedup.explained import from_json, quality_json, reasons, to_json
from klientura.dedup.fs_model import Model, Quality, threshold_for
from klientura.dedup.models import DedupModel, DismissedPair, DuplicateSuggestion
from klientura.dedup.scoring import Person
from klientura.kit.errors import Notice, ValidationFailed

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
CHANGED_ENOUGH = 0.1  # learned again once this share of the cards is new or changed since
# fewer cards than this hold too few pairs of one person's cards to learn from: the built-in weights are used
MIN_CARDS = 1000


@functools.cache
def _builtin() -> tuple[Model, int, float]:
    """``builtin.json`` (made by ``python -m bench.dedup_builtin``: learned from the demo chain's and the generality
    bench's bases together), read once: the model, the number of cards its prior belongs to, and its threshold (a small
    base's few candidates cannot choose one: its default is the one chosen on those bases)."""
    data = json.loads(resources.files("klientura.dedup").joinpath("builtin.json").read_text(encoding="utf-8"))
    model = from_json(data["comparisons"], data["prior"])
    if model is None:
        raise RuntimeError("dedup/builtin.json is not of this version's comparisons: run python -m bench.dedup_builtin")
    return model, int(data["cards"]), float(data["threshold"])


def builtin() -> tuple[Model, int]:
    """The built-in model and the number of cards its prior belongs to."""
    model, cards, _threshold = _builtin()
    return model, cards


def builtin_threshold() -> float:
    return _builtin()[2]


def current(session: Session) -> DedupModel | None:
    """The model in use: the newest learned."""
    return session.scalars(select(DedupModel).order_by(DedupModel.id.desc()).limit(1)).first()


def model_of(row: DedupModel) -> Model | None:
    return from_json(row.comparisons, row.prior)


def stale(session: Session, row: DedupModel | None, cards: int) -> bool:
    """No model yet, one of another version's comparisons, or a base changed by a tenth since it was learned."""
    if row is None or model_of(row) is None:
        return True
    if not row.learned:  # the built-in weights: learned as soon as the base is large enough
        return cards >= MIN_CARDS or abs(cards - row.cards) >= CHANGED_ENOUGH * max(row.cards, 1)
    if abs(cards - row.cards) >= CHANGED_ENOUGH * max(row.cards, 1):
        return True
    return cards_changed_since(session, row.trained_at) >= CHANGED_ENOUGH * max(row.cards, 1)


def scan(
    session: Session,
    actor: Actor,
    cards: Cards,
    now: datetime,
    *,
    precision: float,
    threshold: float | None = None,
    learn: bool | None = None,
) -> int:
    """Recompute every suggestion. ``learn``: True learns the model again, False uses the stored one (an error
    without one), None learns when it is stale. ``threshold``: this scan's, else the model's. Returns the number
    found."""
    require(actor, "dedup:write")
    if threshold is not None and not 0.5 <= threshold < 1:
        raise ValidationFailed(BAD_THRESHOLD)
    row = current(session)
    if learn is False and (row is None or model_of(row) is None):
        raise ValidationFailed(NO_MODEL)
    if learn or (learn is None and stale(session, row, len(cards))):
        if len(cards) >= MIN_CARDS:
            got = learning.learn(cards)
        else:
            got = learning.score(builtin()[0], cards, trained_on=builtin()[1], frequencies=False)
        row = _store(session, actor, got, len(cards), now, precision, row)
    else:
        assert row is not None
        stored = model_of(row)
        assert stored is not None
        got = learning.score(stored, cards, trained_on=row.cards, frequencies=row.learned)
    return _suggest(session, actor, cards, got, threshold if threshold is not None else row.threshold, now)


def _store(
    session: Session,
    actor: Actor,
    got: learning.Learned,
    cards: int,
    now: datetime,
    precision: float,
    previous: DedupModel | None,
) -> DedupModel:
    quality = got.quality(THRESHOLDS)
    chosen = threshold_for(quality, precision).threshold if cards >= MIN_CARDS else builtin_threshold()
    kept = previous is not None and previous.threshold_by is not None  # a person's choice outlives re-learning
    row = DedupModel(
        trained_at=now,
        trained_by=actor.name,
        cards=cards,
        learned=cards >= MIN_CARDS,
        pairs_seen=got.pairs_seen,
        prior=got.model.prior if cards >= MIN_CARDS else learning.scaled_prior(got.model.prior, builtin()[1], cards),
        comparisons=to_json(got.model),
        quality=quality_json(quality),
        precision_wanted=precision,
        threshold=previous.threshold if kept and previous else chosen,
        threshold_by=previous.threshold_by if kept and previous else None,
    )
    session.add(row)
    session.flush()
    record(session, actor, "dedup.train", "dedup", row.id, None,
           {"cards": cards, "pairs_seen": got.pairs_seen, "threshold": row.threshold})  # fmt: skip
    return row


def _suggest(
    session: Session, actor: Actor, cards: Cards, got: learning.Learned, threshold: float, now: datetime
) -> int:
    dismissed = {(a, b) for a, b in session.execute(select(DismissedPair.low_id, DismissedPair.high_id))}
    probabilities = got.probabilities
    rows = []
    for k in np.flatnonzero(probabilities >= threshold).tolist():
        packed = int(got.packed[k])
        low, high = sorted((int(cards.ids[packed >> 32]), int(cards.ids[packed & 0xFFFFFFFF])))
        if (low, high) in dismissed:
            continue
        why = reasons(got.model, got.patterns[k], float(got.names[k]))
        probability = round(float(probabilities[k]), 4)
        rows.append({"low_id": low, "high_id": high, "probability": probability, "reasons": why, "found_at": now})
    session.execute(delete(DuplicateSuggestion))
    for start in range(0, len(rows), 5000):
        session.execute(insert(DuplicateSuggestion), rows[start : start + 5000])
    session.flush()
    record(session, actor, "dedup.scan", "dedup", "all", None, {"suggestions": len(rows), "threshold": threshold})
    return len(rows)


def choose_threshold(session: Session, actor: Actor, threshold: float | None) -> DedupModel:
    """Set the threshold in use (None: back to the model's default for its wanted precision)."""
    require(actor, "dedup:write")
    row = current(session)
    if row is None:
        raise ValidationFailed(NO_MODEL)
    if threshold is not None and not 0.5 <= threshold < 1:
        raise ValidationFailed(BAD_THRESHOLD)
    if threshold is None:
        row.threshold, row.threshold_by = _default(row), None
    else:
        row.threshold, row.threshold_by = threshold, actor.name
    session.flush()
    record(session, actor, "dedup.threshold", "dedup", row.id, None, {"threshold": row.threshold})
    return row


def _default(row: DedupModel) -> float:
    if not row.learned:
        return builtin_threshold()
    return threshold_for([Quality(**q) for q in row.quality], row.precision_wanted).threshold


def explain(session: Session, a: Person, b: Person) -> tuple[float, list[Notice]]:
    """The pair's probability by the stored model (the built-in one before any scan) and its levels with their
    weights."""
    row = current(session)
    stored = model_of(row) if row is not None else None
    model, trained_on = (stored, row.cards) if stored is not None and row is not None else builtin()
    found = levels(a, b)
    cards, surnames, given = name_counts(session, a.last_name, a.first_name)
    names = Frequencies.counted(cards, {a.last_key: surnames}, {a.first_key: given})
    bits = (
        names.adjustment(a, b, model.u, found, learning.names_scale(model)) if cards >= MIN_CARDS else 0.0
    )  # a small base cannot tell
    prior = learning.scaled_prior(model.prior, trained_on, cards)
    weight = float(model.match_weight(np.array([found], dtype=np.int8))[0]) + bits
    weight += math.log2(prior / (1 - prior)) - math.log2(model.prior / (1 - model.prior))
    return 1.0 / (1.0 + 2.0 ** -max(min(weight, 60.0), -60.0)), reasons(model, found, bits)
