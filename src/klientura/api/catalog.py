from __future__ import annotations

from klientura import catalog
from klientura.auth import require
from klientura.catalog import OutletIn, OutletRead, ProductIn, ProductRead
from klientura.deps import ActorDep, SessionDep, new_router

router = new_router(read="catalog:read", write="catalog:write", tags=["catalog"])


@router.post("/products", response_model=ProductRead, summary="Create or update a product by SKU")
def upsert_product(data: ProductIn, session: SessionDep, actor: ActorDep) -> ProductRead:
    product = catalog.upsert_product(session, actor, data)
    return ProductRead.model_validate(product)


@router.get("/products", response_model=list[ProductRead])
def list_products(session: SessionDep, actor: ActorDep) -> list[ProductRead]:
    require(actor, "catalog:read")
    return [ProductRead.model_validate(p) for p in catalog.list_products(session)]


@router.post("/outlets", response_model=OutletRead, summary="Create or update an outlet by code")
def upsert_outlet(data: OutletIn, session: SessionDep, actor: ActorDep) -> OutletRead:
    outlet = catalog.upsert_outlet(session, actor, data)
    return OutletRead.model_validate(outlet)


@router.get("/outlets", response_model=list[OutletRead])
def list_outlets(session: SessionDep, actor: ActorDep) -> list[OutletRead]:
    require(actor, "catalog:read")
    return [OutletRead.model_validate(o) for o in catalog.list_outlets(session)]
