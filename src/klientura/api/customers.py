from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from klientura import analytics, customers, dedup, segments
from klientura.analytics import ScoreRead
from klientura.api import idempotency
from klientura.api.schemas import (
    CustomerCard,
    CustomerCreated,
    CustomerPage,
    FieldValueOut,
    MergeOut,
    SegmentRef,
    SuggestionOut,
    TagsIn,
)
from klientura.auth import can, require
from klientura.customers import (
    ConsentEventRead,
    ConsentIn,
    CustomerIn,
    CustomerRead,
    CustomerUpdate,
    IdentityIn,
    IdentityRead,
)
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, new_router
from klientura.events import EventRead, events_of
from klientura.kit.bounds import Code, Cursor, Id, Identifier, Name, Tag
from klientura.orders import OrderRead, ReturnRead, orders_of, returns_of, totals_for

router = new_router(read="customers:read", write="customers:write", prefix="/customers", tags=["customers"])


@router.post("", status_code=201, response_model=CustomerCreated, summary="Create a card, or land on the existing one")
def create_customer(
    data: CustomerIn, request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep, shop: ShopDep
) -> Response:
    """A request carrying a known identity (phone, e-mail, card, external id) never creates a second card:
    it enriches the existing one and answers 200 instead of 201."""
    require(actor, "customers:write")

    def action() -> tuple[int, CustomerCreated]:
        prepared = customers.prepare(data, shop=shop, source=actor.name)
        result = customers.resolve(session, actor, prepared, source=actor.name)
        card = customers.to_read(session, customers.get_customer(session, actor, result.customer_id))
        return (201 if result.created else 200), CustomerCreated(**result.model_dump(), customer=card)

    return idempotency.run(request, session, actor, data, action)


@router.get("", response_model=CustomerPage, summary="Search and list cards (cursor pagination)")
def list_customers(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    shop: ShopDep,
    q: Name | None = None,
    phone: Identifier | None = None,
    email: Identifier | None = None,
    card: Identifier | None = None,
    tag: Tag | None = None,
    city: Name | None = None,
    gender: Code | None = None,
    sort: Code = "-id",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Cursor | None = None,
) -> CustomerPage:
    for kind, value in (("phone", phone), ("email", email), ("card", card)):
        if value:
            found = customers.find_by_identity(session, actor, kind, value, shop.region)
            return CustomerPage(items=[customers.to_read(session, found)] if found else [], next_cursor=None)
    page = customers.search_customers(
        session,
        actor,
        customers.SearchQuery(q=q, tag=tag, city=city, gender=gender, sort=sort, limit=limit, cursor=cursor),
        region=shop.region,
    )
    return CustomerPage(items=[customers.to_read(session, c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/{customer_id}", response_model=CustomerCard, summary="The full card: profile, orders, events, totals")
def get_card(customer_id: Id, session: SessionDep, actor: ActorDep) -> CustomerCard:
    customer = customers.get_customer(session, actor, customer_id)
    orders = orders_of(session, actor, customer.id, limit=100)
    return CustomerCard(
        customer=customers.to_read(session, customer),
        totals=totals_for(session, [customer.id])[customer.id],
        orders=[OrderRead.model_validate(o) for o in orders],
        returns=[ReturnRead.model_validate(r) for r in returns_of(session, [o.id for o in orders])],
        events=[EventRead.model_validate(e) for e in events_of(session, actor, customer.id, limit=100)],
        other_values=[
            FieldValueOut(field=f.field, value=f.value, source=f.source)
            for f in customers.field_values(session, customer.id)
        ],
        merges=[MergeOut.model_validate(m, from_attributes=True) for m in dedup.merges_of(session, customer.id)],
        scores=ScoreRead.model_validate(s) if (s := analytics.score_of(session, customer.id)) else None,
        clv=analytics.clv.clv_of(session, customer.id),
        segments=[SegmentRef(id=g.id, name=g.name) for g in segments.segments_of(session, customer.id)]
        if can(actor, "segments:read")
        else [],
    )


@router.patch("/{customer_id}", response_model=CustomerRead)
def update_customer(customer_id: Id, patch: CustomerUpdate, session: SessionDep, actor: ActorDep) -> CustomerRead:
    customer = customers.update_customer(session, actor, customer_id, patch)
    return customers.to_read(session, customer)


@router.post("/{customer_id}/identities", status_code=201, response_model=IdentityRead)
def add_identity(
    customer_id: Id, data: IdentityIn, session: SessionDep, actor: ActorDep, settings: SettingsDep, shop: ShopDep
) -> IdentityRead:
    identity = customers.add_identity(session, actor, customer_id, data.kind, data.value, shop.region)
    return IdentityRead.model_validate(identity)


@router.delete("/{customer_id}/identities/{identity_id}", status_code=204)
def remove_identity(customer_id: Id, identity_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    customers.remove_identity(session, actor, customer_id, identity_id)
    return Response(status_code=204)


@router.delete("/{customer_id}/identities/{identity_id}/bounce", response_model=IdentityRead)
def clear_bounce(customer_id: Id, identity_id: Id, session: SessionDep, actor: ActorDep) -> IdentityRead:
    """Take a hard bounce's mark off an address (the customer says it works again): campaigns use it again."""
    identity = customers.clear_bounce(session, actor, customer_id, identity_id)
    return IdentityRead.model_validate(identity)


@router.put("/{customer_id}/consents", response_model=CustomerRead)
def set_consent(customer_id: Id, data: ConsentIn, session: SessionDep, actor: ActorDep, shop: ShopDep) -> CustomerRead:
    """The person's own decision (explicit): a grant after a withdrawal gives the channel back only when it was
    given after the withdrawal (``given_at``, now by default); every decision is kept with its proof."""
    customer = customers.get_for_write(session, actor, customer_id)
    given = customers.Given(
        (data.source or actor.name)[:64],
        at=data.given_at or shop.now(),
        explicit=True,
        wording=data.wording,
        place=data.place,
    )
    customers.set_consent(session, actor, customer.id, data.channel, data.granted, given)
    return customers.to_read(session, customer)


@router.get("/{customer_id}/consents", response_model=list[ConsentEventRead], summary="Every grant and withdrawal")
def consent_history(customer_id: Id, session: SessionDep, actor: ActorDep) -> list[ConsentEventRead]:
    customer = customers.get_customer(session, actor, customer_id)
    return [ConsentEventRead.model_validate(e) for e in customers.consent_history(session, actor, customer.id)]


@router.post("/{customer_id}/tags", response_model=CustomerRead)
def add_tags(customer_id: Id, data: TagsIn, session: SessionDep, actor: ActorDep) -> CustomerRead:
    customer = customers.get_for_write(session, actor, customer_id)
    customers.add_tags(session, actor, customer.id, data.tags)
    return customers.to_read(session, customer)


@router.delete("/{customer_id}/tags/{tag}", response_model=CustomerRead)
def remove_tag(customer_id: Id, tag: Tag, session: SessionDep, actor: ActorDep) -> CustomerRead:
    customer = customers.get_for_write(session, actor, customer_id)
    customers.remove_tag(session, actor, customer.id, tag)
    return customers.to_read(session, customer)


@router.get("/{customer_id}/duplicates", response_model=list[SuggestionOut])
def duplicates_of(customer_id: Id, session: SessionDep, actor: ActorDep) -> list[SuggestionOut]:
    customer = customers.get_customer(session, actor, customer_id)
    rows = dedup.list_suggestions(session, actor, customer_id=customer.id)
    return [SuggestionOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/{customer_id}/events", response_model=list[EventRead], openapi_extra={"x-permission": "events:read"})
def customer_events(customer_id: Id, session: SessionDep, actor: ActorDep) -> list[EventRead]:
    return [EventRead.model_validate(e) for e in events_of(session, actor, customer_id)]
