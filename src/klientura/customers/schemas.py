from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from klientura.kit.channels import ContactChannel

Channel = ContactChannel


class ProfileFields(BaseModel):
    last_name: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    gender: str | None = None
    birth_date: date | None = None
    city: str | None = Field(default=None, max_length=100)
    timezone: str | None = Field(default=None, max_length=64)
    preferred_channel: Channel | None = None
    acquisition_source: str | None = Field(default=None, max_length=64)


class CustomerIn(ProfileFields):
    """Anything that describes a person: from the API, a form, an imported row or an order."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=300, description="'Фамилия Имя Отчество'")
    phone: str | None = None
    email: str | None = None
    card: str | None = None
    telegram: str | None = None
    vk: str | None = None
    external_id: str | None = Field(default=None, description="'source:id', e.g. '1c:000123'")
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    cards: list[str] = Field(default_factory=list)
    external_ids: list[str] = Field(default_factory=list)
    owner_id: int | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    consents: dict[Channel, bool] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


class CustomerUpdate(ProfileFields):
    model_config = ConfigDict(extra="forbid")

    owner_id: int | None = None
    attributes: dict[str, Any] | None = None


class IdentityIn(BaseModel):
    kind: Literal["phone", "email", "card", "telegram", "vk", "external"]
    value: str


class IdentityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    value: str
    raw: str | None
    source: str | None
    created_at: datetime
    bounced_at: datetime | None = None  # a hard bounce: campaigns pass the address by until cleared
    bounce_reason: str | None = None


class ConsentIn(BaseModel):
    channel: Channel
    granted: bool
    source: str | None = None


class ConsentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    granted: bool
    source: str | None
    changed_at: datetime


class FieldValueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    field: str
    value: str
    source: str | None
    seen_at: datetime


class CustomerRead(ProfileFields):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    owner_id: int | None
    attributes: dict[str, Any]
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime
    identities: list[IdentityRead]
    tags: list[str] = Field(default_factory=list)
    consents: list[ConsentRead] = Field(default_factory=list)


class ResolveResult(BaseModel):
    customer_id: int
    created: bool
    added_identities: list[str] = Field(default_factory=list)
    filled_fields: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    skipped_identities: list[str] = Field(default_factory=list)
