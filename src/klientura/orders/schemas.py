from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from klientura.customers import CustomerIn
from klientura.kit.bounds import MAX_AMOUNT, Amount, Code, Id, Moment, Name, Quantity
from klientura.kit.errors import refused
from klientura.orders.errors import AMOUNT_TOO_LARGE, DISCOUNT_OVER_TOTAL, LINE_DISCOUNT_OVER_AMOUNT, NO_LINES_OR_TOTAL


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str | None = Field(default=None, max_length=64)
    qty: Quantity = Decimal("1")
    price: Amount
    discount: Amount = Decimal("0")

    @model_validator(mode="after")
    def _discount_within_price(self) -> LineIn:
        if self.price * self.qty > MAX_AMOUNT:
            raise refused(AMOUNT_TOO_LARGE, limit=MAX_AMOUNT)
        if self.discount > self.price * self.qty:
            raise refused(LINE_DISCOUNT_OVER_AMOUNT)
        return self


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=128)
    source: str = Field(default="api", min_length=1, max_length=64)
    customer_id: Id | None = None
    customer: CustomerIn | None = Field(default=None, description="identities to find or create the card")
    outlet: Name | None = Field(default=None, description="outlet code or name")
    staff: str | None = Field(default=None, max_length=100, description="the seller or cashier (code or name)")
    channel: Code | None = None
    placed_at: Moment
    status: str = Field(default="completed", pattern="^(completed|cancelled|pending)$")
    lines: list[LineIn] = Field(default_factory=list, max_length=1000)
    total: Amount | None = Field(default=None, description="required when there are no lines")
    discount: Amount | None = None
    promo_code: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _amounts(self) -> OrderIn:
        if not self.lines and self.total is None:
            raise refused(NO_LINES_OR_TOTAL)
        if sum((ln.price * ln.qty for ln in self.lines), Decimal(0)) > MAX_AMOUNT:
            raise refused(AMOUNT_TOO_LARGE, limit=MAX_AMOUNT)
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
    staff: str | None = None
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
    line_no: Id
    qty: Quantity


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=128)
    source: str = Field(default="api", min_length=1, max_length=64)
    returned_at: Moment
    lines: list[ReturnLineIn] = Field(default_factory=list, max_length=1000, description="empty: the whole order")
    reason: Name | None = None


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
