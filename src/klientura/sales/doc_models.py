"""The sales side's documents: a deal's product lines, its commercial proposals (versions, each a PDF kept in the
file store), the proposal template the company edits, files attached to deals and companies, notes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, utcnow


class DealLine(Base):
    """A product line of a deal: what is sold, at what price (VAT included), discount and VAT rate. The deal's
    amount is the sum of its lines when it has any."""

    __tablename__ = "deal_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(16), default="шт")
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # a unit's, VAT included
    discount: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))  # per cent
    vat_rate: Mapped[int | None]  # per cent (20, 10, 0); None: not subject to VAT


class QuoteTemplate(Base):
    """The seller's side of every proposal: requisites, logo, the words before and after the table. One row."""

    __tablename__ = "quote_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller: Mapped[str] = mapped_column(String(300), default="")
    inn: Mapped[str | None] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(200))
    bank: Mapped[str | None] = mapped_column(String(300))
    bik: Mapped[str | None] = mapped_column(String(9))
    account: Mapped[str | None] = mapped_column(String(20))
    corr_account: Mapped[str | None] = mapped_column(String(20))
    intro: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str | None] = mapped_column(Text)
    signer: Mapped[str | None] = mapped_column(String(200))
    signer_position: Mapped[str | None] = mapped_column(String(200))
    valid_days: Mapped[int] = mapped_column(default=10)
    logo_key: Mapped[str | None] = mapped_column(String(80))  # the file store's key of a PNG or JPEG
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Quote(Base):
    """A version of a deal's commercial proposal: the lines, the template and the totals frozen when it was made,
    its PDF in the file store. Sent, then accepted or declined; a new version supersedes the earlier ones."""

    __tablename__ = "quotes"
    __table_args__ = (UniqueConstraint("deal_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    version: Mapped[int]
    number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | sent | accepted | declined
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # the lines, the seller, the buyer as they were
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    vat: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date]
    file_key: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the client's link to read and accept it
    created_by_id: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    sent_to: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))  # a manager's name, or "client" by the link


class Attachment(Base):
    """A file attached to a deal or a company: its bytes in the file store under their digest."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    file_key: Mapped[str] = mapped_column(String(80))
    uploaded_by_id: Mapped[int | None]
    uploaded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class Note(Base):
    """A note on a deal, a company or a customer card, for the timeline."""

    __tablename__ = "sales_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    text: Mapped[str] = mapped_column(String(4000))
    author_id: Mapped[int | None]
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
