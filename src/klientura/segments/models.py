"""Saved segments: the rule, the members of its last computation, its size day by day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, utcnow


class Segment(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    rule: Mapped[dict[str, Any]]
    kind: Mapped[str] = mapped_column(String(8), default="dynamic")  # dynamic: refreshed; static: frozen
    size: Mapped[int] = mapped_column(default=0)
    as_of: Mapped[date | None]  # the day its members were computed for
    computed_at: Mapped[datetime | None]
    archived: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SegmentMember(Base):
    __tablename__ = "segment_members"
    __table_args__ = (Index("ix_segment_members_customer", "customer_id"),)

    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # no FK: see CustomerScore


class SegmentSize(Base):
    __tablename__ = "segment_sizes"

    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    size: Mapped[int]
