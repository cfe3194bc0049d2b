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
