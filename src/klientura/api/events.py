from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from klientura.api import idempotency
from klientura.deps import ActorDep, SessionDep, SettingsDep
from klientura.events import EventIn, EventRead, record_event

router = APIRouter(prefix="/events", tags=["events"])


@router.post("", status_code=201, response_model=EventRead, summary="Record what a customer did")
def create_event(
    data: EventIn, request: Request, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> Response:
    def action() -> tuple[int, EventRead]:
        event, created = record_event(session, actor, data, region=settings.default_region)
        return (201 if created else 200), EventRead.model_validate(event)

    return idempotency.run(request, session, actor, data, action)
