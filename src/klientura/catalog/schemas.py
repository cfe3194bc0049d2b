from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from klientura.kit.bounds import Amount, Id, Name


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=200, description="category code or name")
    brand: Name | None = None
    price: Amount | None = None
    cost: Amount | None = None


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    category_id: int | None
    brand: str | None
    price: Decimal | None
    cost: Decimal | None


class OutletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    city: Name | None = None
    kind: str = Field(default="store", pattern="^(store|eshop|warehouse|kiosk)$")
    manager_id: Id | None = Field(default=None, description="the user who answers for it (detractors' tasks)")


class OutletRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    city: str | None
    kind: str
    manager_id: int | None = None
