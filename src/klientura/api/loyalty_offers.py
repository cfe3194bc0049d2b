"""Offers around the points over HTTP: promo codes and coupons, gift cards, referral codes with their QR images,
and enrolment (an account opened with the welcome bonus)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from klientura import loyalty
from klientura.api import idempotency
from klientura.deps import ActorDep, SessionDep, ShopDep, new_router
from klientura.kit.bounds import Code, Id, JsonBody
from klientura.kit.errors import NotFound
from klientura.loyalty import QR_FORMAT, enrol, load_programme

router = new_router(read="loyalty:read", write="loyalty:write", prefix="/loyalty", tags=["loyalty offers"])


@router.get("/offers", response_model=list[loyalty.OfferRead], summary="Offers with their codes' use")
def list_offers(session: SessionDep, actor: ActorDep) -> list[loyalty.OfferRead]:
    return loyalty.list_offers(session, actor)


@router.post(
    "/offers",
    status_code=201,
    response_model=loyalty.OfferRead,
    summary="A promo offer: a shared code, a batch of one-use codes, or none (coupons later)",
)
def create_offer(data: JsonBody, session: SessionDep, actor: ActorDep) -> loyalty.OfferRead:
    made = loyalty.create_offer(session, actor, data)
    return made


class CouponsIn(BaseModel):
    customer_ids: list[Id] = Field(min_length=1, max_length=100_000)


@router.post("/offers/{offer_id}/coupons", status_code=201, summary="Personal one-use codes for these customers")
def issue_coupons(offer_id: Id, data: CouponsIn, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    def action() -> tuple[int, dict[str, Any]]:
        codes = loyalty.issue_coupons(session, actor, offer_id, data.customer_ids)
        return 201, {"coupons": [{"customer_id": c, "code": code} for c, code in codes.items()]}

    return idempotency.run(request, session, actor, data, action)


class ActiveIn(BaseModel):
    active: bool


@router.put("/offers/{offer_id}/active", response_model=loyalty.OfferRead, summary="Switch an offer on or off")
def set_active(offer_id: Id, data: ActiveIn, session: SessionDep, actor: ActorDep) -> loyalty.OfferRead:
    out = loyalty.set_offer_active(session, actor, offer_id, data.active)
    return out


@router.post("/gift-cards", status_code=201, summary="Issue a gift card")
def issue_gift_card(
    data: loyalty.GiftCardIn, request: Request, session: SessionDep, actor: ActorDep, shop: ShopDep
) -> Response:
    def action() -> tuple[int, loyalty.GiftCardRead]:
        return 201, loyalty.issue_gift_card(session, actor, data, shop.now())

    return idempotency.run(request, session, actor, data, action)


@router.get("/gift-cards/{number}", response_model=loyalty.GiftCardRead, summary="A gift card and its balance")
def gift_card(number: Code, session: SessionDep, actor: ActorDep) -> loyalty.GiftCardRead:
    return loyalty.get_gift_card(session, actor, number)


@router.post("/accounts/{customer_id}", status_code=201, summary="Enrol a customer (the welcome bonus, once)")
def enrol_customer(customer_id: Id, session: SessionDep, actor: ActorDep, shop: ShopDep) -> dict[str, Any]:
    out = enrol(session, actor, customer_id, shop.now())
    return out


@router.get("/referrals/{customer_id}", summary="The customer's invitation code and link (404 before one is made)")
def invitation(customer_id: Id, request: Request, session: SessionDep, actor: ActorDep) -> dict[str, str]:
    return loyalty.invitation(session, actor, customer_id, load_programme(session).referral_link, str(request.base_url))


@router.post("/referrals/{customer_id}", summary="Make the customer's invitation code (or give the one they have)")
def issue_invitation(customer_id: Id, request: Request, session: SessionDep, actor: ActorDep) -> dict[str, str]:
    return loyalty.invitation(
        session, actor, customer_id, load_programme(session).referral_link, str(request.base_url), issue=True
    )


@router.get("/referrals/{customer_id}/qr.{fmt}", summary="The invitation link as a QR image (svg or png)")
def invitation_qr(customer_id: Id, fmt: Code, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    out = loyalty.invitation(session, actor, customer_id, load_programme(session).referral_link, str(request.base_url))
    if fmt == "png":
        return Response(loyalty.referral_qr_png(out["link"]), media_type="image/png")
    if fmt == "svg":
        return Response(loyalty.referral_qr_svg(out["link"]), media_type="image/svg+xml")
    raise NotFound(QR_FORMAT)


class ReferIn(BaseModel):
    friend_id: Id
    code: str = Field(min_length=1, max_length=32)


@router.post(
    "/referrals",
    status_code=201,
    summary="A friend signs up with a code; both rewarded on their first purchase",
    openapi_extra={"x-permission": "loyalty:process"},
)
def refer(data: ReferIn, session: SessionDep, actor: ActorDep, shop: ShopDep) -> dict[str, Any]:
    row = loyalty.register_referral(session, actor, data.friend_id, data.code, shop.now())
    return {"referrer_id": row.referrer_id, "friend_id": row.friend_id, "status": row.status}
