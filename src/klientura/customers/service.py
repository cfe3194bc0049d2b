"""Use cases on cards: read, search, update, identities. Services flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, tuple_

from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.customers.errors import (
    BAD_LIMIT,
    CURSOR_MISMATCH,
    CUSTOMER_ERASED,
    CUSTOMER_MERGED,
    CUSTOMER_NOT_FOUND,
    IDENTITY_ELSEWHERE,
    IDENTITY_NOT_FOUND,
    IDENTITY_TAKEN,
    OWNER_CHANGE_FORBIDDEN,
    UNKNOWN_SORT,
)
from klientura.customers.lookups import survivors_of, visible_clause
from klientura.customers.models import Consent, Customer, CustomerTag, FieldValue, Identity, Tag
from klientura.customers.resolve import check_owner, snapshot
from klientura.customers.schemas import ConsentRead, CustomerRead, CustomerUpdate, IdentityRead
from klientura.customers.tags import tags_of
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.kit.identifiers import normalize_identity
from klientura.kit.pagination import decode_cursor, encode_cursor


def get_customer(session: Session, actor: Actor, customer_id: int, *, follow_merge: bool = True) -> Customer:
    """The card, as the actor may see it. A merged card redirects to its survivor."""
    require(actor, "customers:read")
    customer = session.get(Customer, customer_id)
    if follow_merge and customer is not None and customer.merged_into_id is not None:
        customer = session.get(Customer, survivors_of(session, [customer.id]).get(customer.id, customer.id))
    owner = owner_scope(actor)
    if customer is None or (owner is not None and customer.owner_id not in owner):
        raise NotFound(CUSTOMER_NOT_FOUND, id=customer_id)
    return customer


def sees(session: Session, actor: Actor, customer_id: int | None) -> bool:
    """Whether the actor sees the card (a manager: only one they own); a record of no card is everyone's."""
    owner = owner_scope(actor)
    if owner is None or customer_id is None:
        return True
    return session.scalar(select(Customer.owner_id).where(Customer.id == customer_id)) in owner


def visible_id(session: Session, actor: Actor, customer_id: int) -> int:
    """The id of the card as :func:`get_customer` finds it (a merged card's survivor), without loading the card:
    for hot paths such as a till's request."""
    require(actor, "customers:read")
    owner, current = owner_scope(actor), customer_id
    for _ in range(50):
        row = session.execute(select(Customer.merged_into_id, Customer.owner_id).where(Customer.id == current)).first()
        if row is None:
            break
        if row.merged_into_id is None:
            if owner is not None and row.owner_id not in owner:
                break
            return current
        current = row.merged_into_id
    raise NotFound(CUSTOMER_NOT_FOUND, id=customer_id)


def owner_of(session: Session, customer_id: int) -> int | None:
    """The card's manager (for routing what reaches the card; no visibility check: the caller has the card)."""
    return session.scalar(select(Customer.owner_id).where(Customer.id == customer_id))


def lock_card(session: Session, customer_id: int) -> None:
    """Hold the card's row until the transaction ends (PostgreSQL; SQLite's writers are serialised already), so
    that two requests deciding something about one person (the repeat-request rule) take turns."""
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())


def get_for_write(session: Session, actor: Actor, customer_id: int) -> Customer:
    require(actor, "customers:write")
    customer = get_customer(session, actor, customer_id, follow_merge=False)
    if customer.merged_into_id is not None:
        raise Conflict(CUSTOMER_MERGED, id=customer_id, survivor=customer.merged_into_id)
    if customer.erased_at is not None:
        raise Conflict(CUSTOMER_ERASED, id=customer_id)
    return customer


def to_read(session: Session, customer: Customer) -> CustomerRead:
    consents = session.scalars(select(Consent).where(Consent.customer_id == customer.id).order_by(Consent.channel))
    return CustomerRead.model_validate(
        {
            **{k: getattr(customer, k) for k in CustomerRead.model_fields if hasattr(customer, k)},
            "identities": [IdentityRead.model_validate(i) for i in customer.identities],
            "tags": tags_of(session, [customer.id])[customer.id],
            "consents": [ConsentRead.model_validate(c) for c in consents],
        }
    )


def field_values(session: Session, customer_id: int) -> list[FieldValue]:
    stmt = select(FieldValue).where(FieldValue.customer_id == customer_id).order_by(FieldValue.seen_at.desc())
    return list(session.scalars(stmt))


def update_customer(session: Session, actor: Actor, customer_id: int, patch: CustomerUpdate) -> Customer:
    """An explicit edit by a person overwrites; the old values go to the audit log."""
    from klientura.customers.names import clean_name, normalize_gender
    from klientura.customers.resolve import clean_postcode

    customer = get_for_write(session, actor, customer_id)
    before = snapshot(customer)
    changes = patch.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if name in ("last_name", "first_name", "middle_name", "city", "region"):
            value = clean_name(value)
        elif name == "postcode" and value is not None:
            value = clean_postcode(value) if value.strip() else None
        elif name == "address" and value is not None:
            value = " ".join(value.split()) or None
        elif name == "gender":
            value = normalize_gender(value)
        elif name == "owner_id" and (own := owner_scope(actor)) is not None and value not in own:
            raise ValidationFailed(OWNER_CHANGE_FORBIDDEN)
        elif name == "owner_id" and value is not None:
            check_owner(session, value)
        elif name == "attributes" and value is None:  # null: no attributes (the card always has an object)
            value = {}
        setattr(customer, name, value)
    session.flush()
    after = snapshot(customer)
    if after != before:
        record(session, actor, "customer.update", "customer", customer.id, before, after)
    return customer


def add_identity(session: Session, actor: Actor, customer_id: int, kind: str, raw: str, region: str) -> Identity:
    customer = get_for_write(session, actor, customer_id)
    value = normalize_identity(kind, raw, region=region)
    holder = session.scalars(select(Identity).where(Identity.kind == kind, Identity.value == value)).first()
    if holder is not None:
        if holder.customer_id == customer.id:
            return holder
        if not sees(session, actor, holder.customer_id):  # a manager is not told whose card it is
            raise Conflict(IDENTITY_ELSEWHERE, kind=kind, value=value)
        raise Conflict(IDENTITY_TAKEN, kind=kind, value=value, customer_id=holder.customer_id)
    identity = Identity(customer_id=customer.id, kind=kind, value=value, raw=raw.strip(), source="manual")
    session.add(identity)
    session.flush()
    record(session, actor, "identity.add", "customer", customer.id, None, {"kind": kind, "value": value})
    return identity


def identity_for_write(session: Session, actor: Actor, customer_id: int, identity_id: int) -> Identity:
    """One of the card's identities, for a change the actor may make to the card."""
    customer = get_for_write(session, actor, customer_id)
    identity = session.get(Identity, identity_id)
    if identity is None or identity.customer_id != customer.id:
        raise NotFound(IDENTITY_NOT_FOUND, id=identity_id, customer_id=customer_id)
    return identity


def remove_identity(session: Session, actor: Actor, customer_id: int, identity_id: int) -> None:
    identity = identity_for_write(session, actor, customer_id, identity_id)
    session.delete(identity)
    session.flush()
    record(
        session,
        actor,
        "identity.remove",
        "customer",
        identity.customer_id,
        {"kind": identity.kind, "value": identity.value},
    )


def find_by_identity(session: Session, actor: Actor, kind: str, raw: str, region: str) -> Customer | None:
    value = normalize_identity(kind, raw, region=region)
    cid = session.scalars(select(Identity.customer_id).where(Identity.kind == kind, Identity.value == value)).first()
    if cid is None:
        return None
    try:
        return get_customer(session, actor, cid)
    except NotFound:
        return None


SORTS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "-id": ("id",),
    "name": ("last_name", "first_name", "id"),
    "-name": ("last_name", "first_name", "id"),
    "created": ("created_at", "id"),
    "-created": ("created_at", "id"),
}


@dataclass
class SearchQuery:
    q: str | None = None
    tag: str | None = None
    city: str | None = None
    gender: str | None = None
    has_email: bool | None = None
    has_phone: bool | None = None
    owner_id: int | None = None
    sort: str = "-id"
    limit: int = 50
    cursor: str | None = None


@dataclass
class Page:
    items: list[Customer]
    next_cursor: str | None


def _identity_exists(kind: str, value: str | None = None) -> ColumnElement[bool]:
    cond = and_(Identity.customer_id == Customer.id, Identity.kind == kind)
    if value is not None:
        cond = and_(cond, Identity.value == value)
    return exists().where(cond)


def _text_filter(q: str, region: str) -> ColumnElement[bool]:
    text = q.strip()
    conds: list[ColumnElement[bool]] = []
    for kind in ("phone", "email", "card"):
        try:
            conds.append(_identity_exists(kind, normalize_identity(kind, text, region=region)))
        except ValidationFailed:
            continue
    words = text.split()
    if words and "@" not in text and any(ch.isalpha() for ch in text):
        name_conds = []
        for word in words:
            pattern = word.replace("%", "").replace("_", "")[:50].lower() + "%"
            name_conds.append(
                or_(
                    func.lower(Customer.last_name).like(pattern),
                    func.lower(Customer.first_name).like(pattern),
                    func.lower(Customer.middle_name).like(pattern),
                )
            )
        conds.append(and_(*name_conds))
    if text.isdigit():
        conds.append(Customer.id == int(text[:18]))
    return or_(*conds) if conds else Customer.id.is_(None)


def search_customers(session: Session, actor: Actor, query: SearchQuery, region: str) -> Page:
    require(actor, "customers:read")
    if query.sort not in SORTS:
        raise ValidationFailed(UNKNOWN_SORT, field="sort", value=query.sort, allowed=", ".join(SORTS))
    if not 1 <= query.limit <= 500:
        raise ValidationFailed(BAD_LIMIT)
    stmt = select(Customer).where(visible_clause(actor))
    if query.q:
        stmt = stmt.where(_text_filter(query.q, region))
    if query.tag:
        stmt = stmt.where(
            exists().where(
                CustomerTag.customer_id == Customer.id,
                CustomerTag.tag_id == select(Tag.id).where(Tag.name == query.tag.lower()).scalar_subquery(),
            )
        )
    if query.city:
        stmt = stmt.where(func.lower(Customer.city) == query.city.strip().lower())
    if query.gender:
        stmt = stmt.where(Customer.gender == query.gender)
    if query.owner_id is not None:
        stmt = stmt.where(Customer.owner_id == query.owner_id)
    for flag, kind in ((query.has_email, "email"), (query.has_phone, "phone")):
        if flag is not None:
            stmt = stmt.where(_identity_exists(kind) if flag else ~_identity_exists(kind))
    names = SORTS[query.sort]
    desc = query.sort.startswith("-")
    cols: list[Any] = [
        func.coalesce(getattr(Customer, n), "") if n in ("last_name", "first_name") else getattr(Customer, n)
        for n in names
    ]
    if query.cursor:
        values = decode_cursor(query.cursor, [int if n == "id" else str for n in names])
        if "created_at" in names:
            try:
                values[0] = datetime.fromisoformat(values[0])
            except ValueError as exc:
                raise ValidationFailed(CURSOR_MISMATCH) from exc
        key = tuple_(*cols)
        stmt = stmt.where(key < tuple_(*values) if desc else key > tuple_(*values))
    stmt = stmt.order_by(*[c.desc() if desc else c.asc() for c in cols]).limit(query.limit + 1)
    rows = list(session.scalars(stmt))
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1]
        next_cursor = encode_cursor([_cursor_value(last, n) for n in names])
    return Page(items=rows, next_cursor=next_cursor)


def _cursor_value(c: Customer, name: str) -> Any:
    value = getattr(c, name)
    if name in ("last_name", "first_name"):
        return value or ""
    if name == "created_at":
        return value.isoformat()
    return value


def count_customers(session: Session, actor: Actor) -> int:
    return int(session.scalar(select(func.count()).select_from(Customer).where(visible_clause(actor))) or 0)


def names_of(session: Session, actor: Actor, ids: list[int]) -> dict[int, str]:
    """Display names of the cards the actor may see, for lists that show many cards."""
    if not ids:
        return {}
    stmt = select(Customer).where(Customer.id.in_(ids))
    owner = owner_scope(actor)
    if owner is not None:
        stmt = stmt.where(Customer.owner_id.in_(owner))
    return {c.id: c.full_name or f"#{c.id}" for c in session.scalars(stmt)}
