"""A person's rights from their card's page: download everything held on them; erase them (administrators)."""

from __future__ import annotations

import json

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from klientura import privacy
from klientura.deps import SessionDep, get_shop
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, page_router

router = page_router(read="customers:read", write="users:admin")


@router.post("/customers/{customer_id}/personal-data", openapi_extra={"x-permission": "customers:read"})
def export(customer_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> Response:
    try:
        data = privacy.export_person(session, actor, customer_id, get_shop(request).now())
    except KlienturaError as exc:
        session.rollback()
        return flash.redirect(request, f"/customers/{customer_id}", explain(request, exc), "error")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    disposition = f'attachment; filename="personal-data-{customer_id}.json"'
    return Response(body, media_type="application/json", headers={"Content-Disposition": disposition})


@router.post("/customers/{customer_id}/erase")
def erase(
    customer_id: Id, request: Request, session: SessionDep, actor: WebActorDep, confirm: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)
    url = f"/customers/{customer_id}"

    def work() -> tuple[str, str]:
        if confirm.strip() != str(customer_id):
            return url, _("Not erased: type the card's number to confirm.")
        done = privacy.erase_person(session, actor, customer_id, get_shop(request).now())
        return url, _("The person's data is erased (%(n)s cards).") % {"n": len(done["cards"])}

    return flash.perform(request, session, work, url)
