"""A person's rights over their data through the API: everything held on them, and their erasure."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from klientura import privacy
from klientura.deps import ActorDep, SessionDep, ShopDep, new_router
from klientura.kit.bounds import Id
from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

router = new_router(read="customers:read", write="users:admin", prefix="/customers", tags=["privacy"])
NOT_CONFIRMED = code("customer.erase.not_confirmed", N_("to erase card %(id)s, confirm with its number"))


class EraseIn(BaseModel):
    confirm: Id = Field(description="the card's number again: an erasure cannot be undone")


@router.post(
    "/{customer_id}/personal-data",
    summary="Everything held on the person of this card (the export is recorded)",
    openapi_extra={"x-permission": "customers:read"},
)
def export(customer_id: Id, session: SessionDep, actor: ActorDep, shop: ShopDep) -> dict[str, Any]:
    return privacy.export_person(session, actor, customer_id, shop.now())


@router.post("/{customer_id}/erase", summary="Erase the person of this card, irreversibly (ids and sums stay)")
def erase(customer_id: Id, data: EraseIn, session: SessionDep, actor: ActorDep, shop: ShopDep) -> dict[str, Any]:
    if data.confirm != customer_id:
        raise ValidationFailed(NOT_CONFIRMED, field="confirm", id=customer_id)
    return privacy.erase_person(session, actor, customer_id, shop.now())
