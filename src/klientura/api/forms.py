"""Web forms over HTTP: made (the answer carries the public key and address a site posts to) and listed."""

from __future__ import annotations

from fastapi import Request

from klientura import conversations
from klientura.conversations import FormIn, FormRead
from klientura.deps import ActorDep, SessionDep, new_router

router = new_router(read="campaigns:read", write="campaigns:write", prefix="/forms", tags=["forms"])


def _read(form: conversations.Form, request: Request) -> FormRead:
    base = request.app.state.settings.public_url or str(request.base_url)
    url, base = f"{base.rstrip('/')}/f/{form.key}", base.rstrip("/")
    embed = f'<div data-klientura-form="{url}"></div>\n<script src="{base}/static/form-embed.js" async></script>'
    return FormRead.model_validate(form).model_copy(update={"url": url, "embed": embed})


@router.post(
    "", status_code=201, response_model=FormRead, summary="A form; without fields: name, phone, e-mail, comment"
)
def create(data: FormIn, request: Request, session: SessionDep, actor: ActorDep) -> FormRead:
    return _read(conversations.create_form(session, actor, data), request)


@router.get("", response_model=list[FormRead], summary="The live forms")
def list_all(request: Request, session: SessionDep, actor: ActorDep) -> list[FormRead]:
    return [_read(f, request) for f in conversations.list_forms(session, actor)]
