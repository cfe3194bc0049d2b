"""What forms, conversations and messages are made of, as the API and the pages send them and read them back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import MaxLen
from pydantic import BaseModel, ConfigDict, Field

from klientura.kit.channels import ConsentChannel

# what a form's field fills on the card; "custom" keeps the answer in the request and the card's attributes
Maps = Literal["full_name", "phone", "email", "city", "comment", "custom"]
FieldKind = Literal["text", "textarea", "phone", "email", "select", "checkbox"]


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", description="the input's name")
    label: str = Field(min_length=1, max_length=200)
    kind: FieldKind = "text"
    maps_to: Maps = Field(default="custom", description="the card field it fills")
    required: bool = False
    options: list[Annotated[str, MaxLen(200)]] = Field(
        default_factory=list, max_length=50, description="a select's choices"
    )


DEFAULT_FIELDS = [
    FormField(name="name", label="Имя", maps_to="full_name"),
    FormField(name="phone", label="Телефон", kind="phone", maps_to="phone"),
    FormField(name="email", label="E-mail", kind="email", maps_to="email"),
    FormField(name="comment", label="Комментарий", kind="textarea", maps_to="comment"),
]


class FormIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    fields: list[FormField] | None = Field(
        default=None, max_length=30, description="without fields: name, phone, e-mail and comment"
    )
    consent_text: str | None = Field(
        default=None, max_length=4000, description="the box's words; ticking it is required"
    )
    consent_version: str | None = Field(default=None, max_length=64, description="kept with each consent given")
    consent_channels: list[ConsentChannel] = Field(
        default_factory=lambda: list[ConsentChannel](["email", "sms"]),
        max_length=4,
        description="what the box consents to",
    )
    thanks: str | None = Field(default=None, max_length=1000, description="the thank-you page's words")
    redirect_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://", description="instead")
    origins: list[Annotated[str, MaxLen(200)]] = Field(
        default_factory=list,
        max_length=20,
        description="sites that may post it from a script (CORS), e.g. https://shop.ru",
    )


class FormRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    fields: list[FormField]
    consent_text: str | None
    consent_version: str | None
    consent_channels: list[str]
    thanks: str | None
    redirect_url: str | None
    origins: list[str]
    created_at: datetime
    url: str = Field(default="", description="where a site posts it (and the hosted form's page)")
    embed: str = Field(default="", description="the snippet that draws the form on any site")


class Submitted(BaseModel):
    """What a form's submission became (the JSON answer of POST /f/{key})."""

    customer_id: int
    lead_id: int
    deal_id: int | None
    outcome: str
    conversation_id: int


class ConversationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    peer: str
    subject: str | None
    customer_id: int
    lead_id: int | None
    deal_id: int | None
    assignee_id: int | None
    status: str
    unread: int
    waiting_since: datetime | None
    first_reply_at: datetime | None
    last_at: datetime
    created_at: datetime


class ConversationPage(BaseModel):
    items: list[ConversationRead]
    next_cursor: str | None


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    channel: str
    direction: str
    text: str
    attachments: list[dict[str, Any]]
    data: dict[str, Any]
    author_id: int | None
    at: datetime
    delivery: str | None = Field(default=None, description="an outbound message's: queued, sent, failed, ...")


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: int | None = Field(ge=1, le=2**31 - 1, description="a user who sells; null: back to the unassigned")


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    type: str = Field(default="application/octet-stream", max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")
    content: str = Field(min_length=1, max_length=14_000_000, description="the file's bytes, base64")


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    attachments: list[FileIn] = Field(default_factory=list, max_length=5, description="at most 10 MB in all")


@dataclass(frozen=True)
class Inbound:
    """One message from outside, as a channel's adapter read it: who (the identities to find their card by),
    where replies go (``peer``), the provider's id for idempotency, and what they said."""

    channel: str  # form | telegram | vk | email | call
    peer: str
    provider_id: str | None
    text: str
    identities: dict[str, str]  # CustomerIn's fields: telegram, vk, phone, email, full_name
    lead_channel: str  # the lead's: form | message | email | call
    attachments: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    utm: dict[str, str] = field(default_factory=dict)
    subject: str | None = None
    thread: tuple[str, ...] = ()  # an e-mail's: the Message-IDs it answers, the nearest first
