from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from klientura import auth
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.catalog.models import Category, Outlet, Product, SalesChannel
from klientura.catalog.schemas import OutletIn, ProductIn
from klientura.db import Session, in_chunks
from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

OUTLET_MANAGER = code("outlet.manager_unknown", N_("user %(id)s is not an active user"))


def slug(text: str) -> str:
    value = re.sub(r"\s+", "-", text.strip().lower())
    return value[:64] or "default"


def ensure_category(session: Session, name: str, parent_id: int | None = None) -> Category:
    code = slug(name)
    cat = session.scalars(select(Category).where(Category.code == code)).first()
    if cat is None:
        cat = Category(code=code, name=name.strip(), parent_id=parent_id)
        session.add(cat)
        session.flush()
    return cat


def upsert_product(session: Session, actor: Actor, data: ProductIn) -> Product:
    require(actor, "catalog:write")
    product = session.scalars(select(Product).where(Product.sku == data.sku)).first()
    category_id = ensure_category(session, data.category).id if data.category else None
    before = None
    if product is None:
        product = Product(sku=data.sku)
        session.add(product)
    else:
        before = {"name": product.name, "price": product.price, "cost": product.cost}
    product.name, product.brand, product.category_id = data.name, data.brand, category_id
    product.price, product.cost = data.price, data.cost
    session.flush()
    after = {"name": product.name, "price": product.price, "cost": product.cost}
    if before != after:
        record(session, actor, "product.upsert", "product", product.id, before, after)
    return product


def list_products(session: Session, limit: int = 500) -> list[Product]:
    return list(session.scalars(select(Product).order_by(Product.sku).limit(limit)))


def products_by_sku(session: Session, skus: set[str]) -> dict[str, Product]:
    if not skus:
        return {}
    return {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}


def products_by_id(session: Session, ids: Sequence[int]) -> dict[int, Product]:
    """{id: product} of these products (in few statements however many)."""
    return {
        p.id: p
        for part in in_chunks(session, sorted(set(ids)))
        for p in session.scalars(select(Product).where(part.of(Product.id)))
    }


def unit_cost(product_id: Any) -> Any:
    """The cost of one unit of the product ``product_id`` (a column of the caller's statement) as a scalar subquery:
    NULL for a product without a cost or no product."""
    return select(Product.cost).where(Product.id == product_id).scalar_subquery()


def products_in(categories: Sequence[int]) -> Select[Any]:
    """A query of the ids of the products in these categories, for others to filter their lines by."""
    return select(Product.id).where(Product.category_id.in_(list(categories)))


def upsert_outlet(session: Session, actor: Actor, data: OutletIn) -> Outlet:
    require(actor, "catalog:write")
    if data.manager_id is not None and auth.get_user(session, data.manager_id) is None:
        raise ValidationFailed(OUTLET_MANAGER, field="manager_id", id=data.manager_id)
    outlet = session.scalars(select(Outlet).where(Outlet.code == data.code)).first()
    if outlet is None:
        outlet = Outlet(code=data.code)
        session.add(outlet)
    outlet.name, outlet.city, outlet.kind, outlet.manager_id = data.name, data.city, data.kind, data.manager_id
    session.flush()
    record(session, actor, "outlet.upsert", "outlet", outlet.id, None, data.model_dump())
    return outlet


def ensure_outlet(session: Session, name_or_code: str) -> Outlet:
    """An outlet as named in a receipt or a file: found by code or name, created if new."""
    text = name_or_code.strip()
    outlet = session.scalars(select(Outlet).where((Outlet.code == text) | (Outlet.name == text))).first()
    if outlet is None:
        outlet = session.scalars(select(Outlet).where(Outlet.code == slug(text))).first()
    if outlet is None:
        outlet = Outlet(code=slug(text), name=text)
        session.add(outlet)
        session.flush()
    return outlet


def ensure_channel(session: Session, code: str) -> SalesChannel:
    value = slug(code)
    channel = session.scalars(select(SalesChannel).where(SalesChannel.code == value)).first()
    if channel is None:
        channel = SalesChannel(code=value, name=code.strip())
        session.add(channel)
        session.flush()
    return channel


def set_outlet_manager(session: Session, actor: Actor, outlet_id: int, user_id: int | None) -> Outlet:
    """Who answers for the outlet (a detractor's answer about it becomes their task)."""
    require(actor, "users:admin")
    outlet = session.get(Outlet, outlet_id)
    if outlet is None:
        raise ValidationFailed(OUTLET_MANAGER, field="outlet_id", id=outlet_id)
    if user_id is not None and auth.get_user(session, user_id) is None:
        raise ValidationFailed(OUTLET_MANAGER, field="manager_id", id=user_id)
    before, outlet.manager_id = outlet.manager_id, user_id
    session.flush()
    record(session, actor, "outlet.manager", "outlet", outlet.id, {"manager_id": before}, {"manager_id": user_id})
    return outlet


def list_outlets(session: Session) -> list[Outlet]:
    return list(session.scalars(select(Outlet).order_by(Outlet.name)))


def list_channels(session: Session) -> list[SalesChannel]:
    return list(session.scalars(select(SalesChannel).order_by(SalesChannel.code)))


def list_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.name)))
