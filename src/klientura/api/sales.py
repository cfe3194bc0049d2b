"""Companies and their contacts over HTTP (the sales side's first part)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from klientura import sales
from klientura.deps import ActorDep, SessionDep, ShopDep, new_router
from klientura.kit.bounds import Cursor, Id, Name
from klientura.sales import CompanyCreated, CompanyIn, CompanyPage, CompanyRead, CompanyUpdate, ContactIn, ContactRead

router = new_router(read="sales:read", write="sales:write", prefix="/companies", tags=["companies"])


@router.post("", response_model=CompanyCreated, summary="A company: one per INN (the existing one is the answer)")
def create(data: CompanyIn, response: Response, session: SessionDep, actor: ActorDep, shop: ShopDep) -> CompanyCreated:
    company, created = sales.create_company(session, actor, data, shop)
    response.status_code = 201 if created else 200
    return CompanyCreated(company=CompanyRead.model_validate(company), created=created)


@router.get("", response_model=CompanyPage, summary="Companies you see, newest first (cursor pagination)")
def list_all(
    session: SessionDep,
    actor: ActorDep,
    q: Name | None = None,
    inn: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CompanyPage:
    rows, nxt = sales.list_companies(session, actor, q=q, inn=inn, cursor=cursor, limit=limit)
    return CompanyPage(items=[CompanyRead.model_validate(c) for c in rows], next_cursor=nxt)


@router.delete(
    "/{company_id}",
    status_code=204,
    summary="Soft delete (administrators; audited)",
    openapi_extra={"x-permission": "users:admin"},
)
def delete(company_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    sales.delete_company(session, actor, company_id)
    return Response(status_code=204)


@router.get("/{company_id}", response_model=CompanyRead)
def get(company_id: Id, session: SessionDep, actor: ActorDep) -> CompanyRead:
    return CompanyRead.model_validate(sales.get_company(session, actor, company_id))


@router.patch("/{company_id}", response_model=CompanyRead)
def update(company_id: Id, patch: CompanyUpdate, session: SessionDep, actor: ActorDep, shop: ShopDep) -> CompanyRead:
    return CompanyRead.model_validate(sales.update_company(session, actor, company_id, patch, shop))


@router.get("/{company_id}/contacts", response_model=list[ContactRead])
def contacts(company_id: Id, session: SessionDep, actor: ActorDep) -> list[ContactRead]:
    return sales.contacts_of(session, actor, company_id)


@router.post("/{company_id}/contacts", status_code=201, response_model=ContactRead, summary="Link a person")
def add_contact(company_id: Id, data: ContactIn, session: SessionDep, actor: ActorDep, shop: ShopDep) -> ContactRead:
    return sales.add_contact(session, actor, company_id, data, shop)


@router.delete("/{company_id}/contacts/{customer_id}", status_code=204)
def remove_contact(company_id: Id, customer_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    sales.remove_contact(session, actor, company_id, customer_id)
    return Response(status_code=204)
