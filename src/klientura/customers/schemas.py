from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from klientura.kit.bounds import Attributes, Code, Id, Identifier, Tag
from klientura.kit.channels import ContactChannel

Channel = ContactChannel


class ProfileFields(BaseModel):
    last_name: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    gender: str | None = Field(default=None, max_length=16)
    birth_date: date | None = None
    city: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=12, description="the postal code, '123456'")
    region: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300, description="street, house, flat")
    timezone: str | None = Field(default=None, max_length=64)
    preferred_channel: Channel | None = None
    acquisition_source: str | None = Field(default=None, max_length=64)


class CustomerIn(ProfileFields):
    """Anything that describes a person: from the API, a form, an imported row or an order."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=300, description="'Фамилия Имя Отчество'")
    phone: Identifier | None = None
    email: Identifier | None = None
    card: Identifier | None = None
    telegram: Identifier | None = None
    vk: Identifier | None = None
    external_id: Identifier | None = Field(default=None, description="'source:id', e.g. '1c:000123'")
    phones: list[Identifier] = Field(default_factory=list, max_length=20)
    emails: list[Identifier] = Field(default_factory=list, max_length=20)
    cards: list[Identifier] = Field(default_factory=list, max_length=20)
    external_ids: list[Identifier] = Field(default_factory=list, max_length=20)
    owner_id: Id | None = None
    attributes: Attributes = Field(default_factory=dict)
    consents: dict[Channel, bool] = Field(default_factory=dict, max_length=10)
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class CustomerUpdate(ProfileFields):
    model_config = ConfigDict(extra="forbid")

    owner_id: Id | None = None
    attributes: Attributes | None = None


class IdentityIn(BaseModel):
    kind: Literal["phone", "email", "card", "telegram", "vk", "external"]
    value: Identifier


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
    source: Code | None = None
    given_at: datetime | None = Field(default=None, description="when the person gave it (with a time zone); now")
    wording: str | None = Field(default=None, max_length=200, description="the consent text's version or words")
    place: str | None = Field(default=None, max_length=200, description="where: a page's address, an outlet")


class ConsentEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    granted: bool
    explicit: bool
    applied: bool = Field(description="false: a grant that did not undo an earlier withdrawal")
    at: datetime
    source: str | None
    wording: str | None
    place: str | None
    recorded_by: str
    recorded_at: datetime


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
    erased_at: datetime | None = Field(default=None, description="the person's data erased: the card keeps its id")
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
