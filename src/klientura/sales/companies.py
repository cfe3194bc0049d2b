"""Companies: created once per INN (a concurrent request with the same INN gets the same company), seen and changed
by their owner (a manager) or by everyone above, with their contacts — customer cards with a position and a role."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from klientura import customers
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.kit.pagination import decode_cursor, encode_cursor
from klientura.kit.phones import normalize_phone
from klientura.kit.requisites import normalize_inn, normalize_kpp, normalize_ogrn
from klientura.kit.shop import Shop
from klientura.sales.errors import COMPANY_ELSEWHERE, COMPANY_NAME_NEEDED, COMPANY_NOT_FOUND
from klientura.sales.models import Company, CompanyContact
from klientura.sales.owners import owner_for, sees, visible
from klientura.sales.schemas import CompanyIn, CompanyUpdate, ContactIn, ContactRead

_FIELDS = ("name", "kpp", "ogrn", "industry", "size", "address", "city", "phone", "site", "owner_id")


def _sees(actor: Actor, company: Company) -> bool:
    return company.deleted_at is None and sees(actor, company.owner_id)


def _clean(data: dict[str, Any], shop: Shop) -> dict[str, Any]:
    out = dict(data)
    for name, norm in (("kpp", normalize_kpp), ("ogrn", normalize_ogrn)):
        if out.get(name):
            out[name] = norm(out[name])
    if out.get("phone"):
        out["phone"] = normalize_phone(out["phone"], shop.region)
    for name in ("name", "industry", "size", "address", "city", "site"):
        if isinstance(out.get(name), str):
            out[name] = " ".join(out[name].split()) or None
    if "name" in out and not out["name"]:
        raise ValidationFailed(COMPANY_NAME_NEEDED, field="name")
    return out


def _owner(session: Session, actor: Actor, wanted: int | None) -> int | None:
    return owner_for(session, actor, wanted, default_self=False)


def create_company(session: Session, actor: Actor, data: CompanyIn, shop: Shop) -> tuple[Company, bool]:
    """The company for ``data``: a new one, or the one that has its INN already (created False)."""
    require(actor, "sales:write")
    inn = normalize_inn(data.inn) if data.inn else None
    values = _clean(data.model_dump(exclude={"inn"}), shop)
    if inn is not None and (found := _by_inn(session, inn)) is not None:
        return _existing(actor, found), False
    values["owner_id"] = _owner(session, actor, data.owner_id)
    company = Company(inn=inn, **values)
    try:
        with session.begin_nested():
            session.add(company)
            session.flush()
    except IntegrityError:  # another request took this INN a moment ago: theirs is the company
        found = _by_inn(session, inn) if inn else None
        if found is None:
            raise
        return _existing(actor, found), False
    record(session, actor, "company.create", "company", company.id, None, {"name": company.name, "inn": inn})
    return company, True


def _by_inn(session: Session, inn: str) -> Company | None:
    return session.scalars(select(Company).where(Company.inn == inn)).first()


def _existing(actor: Actor, company: Company) -> Company:
    if not _sees(actor, company):
        raise Conflict(COMPANY_ELSEWHERE, value=company.inn)  # another manager's: named to nobody
    return company


def get_company(session: Session, actor: Actor, company_id: int) -> Company:
    require(actor, "sales:read")
    company = session.get(Company, company_id)
    if company is None or not _sees(actor, company):
        raise NotFound(COMPANY_NOT_FOUND, id=company_id)
    return company


def list_companies(
    session: Session,
    actor: Actor,
    *,
    q: str | None = None,
    inn: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Company], str | None]:
    """A page of the companies the actor sees, newest first, by a part of the name or the exact INN."""
    require(actor, "sales:read")
    stmt = select(Company).where(Company.deleted_at.is_(None))
    stmt = stmt.where(visible(actor, Company.owner_id))
    if q:
        stmt = stmt.where(Company.name.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    if inn:
        stmt = stmt.where(Company.inn == normalize_inn(inn))
    if cursor:
        (after,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(Company.id < after)
    rows = list(session.scalars(stmt.order_by(Company.id.desc()).limit(limit + 1)))
    return rows[:limit], encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None


def update_company(session: Session, actor: Actor, company_id: int, patch: CompanyUpdate, shop: Shop) -> Company:
    require(actor, "sales:write")
    company = get_company(session, actor, company_id)
    changes = _clean(patch.model_dump(exclude_unset=True), shop)
    if "owner_id" in changes:
        changes["owner_id"] = _owner(session, actor, changes["owner_id"])
    before = {k: getattr(company, k) for k in _FIELDS}
    for name, value in changes.items():
        setattr(company, name, value)
    session.flush()
    after = {k: getattr(company, k) for k in _FIELDS}
    if after != before:
        record(session, actor, "company.update", "company", company.id, before, after)
    return company


def add_contact(session: Session, actor: Actor, company_id: int, data: ContactIn, shop: Shop) -> ContactRead:
    """Link a person to the company (their card found or made from their identities), with a position and role."""
    require(actor, "sales:write")
    company = get_company(session, actor, company_id)
    if data.customer_id is not None:
        customer_id = customers.get_customer(session, actor, data.customer_id).id
    elif data.customer is not None:
        customer_id = customers.resolve(session, actor, customers.prepare(data.customer, shop=shop)).customer_id
    else:
        raise ValidationFailed(customers.NAME_OR_IDENTITY_NEEDED, field="customer")
    link = session.get(CompanyContact, (company.id, customer_id))
    if link is None:
        link = CompanyContact(company_id=company.id, customer_id=customer_id)
        session.add(link)
    link.position, link.role = data.position, data.role
    session.flush()
    record(session, actor, "company.contact", "company", company.id, None, {"customer_id": customer_id})
    return ContactRead(
        customer_id=customer_id,
        name=customers.names_of(session, actor, [customer_id]).get(customer_id, f"#{customer_id}"),
        position=link.position,
        role=link.role,
    )


def remove_contact(session: Session, actor: Actor, company_id: int, customer_id: int) -> None:
    require(actor, "sales:write")
    company = get_company(session, actor, company_id)
    session.execute(
        delete(CompanyContact).where(CompanyContact.company_id == company.id, CompanyContact.customer_id == customer_id)
    )
    record(session, actor, "company.contact_removed", "company", company.id, {"customer_id": customer_id}, None)


def company_names(session: Session, actor: Actor, ids: list[int]) -> dict[int, str]:
    """Names of the companies the actor sees, for lists and boards that show many."""
    if not ids:
        return {}
    stmt = select(Company.id, Company.name).where(
        Company.id.in_(sorted(set(ids))), Company.deleted_at.is_(None), visible(actor, Company.owner_id)
    )
    return {row.id: row.name for row in session.execute(stmt)}


def contacts_ids(session: Session, company_id: int) -> list[int]:
    """The ids of the company's people (no visibility check: the caller holds the company's deal)."""
    return list(session.scalars(select(CompanyContact.customer_id).where(CompanyContact.company_id == company_id)))


def companies_of(session: Session, customer_id: int) -> list[int]:
    """The ids of the live companies the person is a contact of."""
    return list(
        session.scalars(
            select(CompanyContact.company_id)
            .join(Company, Company.id == CompanyContact.company_id)
            .where(CompanyContact.customer_id == customer_id, Company.deleted_at.is_(None))
        )
    )


def contacts_of(session: Session, actor: Actor, company_id: int) -> list[ContactRead]:
    """The company's people the actor sees (a manager: their own cards)."""
    company = get_company(session, actor, company_id)
    links = list(session.scalars(select(CompanyContact).where(CompanyContact.company_id == company.id)))
    names = customers.names_of(session, actor, [link.customer_id for link in links])
    return [
        ContactRead(customer_id=link.customer_id, name=names[link.customer_id], position=link.position, role=link.role)
        for link in links
        if link.customer_id in names
    ]
