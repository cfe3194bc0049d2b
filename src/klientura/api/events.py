from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from klientura.api import idempotency
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, new_router
from klientura.events import EventIn, EventRead, record_event

router = new_router(read="events:read", write="events:write", prefix="/events", tags=["events"])


@router.post("", status_code=201, response_model=EventRead, summary="Record what a customer did")
def create_event(
    data: EventIn, request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep, shop: ShopDep
) -> Response:
    def action() -> tuple[int, EventRead]:
        event, created = record_event(session, actor, data, shop=shop)
        return (201 if created else 200), EventRead.model_validate(event)

    return idempotency.run(request, session, actor, data, action)
