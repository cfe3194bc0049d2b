from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from klientura.kit.bounds import Rule


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    rule: Rule = Field(description="the rule tree (see klientura.analytics.rules)")
    kind: Literal["dynamic", "static"] = Field(
        default="dynamic", description="dynamic: members refreshed with every recompute; static: frozen now"
    )


class SegmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    rule: Rule | None = None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Rule


class PreviewOut(BaseModel):
    size: int
    base: int
    as_of: date
    milliseconds: int


class SizePoint(BaseModel):
    day: date
    size: int


class SegmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    rule: dict[str, Any]
    kind: str
    size: int
    as_of: date | None
    computed_at: datetime | None
    archived: bool
    created_by: str
    created_at: datetime
    history: list[SizePoint] = Field(default_factory=list)


class MemberPage(BaseModel):
    items: list[int]
    next_cursor: str | None


class SegmentPage(BaseModel):
    items: list[SegmentRead]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")
