"""A deal's lines, quotes, the quote template, attachments, notes and the timeline, as the API sends and reads them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from klientura.kit.bounds import Amount, Code, Id, Quantity

RATES = (0, 5, 7, 10, 20, 22)


def _known_rate(value: int) -> int:
    if value not in RATES:
        raise ValueError(f"a VAT rate is one of {', '.join(map(str, RATES))}")
    return value


VatRate = Annotated[int, Field(ge=0, le=22), AfterValidator(_known_rate)]


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Id | None = Field(default=None, description="a catalogue product: its name, SKU and price by default")
    sku: Code | None = Field(default=None, description="or the product by its SKU")
    name: str | None = Field(default=None, min_length=1, max_length=300, description="needed without a product")
    quantity: Quantity = Decimal(1)
    unit: str = Field(default="шт", min_length=1, max_length=16)
    price: Amount | None = Field(default=None, description="a unit's, VAT included; the product's when left out")
    discount: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2, description="%")
    vat_rate: VatRate | None = Field(default=20, description="per cent; null: not subject to VAT")


class LinesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[LineIn] = Field(max_length=500)
    reason: str | None = Field(default=None, max_length=200, description="why the amount changes (in the history)")


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int | None
    sku: str | None
    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    discount: Decimal
    vat_rate: int | None
    total: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)


class LinesRead(BaseModel):
    lines: list[LineRead]
    total: Decimal = Field(description="the deal's amount: the lines' totals, VAT included")
    vat: Decimal = Field(description="the VAT within the total")


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seller: str = Field(default="", max_length=300)
    inn: str | None = Field(default=None, max_length=40)
    kpp: str | None = Field(default=None, max_length=40)
    ogrn: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=64)
    email: EmailStr | None = None
    bank: str | None = Field(default=None, max_length=300)
    bik: str | None = Field(default=None, pattern=r"^\d{9}$")
    account: str | None = Field(default=None, pattern=r"^\d{20}$")
    corr_account: str | None = Field(default=None, pattern=r"^\d{20}$")
    intro: str | None = Field(default=None, max_length=4000)
    terms: str | None = Field(default=None, max_length=4000)
    signer: str | None = Field(default=None, max_length=200)
    signer_position: str | None = Field(default=None, max_length=200)
    valid_days: int = Field(default=10, ge=1, le=365)


class TemplateRead(TemplateIn):
    model_config = ConfigDict(from_attributes=True)

    has_logo: bool = False


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_until: date | None = Field(default=None, description="the template's days from today when left out")


class QuoteSend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: EmailStr | None = Field(default=None, description="the deal's customer's e-mail when left out")
    text: str | None = Field(default=None, max_length=4000)


class QuoteDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accepted", "declined"]


class QuoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    deal_id: int
    version: int
    number: str
    status: str
    total: Decimal
    vat: Decimal
    currency: str
    valid_until: date
    size: int
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    sent_to: str | None
    decided_at: datetime | None
    decided_by: str | None


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    deal_id: int | None
    company_id: int | None
    name: str
    content_type: str
    size: int
    uploaded_by: str
    created_at: datetime


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


class TimelineEntry(BaseModel):
    at: datetime
    kind: Literal[
        "created", "stage", "change", "task", "task_done", "note", "quote", "file", "order", "lead", "message"
    ]
    title: str = Field(description="what happened, in the reader's words (the UI translates the kind)")
    detail: str | None = None
    actor: str | None = None
    deal_id: int | None = None
    ref_id: int | None = Field(
        default=None, description="the task's, quote's, file's, order's or lead's id; a message's conversation"
    )
