from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from klientura.db import Base, key_string, utcnow

PROFILE_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "gender",
    "birth_date",
    "city",
    "postcode",
    "region",
    "address",
    "timezone",
    "preferred_channel",
    "acquisition_source",
)


class Customer(Base):
    """One card per person. A card merged into another keeps its row with ``merged_into_id`` set."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_last_first", "last_name", "first_name"),
        Index("ix_customers_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None]
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(12))  # the postal address: e-shops deliver
    region: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))  # street, house, flat
    timezone: Mapped[str | None] = mapped_column(String(64))
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    acquisition_source: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None]  # the person's data erased (klientura.privacy): the card keeps its id only

    identities: Mapped[list[Identity]] = relationship(
        back_populates="customer", order_by="Identity.id", lazy="selectin"
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class Identity(Base):
    """(kind, value) is unique: the key to "a repeat request lands on the existing card"."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(key_string(16))
    value: Mapped[str] = mapped_column(key_string(200))
    raw: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(64))
    is_primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a hard bounce (no such mailbox, a wrong number, a chat gone): campaigns pass the address by until cleared
    bounced_at: Mapped[datetime | None]
    bounce_reason: Mapped[str | None] = mapped_column(String(300))

    customer: Mapped[Customer] = relationship(back_populates="identities")


class Consent(Base):
    """Consent to be contacted over one channel (152-FZ / GDPR), as it stands; every grant and withdrawal that led
    here is a :class:`ConsentEvent`."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("customer_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool]
    source: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the decision in force was given
    explicit: Mapped[bool] = mapped_column(default=False, server_default=false())  # that decision's (ConsentEvent)


class ConsentEvent(Base):
    """One grant or withdrawal as it was given: the proof 152-FZ and the advertising law ask for — when, through
    what (source), under which wording of the consent text, where (a page, an outlet) and by whom it was recorded.
    ``applied`` is false for a grant that did not undo an earlier withdrawal (not explicit, or not newer)."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_customer", "customer_id", "channel", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool]
    explicit: Mapped[bool]  # the person's own act (a form's box, a request to a manager), not a file's column
    applied: Mapped[bool]
    at: Mapped[datetime]  # when it was given (as its source says), not when it was recorded
    source: Mapped[str | None] = mapped_column(String(64))
    wording: Mapped[str | None] = mapped_column(String(200))  # the consent text's version or its words
    place: Mapped[str | None] = mapped_column(String(200))  # where: a page's address, an outlet, a call
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class CustomerTag(Base):
    __tablename__ = "customer_tags"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)


class FieldValue(Base):
    """A value seen for a profile field that differed from the card's: kept, not overwritten silently."""

    __tablename__ = "customer_field_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class MergeRecord(Base):
    """One merge of ``merged_id`` into ``survivor_id``; ``moved`` lists what moved, to undo it exactly."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    moved: Mapped[dict[str, Any]]
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(String(200))
