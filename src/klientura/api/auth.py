from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from klientura import auth
from klientura.api.schemas import ApiKeyIn, LoginIn
from klientura.auth import permissions_of
from klientura.deps import ActorDep, SessionDep, ShopDep, address_of, new_router, same_origin, sign_in, sign_out
from klientura.kit.bounds import Id
from klientura.kit.errors import Forbidden

router = new_router(read="signed-in", write="users:admin", tags=["auth"])


@router.post(
    "/auth/login",
    summary="Log in with e-mail and password (sets the session cookie; a new session, the old one ends)",
    responses={429: {"description": "too many failed attempts; Retry-After says how long to wait"}},
    openapi_extra={"x-permission": "public"},
)
def login(data: LoginIn, request: Request, session: SessionDep) -> dict[str, object]:
    if not same_origin(request):
        raise Forbidden(auth.CROSS_SITE)
    user = auth.authenticate(session, data.email, data.password, request.app.state.guard, address_of(request))
    sign_in(request, session, user)
    return {"id": user.id, "email": user.email, "role": user.role}


@router.post(
    "/auth/logout",
    status_code=204,
    summary="End this session (its cookie stops working everywhere)",
    openapi_extra={"x-permission": "public"},
)
def logout(request: Request, session: SessionDep) -> Response:
    sign_out(request, session)
    return Response(status_code=204)


@router.get("/me", summary="Who is calling and what they may do")
def me(actor: ActorDep) -> dict[str, object]:
    return {
        "type": actor.type,
        "id": actor.id,
        "name": actor.name,
        "role": actor.role,
        "permissions": sorted(permissions_of(actor)),
    }


@router.post("/api-keys", status_code=201, summary="Create an API key for an integration (shown once)")
def create_api_key(data: ApiKeyIn, session: SessionDep, actor: ActorDep) -> dict[str, object]:
    key, token = auth.create_api_key(session, actor, data.name, data.scopes)
    return {**key.as_dict(), "key": token}


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: Id, session: SessionDep, actor: ActorDep, shop: ShopDep) -> Response:
    auth.revoke_api_key(session, actor, key_id, shop.now())
    return Response(status_code=204)
