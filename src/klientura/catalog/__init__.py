"""Catalogue: categories, products with prices and costs, outlets and sales channels."""

from klientura.catalog.models import Category, Outlet, Product, SalesChannel
from klientura.catalog.schemas import OutletIn, OutletRead, ProductIn, ProductRead
from klientura.catalog.service import (
    ensure_category,
    ensure_channel,
    ensure_outlet,
    list_categories,
    list_channels,
    list_outlets,
    list_products,
    products_by_id,
    products_by_sku,
    products_in,
    set_outlet_manager,
    unit_cost,
    upsert_outlet,
    upsert_product,
)

__all__ = [
    "Category",
    "Outlet",
    "OutletIn",
    "OutletRead",
    "Product",
    "ProductIn",
    "ProductRead",
    "SalesChannel",
    "ensure_category",
    "ensure_channel",
    "ensure_outlet",
    "list_categories",
    "list_channels",
    "list_outlets",
    "list_products",
    "products_by_id",
    "products_by_sku",
    "products_in",
    "set_outlet_manager",
    "unit_cost",
    "upsert_outlet",
    "upsert_product",
]
