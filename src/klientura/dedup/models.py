from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, JSONType, utcnow


class DuplicateSuggestion(Base):
    """A pair of active cards that look like one person, with the probability and the reasons."""

    __tablename__ = "duplicate_suggestions"
    __table_args__ = (Index("ix_duplicate_suggestions_high", "high_id"),)

    low_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    high_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    probability: Mapped[float]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # kit.errors.notice each
    found_at: Mapped[datetime] = mapped_column(default=utcnow)


class DismissedPair(Base):
    """A suggestion a person judged "not the same person": never suggested again."""

    __tablename__ = "dedup_dismissed"

    low_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    high_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DedupModel(Base):
    """The duplicate model learned from the base (issue 21): when, from how many cards and candidate pairs, each
    comparison's levels with their m and u, the prior, what each threshold is expected to give, and the threshold
    in use. The newest is the current one; the older stay as the history of the base."""

    __tablename__ = "dedup_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime]
    trained_by: Mapped[str] = mapped_column(String(200))
    cards: Mapped[int]  # active cards it learned from (or scored)
    # False: the base was too small to learn from, the built-in weights were used (dedup/builtin.json)
    learned: Mapped[bool]
    pairs_seen: Mapped[int]  # candidate pairs the blocking rules brought
    prior: Mapped[float]  # the chance that two cards drawn at random are one person
    # [{"name": "surname", "levels": [{"name": "exact", "m": 0.8, "u": 0.001}, ...]}, ...]
    comparisons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    # [{"threshold": 0.9, "pairs": 1200, "precision": 0.97, "recall": 0.95}, ...] by the model's own probabilities
    quality: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    precision_wanted: Mapped[float]  # the default threshold is the loosest expected to reach it
    threshold: Mapped[float]  # in use
    threshold_by: Mapped[str | None] = mapped_column(String(200))  # who chose it; None: the default


class DedupScanRequest(Base):
    """A scan asked for from the web on a base too large to scan within the request: the worker runs it on its next
    round and notes when and what it found."""

    __tablename__ = "dedup_scan_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_at: Mapped[datetime]
    requested_by: Mapped[str] = mapped_column(String(200))
    learn: Mapped[bool]  # learn the model again (the model page's button), else only when it is stale
    cards: Mapped[int]  # active cards when asked
    done_at: Mapped[datetime | None]
    found: Mapped[int | None]  # suggestions the scan made
