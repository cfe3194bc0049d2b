"""Identity resolution: whatever arrives carrying a known identity lands on the existing card.

``prepare`` turns an incoming description of a person into canonical identities and profile values;
``resolve`` finds the card by identity (priority: external id, card, phone, e-mail, messengers),
creates one if none exists — under the unique index on (kind, value), so a concurrent twin loses and
retries onto the winner's card — and enriches it: new identities added, empty fields filled,
differing values kept as :class:`FieldValue` rows instead of silently overwriting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.auth import get_user, owner_scope
from klientura.customers.consents import Given, set_consent
from klientura.customers.errors import (
    BAD_POSTCODE,
    CONCURRENT_CHANGES,
    CONTACT_OF_ANOTHER_MANAGER,
    IMPLAUSIBLE_BIRTH_DATE,
    NAME_OR_IDENTITY_NEEDED,
    NAME_TOO_LONG,
    NO_CARD_FOR_IDENTITIES,
    UNKNOWN_OWNER,
)
from klientura.customers.models import Customer, FieldValue, Identity
from klientura.customers.names import clean_name, normalize_gender, split_full_name
from klientura.customers.schemas import CustomerIn, ResolveResult
from klientura.customers.tags import add_tags
from klientura.db import Session
from klientura.kit.errors import Forbidden, ValidationFailed
from klientura.kit.identifiers import normalize_identity
from klientura.kit.shop import Shop

PRIORITY = ("external", "card", "phone", "email", "telegram", "vk")
_TEXT_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "city",
    "postcode",
    "region",
    "address",
    "timezone",
    "acquisition_source",
)
CARD_FIELDS = (*_TEXT_FIELDS, "gender", "birth_date", "preferred_channel")


@dataclass
class Prepared:
    profile: dict[str, Any]
    identities: list[tuple[str, str, str]]  # kind, value, raw
    consents: dict[str, bool] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    owner_id: int | None = None


NAME_LIMIT = 100  # the name columns


def owner_for(actor: Actor, scope: frozenset[int] | None, wanted: int | None) -> int | None:
    """Whose a new card is: the one asked for, when a confined actor (a manager, a head) may give it to them;
    otherwise a confined actor's own."""
    if scope is None:
        return wanted
    return wanted if wanted is not None and wanted in scope else actor.id


def check_owner(session: Session, user_id: int) -> None:
    """A card's owner is an active user (a 422 naming the id, not the store's foreign-key error)."""
    if get_user(session, user_id) is None:
        raise ValidationFailed(UNKNOWN_OWNER, field="owner_id", id=user_id)


def prepare(data: CustomerIn, *, shop: Shop, source: str | None = None) -> Prepared:
    """Canonical identities (a phone without its country code read in the shop's region) and cleaned profile values
    (a birth date after the shop's today refused); raises ValidationFailed naming the bad value."""
    profile: dict[str, Any] = {}
    if data.full_name:
        last, first, middle = split_full_name(data.full_name)
        profile.update({"last_name": last, "first_name": first, "middle_name": middle})
    for name in ("last_name", "first_name", "middle_name"):
        value = clean_name(getattr(data, name))
        if value:
            profile[name] = value
    for name in ("last_name", "first_name", "middle_name"):  # a long full name's part must fit its column too
        if len(profile.get(name) or "") > NAME_LIMIT:
            raise ValidationFailed(NAME_TOO_LONG, field=name, value=profile[name][:20], limit=NAME_LIMIT)
    for name in ("city", "region", "address", "timezone", "acquisition_source"):
        value = getattr(data, name)
        if value and value.strip():
            profile[name] = clean_name(value) if name in ("city", "region") else " ".join(value.split())
    if data.postcode and data.postcode.strip():
        profile["postcode"] = clean_postcode(data.postcode)
    profile["gender"] = normalize_gender(data.gender)
    profile["birth_date"] = _check_birth_date(data.birth_date, shop.today())
    profile["preferred_channel"] = data.preferred_channel
    profile = {k: v for k, v in profile.items() if v is not None}

    raw_ids: list[tuple[str, str]] = []
    raw_ids += [("external", v) for v in [data.external_id, *data.external_ids] if v]
    raw_ids += [("card", v) for v in [data.card, *data.cards] if v]
    raw_ids += [("phone", v) for v in [data.phone, *data.phones] if v]
    raw_ids += [("email", v) for v in [data.email, *data.emails] if v]
    raw_ids += [(k, v) for k, v in (("telegram", data.telegram), ("vk", data.vk)) if v]
    identities: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for kind, raw in raw_ids:
        value = normalize_identity(kind, raw, region=shop.region)
        if (kind, value) not in seen:
            seen.add((kind, value))
            identities.append((kind, value, raw.strip()[:200]))
    return Prepared(
        profile=profile,
        identities=identities,
        consents={str(k): v for k, v in data.consents.items()},
        tags=list(data.tags),
        attributes=dict(data.attributes),
        owner_id=data.owner_id,
    )


def _check_birth_date(value: date | None, today: date) -> date | None:
    if value is None:
        return None
    if value.year < 1900 or value > today:
        raise ValidationFailed(IMPLAUSIBLE_BIRTH_DATE, value=value.isoformat())
    return value


def lookup(session: Session, identities: list[tuple[str, str, str]]) -> dict[tuple[str, str], int]:
    """(kind, value) -> id of the active card holding it."""
    if not identities:
        return {}
    keys = [(k, v) for k, v, _ in identities]
    rows = session.execute(
        select(Identity.kind, Identity.value, Identity.customer_id).where(
            tuple_(Identity.kind, Identity.value).in_(keys)
        )
    ).all()
    return {(k, v): cid for k, v, cid in rows}


def choose(found: dict[tuple[str, str], int], identities: list[tuple[str, str, str]]) -> int | None:
    for kind in PRIORITY:
        for k, v, _ in identities:
            if k == kind and (k, v) in found:
                return found[(k, v)]
    return None


def profile_diff(current: dict[str, Any], incoming: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Fields to fill (empty on the card) and fields whose incoming value differs (kept aside)."""
    fills: dict[str, Any] = {}
    conflicts: list[str] = []
    for name, value in incoming.items():
        have = current.get(name)
        if have is None or have == "":
            fills[name] = value
        elif _differs(have, value):
            conflicts.append(name)
    return fills, conflicts


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold().replace("ё", "е") != b.casefold().replace("ё", "е")
    return bool(a != b)


def snapshot(c: Customer) -> dict[str, Any]:
    return {name: getattr(c, name) for name in (*CARD_FIELDS, "owner_id")}


def resolve(
    session: Session, actor: Actor, prepared: Prepared, *, source: str | None = None, create: bool = True
) -> ResolveResult:
    """Find or create the card for ``prepared`` and enrich it. Flushes, never commits."""
    if prepared.owner_id is not None:
        check_owner(session, prepared.owner_id)
    for _attempt in range(3):
        found = lookup(session, prepared.identities)
        target = choose(found, prepared.identities)
        owner = owner_scope(actor)
        if target is not None:
            customer = session.get_one(Customer, target)
            if owner is not None and customer.owner_id not in owner:
                raise Forbidden(CONTACT_OF_ANOTHER_MANAGER)
            return _enrich(session, actor, customer, prepared, found, source)
        if not create:
            raise ValidationFailed(NO_CARD_FOR_IDENTITIES)
        if not prepared.identities and not prepared.profile:
            raise ValidationFailed(NAME_OR_IDENTITY_NEEDED)
        try:
            with session.begin_nested():
                customer = Customer(**prepared.profile, owner_id=owner_for(actor, owner, prepared.owner_id))
                customer.attributes = dict(prepared.attributes)
                session.add(customer)
                session.flush()
                for kind, value, raw in prepared.identities:
                    session.add(Identity(customer_id=customer.id, kind=kind, value=value, raw=raw, source=source))
                session.flush()
        except IntegrityError:
            continue  # a concurrent request created the card first: land on it
        _apply_extras(session, actor, customer, prepared, source)
        record(session, actor, "customer.create", "customer", customer.id, None, _full(customer, prepared))
        return ResolveResult(
            customer_id=customer.id,
            created=True,
            added_identities=[f"{k}:{v}" for k, v, _ in prepared.identities],
        )
    raise ValidationFailed(CONCURRENT_CHANGES)


def _full(c: Customer, prepared: Prepared) -> dict[str, Any]:
    return {**snapshot(c), "identities": [f"{k}:{v}" for k, v, _ in prepared.identities]}


def _enrich(
    session: Session,
    actor: Actor,
    customer: Customer,
    prepared: Prepared,
    found: dict[tuple[str, str], int],
    source: str | None,
) -> ResolveResult:
    before = snapshot(customer)
    result = ResolveResult(customer_id=customer.id, created=False)
    for kind, value, raw in prepared.identities:
        owner = found.get((kind, value))
        if owner == customer.id:
            continue
        if owner is not None:
            result.skipped_identities.append(f"{kind}:{value}")  # belongs to another card: never stolen
            continue
        try:
            with session.begin_nested():
                session.add(Identity(customer_id=customer.id, kind=kind, value=value, raw=raw, source=source))
                session.flush()
            result.added_identities.append(f"{kind}:{value}")
        except IntegrityError:
            result.skipped_identities.append(f"{kind}:{value}")
    fills, conflicts = profile_diff(before, prepared.profile)
    for name, value in fills.items():
        setattr(customer, name, value)
    result.filled_fields = sorted(fills)
    if prepared.owner_id is not None and customer.owner_id is None:
        customer.owner_id = prepared.owner_id
    known = {
        (f.field, f.value) for f in session.scalars(select(FieldValue).where(FieldValue.customer_id == customer.id))
    }
    for name in conflicts:
        text = str(prepared.profile[name])
        if (name, text) not in known:
            session.add(FieldValue(customer_id=customer.id, field=name, value=text[:200], source=source))
            result.conflicts.append(name)
    new_attrs = {k: v for k, v in prepared.attributes.items() if k not in customer.attributes}
    if new_attrs:
        customer.attributes = {**customer.attributes, **new_attrs}
    _apply_extras(session, actor, customer, prepared, source)
    session.flush()
    if result.added_identities or result.filled_fields or result.conflicts or new_attrs:
        after = {**snapshot(customer), "added_identities": result.added_identities}
        after["conflicting_values"] = {n: prepared.profile[n] for n in result.conflicts}
        record(session, actor, "customer.enrich", "customer", customer.id, before, after)
    return result


def _apply_extras(session: Session, actor: Actor, customer: Customer, prepared: Prepared, source: str | None) -> None:
    for channel, granted in prepared.consents.items():
        set_consent(session, actor, customer.id, channel, granted, Given(source))
    if prepared.tags:
        add_tags(session, actor, customer.id, prepared.tags)


def clean_postcode(raw: str) -> str:
    """A postal code as written on an envelope: digits (and a Latin letter or two, abroad) without spaces; a value
    with nothing of the kind is refused, naming it."""
    code = "".join(ch for ch in raw.upper() if ch.isalnum())
    if not code or not any(ch.isdigit() for ch in code) or len(code) > 10:
        raise ValidationFailed(BAD_POSTCODE, field="postcode", value=raw[:20])
    return code
