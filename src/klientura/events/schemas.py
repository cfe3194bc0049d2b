from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from klientura.customers import CustomerIn
from klientura.kit.bounds import Attributes, Id, Moment

EVENT_TYPES = (
    "site_visit",
    "product_view",
    "cart_add",
    "cart_abandoned",
    "message_opened",
    "message_clicked",
    "call",
    "review",
    "form_submitted",
    "subscribed",
    "unsubscribed",
    "points_expiring",
    "custom",
)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$")
    customer_id: Id | None = None
    customer: CustomerIn | None = None
    channel: str | None = Field(default=None, max_length=32)
    payload: Attributes = Field(default_factory=dict)
    occurred_at: Moment
    source: str = Field(default="api", max_length=64)
    external_id: str | None = Field(default=None, max_length=128)


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int | None
    type: str
    channel: str | None
    payload: dict[str, Any]
    occurred_at: datetime
    source: str
