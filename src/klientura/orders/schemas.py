from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from klientura.customers import CustomerIn
from klientura.kit.errors import refused
from klientura.orders.errors import DISCOUNT_OVER_TOTAL, LINE_DISCOUNT_OVER_AMOUNT, NO_LINES_OR_TOTAL


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str | None = Field(default=None, max_length=64)
    qty: Decimal = Field(default=Decimal("1"), gt=0)
    price: Decimal = Field(ge=0)
    discount: Decimal = Field(default=Decimal("0"), ge=0)

    @model_validator(mode="after")
    def _discount_within_price(self) -> LineIn:
        if self.discount > self.price * self.qty:
            raise refused(LINE_DISCOUNT_OVER_AMOUNT)
        return self


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=128)
    source: str = Field(default="api", min_length=1, max_length=64)
    customer_id: int | None = None
    customer: CustomerIn | None = Field(default=None, description="identities to find or create the card")
    outlet: str | None = Field(default=None, description="outlet code or name")
    channel: str | None = None
    placed_at: datetime
    status: str = Field(default="completed", pattern="^(completed|cancelled|pending)$")
    lines: list[LineIn] = Field(default_factory=list)
    total: Decimal | None = Field(default=None, ge=0, description="required when there are no lines")
    discount: Decimal | None = Field(default=None, ge=0)
    promo_code: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _amounts(self) -> OrderIn:
        if not self.lines and self.total is None:
            raise refused(NO_LINES_OR_TOTAL)
        if self.total is not None and self.discount is not None and self.discount > self.total:
            raise refused(DISCOUNT_OVER_TOTAL)
        return self


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    line_no: int
    sku: str | None
    product_id: int | None
    qty: Decimal
    price: Decimal
    discount: Decimal
    amount: Decimal


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str
    customer_id: int | None
    outlet_id: int | None
    channel_id: int | None
    placed_at: datetime
    status: str
    total: Decimal
    discount: Decimal
    paid: Decimal
    promo_code: str | None
    lines: list[LineRead]


class OrderResult(BaseModel):
    order: OrderRead
    created: bool
    customer_created: bool = False


class ReturnLineIn(BaseModel):
    line_no: int
    qty: Decimal = Field(gt=0)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=128)
    source: str = "api"
    returned_at: datetime
    lines: list[ReturnLineIn] = Field(default_factory=list, description="empty: the whole order")
    reason: str | None = None


class ReturnRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    external_id: str
    returned_at: datetime
    amount: Decimal
    reason: str | None


class Totals(BaseModel):
    orders: int
    revenue: Decimal
    returns: Decimal
    average_check: Decimal
    first_purchase: datetime | None
    last_purchase: datetime | None
