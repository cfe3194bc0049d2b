"""Shapes only the API needs: pages, the full card, requests that are not a domain schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from klientura.analytics import ClvRead, ScoreRead
from klientura.customers import CustomerRead, ResolveResult
from klientura.events import EventRead
from klientura.kit.bounds import Code, Id, Tag
from klientura.orders import OrderRead, ReturnRead, Totals


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    next_cursor: str | None


class CustomerCreated(ResolveResult):
    customer: CustomerRead


class FieldValueOut(BaseModel):
    field: str
    value: str
    source: str | None


class MergeOut(BaseModel):
    id: int
    survivor_id: int
    merged_id: int
    actor_name: str
    merged_at: Any
    undone_at: Any | None


class CustomerCard(BaseModel):
    customer: CustomerRead
    totals: Totals
    orders: list[OrderRead]
    returns: list[ReturnRead]
    events: list[EventRead]
    other_values: list[FieldValueOut]
    merges: list[MergeOut]
    scores: ScoreRead | None = Field(description="segment families as of the last recompute (none before the first)")
    clv: ClvRead | None = Field(
        default=None, description="P(alive), expected purchases and spend, lifetime value (none before a prediction)"
    )
    segments: list[SegmentRef] = Field(default_factory=list, description="saved segments the card is a member of")


class SegmentRef(BaseModel):
    id: int
    name: str


class TagsIn(BaseModel):
    tags: list[Tag] = Field(min_length=1, max_length=50)


class MergeIn(BaseModel):
    survivor_id: Id
    merged_id: Id


class PairIn(BaseModel):
    a_id: Id
    b_id: Id


class SuggestionOut(BaseModel):
    low_id: int
    high_id: int
    probability: float
    reasons: list[str]  # in English; the pages translate them from their codes

    @field_validator("reasons", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return [r["text"] if isinstance(r, dict) else r for r in value] if isinstance(value, list) else value


class LoginIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Code] = Field(min_length=1, max_length=50)


class BulkOrdersIn(BaseModel):
    orders: list[Any] = Field(min_length=1, max_length=1000)


class LevelOut(BaseModel):
    name: str
    m: float  # the share of one person's pairs of cards on this level
    u: float  # the share of different people's pairs
    weight: float  # log2(m / u), bits


class ComparisonOut(BaseModel):
    name: str
    levels: list[LevelOut]


class ThresholdQualityOut(BaseModel):
    threshold: float
    pairs: int  # suggested at this threshold
    precision: float  # expected, by the model's own probabilities
    recall: float


class DedupModelOut(BaseModel):
    trained_at: datetime
    trained_by: str
    cards: int
    learned: bool  # False: the base was too small to learn from, the built-in weights are used
    pairs_seen: int
    prior: float  # the chance that two cards drawn at random are one person
    precision_wanted: float
    threshold: float
    threshold_by: str | None  # None: the default, the loosest expected to reach precision_wanted
    quality: list[ThresholdQualityOut]
    comparisons: list[ComparisonOut]


class ScanOut(BaseModel):
    suggestions: int  # made by the scan


class ThresholdOut(BaseModel):
    threshold: float  # in use
    suggestions: int  # made by the rescan with it


class ScanRequestOut(BaseModel):
    """A scan handed to the worker (a base over 100,000 cards): ``done_at`` and ``found`` once its round ran it."""

    id: int
    status: Literal["queued", "done"]
    requested_at: datetime
    requested_by: str
    cards: int  # active cards when asked
    learn: bool
    done_at: datetime | None
    found: int | None  # suggestions the scan made


class ThresholdIn(BaseModel):
    threshold: float | None = Field(default=None, ge=0.5, lt=1)  # None: back to the default
