"""Request plumbing: the session (the request owns the transaction), the actor, settings.

The transaction belongs to the request. :data:`SessionDep` opens one session per request and, when the handler has
returned and its answer is built but *before* it is sent (FastAPI's ``scope="function"`` teardown), commits it -
or rolls it back when the handler raised or answered with an error status (>= 400). An ``IntegrityError`` found at
commit (a unique index that a concurrent request won) becomes the domain's :class:`Conflict`, answered 409. Handlers
and services never commit. Every router is made by :func:`router`, whose routes record the answer's status for
this decision.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable, Coroutine, Iterator, Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute

from klientura.analytics import Warehouse
from klientura.audit import Actor
from klientura.auth import (
    CROSS_SITE,
    NOT_SIGNED_IN,
    Guard,
    Permission,
    actor_for_api_key,
    actor_for_user,
    cached_api_key_actor,
    end_session,
    require,
    start_session,
    user_of_session,
)
from klientura.auth import User as _User
from klientura.campaigns import NO_PUBLIC_URL, Links, Sending
from klientura.config import Settings
from klientura.db import Session, commit
from klientura.dedup import MergeHook
from klientura.kit.errors import Forbidden, Unauthorized, ValidationFailed
from klientura.kit.shop import Shop
from klientura.kit.storage import DiskStore
from klientura.sales import Documents

T = TypeVar("T")
_STATUS = "klientura_response_status"


class TransactionalRoute(APIRoute):
    """A route that records the status of the answer its handler built, so that the session's teardown (which runs
    after the handler, before the answer is sent) commits a success and rolls back an error page or problem."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def recorded(request: Request) -> Response:
            response = await handler(request)
            setattr(request.state, _STATUS, response.status_code)
            return response

        return recorded


Access = Literal["public", "signed-in"] | Permission
"""Who may call a route: anyone, anyone signed in, or whoever holds a permission (a role's or an API key's scope)."""
ACCESS = "x-permission"  # where a route keeps its access: its OpenAPI extension (the API's documentation shows it)
CHECKED_IN_HANDLER = "x-checked-in-handler"  # a hot route that authorises in its own thread (the till's)
Gate = Callable[[Access], Callable[..., None]]


class GuardedRouter(APIRouter):
    """Every route declares who may call it - ``openapi_extra={"x-permission": ...}``, or the router's ``read``
    (GET) and ``write`` (the other methods) - and the gate for it runs before the handler and before its body is
    read: an anonymous caller is refused (401, or the login page), a caller without the permission too (403). A
    route that declares nothing cannot be added. The authorization matrix test reads the declarations."""

    def __init__(self, *, read: Access | None, write: Access | None, gate: Gate, **kwargs: Any) -> None:
        super().__init__(route_class=TransactionalRoute, **kwargs)
        self.read, self.write, self.gate = read, write, gate

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = set(kwargs.get("methods") or ["GET"])
        extra = dict(kwargs.get("openapi_extra") or {})
        access = extra.get(ACCESS) or (self.read if methods <= SAFE_METHODS else self.write)
        if access is None:
            raise RuntimeError(f"{sorted(methods)} {path}: the route declares no access (x-permission)")
        extra[ACCESS] = access
        kwargs["openapi_extra"] = extra
        gate = credentials_present if extra.get(CHECKED_IN_HANDLER) else self.gate(access)
        kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(gate)]
        super().add_api_route(path, endpoint, **kwargs)


async def credentials_present(request: Request) -> None:
    """The gate of a route that authorises in its own thread (the till's): a caller with neither a key nor a session
    cookie is refused here, before the body is read; the handler checks the key or the session and the permission."""
    if not _token(request) and "klientura_session" not in request.cookies:
        raise Unauthorized(NOT_SIGNED_IN)


def new_router(*, read: Access | None = None, write: Access | None = None, **kwargs: Any) -> APIRouter:
    """An API router: its routes take part in the request's transaction and are gated by their access (see
    :class:`GuardedRouter`; ``read`` and ``write`` are the defaults of its GET and other routes)."""
    return GuardedRouter(read=read, write=write, gate=api_gate, **kwargs)


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: committed when the handler succeeded, rolled back otherwise (see the module)."""
    session = request.app.state.session_factory()
    try:
        yield session
        if getattr(request.state, _STATUS, 200) >= 400:
            session.rollback()
        else:
            commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def streamed(request: Request, produce: Callable[[Session], Iterator[bytes]]) -> Iterator[bytes]:
    """An answer streamed from the store (an export): ``produce`` reads through a session of its own, opened when
    the first chunk is asked for (after the request's session is closed) and closed after the last; nothing is
    written through it."""
    session = request.app.state.session_factory()
    try:
        yield from produce(session)
    finally:
        session.rollback()
        session.close()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_shop(request: Request) -> Shop:
    """The shop's context (region, time zone, currency, clock), built once by the app from its settings."""
    shop: Shop = request.app.state.shop
    return shop


ShopDep = Annotated[Shop, Depends(get_shop)]


def get_documents(request: Request) -> Documents:
    """Where deals' files and quotes are kept and what renders the quotes (from the settings)."""
    settings = get_settings(request)
    return Documents(DiskStore(settings.files_dir), settings.pdf_font_dir, settings.public_url)


DocumentsDep = Annotated[Documents, Depends(get_documents)]


def current_actor(request: Request, session: SessionDep) -> Actor:
    return actor_of(request, session)


def _token(request: Request) -> str:
    return token_in(request.headers)


def token_in(headers: Mapping[str, str]) -> str:
    """The API key a request carries (``Authorization: Bearer`` or ``X-API-Key``), or an empty string."""
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else headers.get("x-api-key", "").strip()


def cached_actor(request: Request) -> Actor | None:
    """The API key's actor when this process knows it already — no session, no query; None otherwise (a user's
    session, a key not seen lately, no key)."""
    token = _token(request)
    return cached_api_key_actor(request.app.state.memos, token) if token else None


def address_of(request: Request) -> str:
    """The caller's network address (the proxy's client when uvicorn trusts the proxy's headers)."""
    return request.client.host if request.client else "unknown"


def actor_of(request: Request, session: Session) -> Actor:
    token = _token(request)
    if token:
        guard: Guard = request.app.state.guard
        address = address_of(request)
        guard.check_key(address)
        try:
            return actor_for_api_key(session, token)
        except Unauthorized:
            guard.key_failed(address)
            raise
    user = signed_in_user(request, session)
    if user is None:
        raise Unauthorized(NOT_SIGNED_IN)
    if request.method not in SAFE_METHODS and not same_origin(request):
        raise Forbidden(CROSS_SITE)
    return actor_for_user(user)


# --- sessions: the cookie (signed with the session key; its age is the idle timeout) holds the session's token,
# the page's CSRF token and a flash message; the store holds the session (klientura.auth.sessions)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_TOKEN = "sid"
CSRF_TOKEN = "csrf"


def signed_in_user(request: Request, session: Session) -> _User | None:
    """The user of the request's session, if it is one the store knows as open."""
    token = request.session.get(SESSION_TOKEN) if "session" in request.scope else None
    if not isinstance(token, str):
        return None
    return user_of_session(session, token, get_shop(request).now())


def sign_in(request: Request, session: Session, user: _User) -> None:
    """A new session for ``user``: whatever the cookie held before (another session, a token) is dropped, so a
    session fixed by someone else before the login is worthless after it."""
    sign_out(request, session)
    settings = get_settings(request)
    token = start_session(
        session,
        user,
        get_shop(request).now(),
        timedelta(days=settings.session_days),
        agent=request.headers.get("user-agent", ""),
        address=address_of(request),
    )
    request.session[SESSION_TOKEN] = token
    request.session[CSRF_TOKEN] = secrets.token_urlsafe(32)


def sign_out(request: Request, session: Session) -> None:
    token = request.session.get(SESSION_TOKEN)
    if isinstance(token, str):
        end_session(session, token, get_shop(request).now())
    request.session.clear()


def csrf_token(request: Request) -> str:
    """The token a page puts in its forms and HTMX headers (made when the cookie has none yet)."""
    token = request.session.get(CSRF_TOKEN)
    if not isinstance(token, str):
        token = request.session[CSRF_TOKEN] = secrets.token_urlsafe(32)
    return token


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (Fetch Metadata, then Origin)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site request: browsers send Origin on every cross-site POST
    own = {f"{request.url.scheme}://{request.url.netloc}".lower()}
    public = get_settings(request).public_url
    if public:
        parts = urlsplit(public)
        own.add(f"{parts.scheme}://{parts.netloc}".lower())
    return origin.lower() in own


async def form_token_matches(request: Request) -> bool:
    """A form's (or an HTMX request's) CSRF token is the session's own, and the browser does not say the request
    is cross-site."""
    if request.method in SAFE_METHODS:
        return True
    expected = request.session.get(CSRF_TOKEN)
    sent: object = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    return (
        isinstance(expected, str)
        and isinstance(sent, str)
        and hmac.compare_digest(expected.encode(), sent.encode())
        and same_origin(request)
    )


def in_one_thread(request: Request, work: Callable[[Session, Actor], T]) -> T:
    """The session, the actor and the work in one call — for a hot endpoint that runs it in one worker thread
    (``await anyio.to_thread.run_sync``) instead of a thread hop per dependency. Committed as :func:`get_session`
    commits: when ``work`` returns (an answer with an error status is rolled back), a conflict is a 409."""
    session = request.app.state.session_factory()
    try:
        result = work(session, actor_of(request, session))
        if isinstance(result, Response) and result.status_code >= 400:
            session.rollback()
        else:
            commit(session)
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


ActorDep = Annotated[Actor, Depends(current_actor)]


@functools.cache
def api_gate(access: Access) -> Callable[..., None]:
    """The dependency that lets through who may call an API route of ``access`` (one per access: FastAPI runs the
    actor's dependency once per request)."""
    if access == "public":

        def public() -> None:
            return None

        return public

    def gate(actor: ActorDep) -> None:
        if access != "signed-in":
            require(actor, access)

    return gate


SettingsDep = Annotated[Settings, Depends(get_settings)]


def open_warehouse(request: Request) -> Iterator[Warehouse]:
    """The warehouse, read-only for this request (DuckDB lets many processes read, one write)."""
    wh = Warehouse.of(request.app.state.settings, read_only=True, memos=request.app.state.memos)
    try:
        yield wh
    finally:
        wh.close()


WarehouseDep = Annotated[Warehouse, Depends(open_warehouse)]


def open_warehouse_for_writing(request: Request) -> Iterator[Warehouse]:
    """The warehouse to write results into (lifetime-value predictions); a busy one is a 409."""
    wh = Warehouse.of(request.app.state.settings)
    try:
        yield wh
    finally:
        wh.close()


WritableWarehouseDep = Annotated[Warehouse, Depends(open_warehouse_for_writing)]


def _public_url(settings: Settings) -> str:
    """Where recipients and providers reach us: ``KLIENTURA_PUBLIC_URL``, required for anything that sends or hands
    out an address (never the request's own Host header, which a client chooses)."""
    if not settings.public_url:
        raise ValidationFailed(NO_PUBLIC_URL)
    return settings.public_url.rstrip("/")


def sending_of(request: Request) -> Sending:
    """What a launch or a test send needs from the settings; links point at ``public_url`` (required)."""
    settings: Settings = request.app.state.settings
    shop = get_shop(request)
    links = Links(_public_url(settings), settings.key("links"))
    return Sending(links, shop.timezone, settings.default_locale, shop.currency)


SendingDep = Annotated[Sending, Depends(sending_of)]


def previewing_of(request: Request) -> Sending:
    """What a preview needs: as :func:`sending_of`, but without ``public_url`` the links point at this address (a
    preview's links are samples, shown only to the person previewing)."""
    settings: Settings = request.app.state.settings
    shop = get_shop(request)
    links = Links((settings.public_url or str(request.base_url)).rstrip("/"), settings.key("links"))
    return Sending(links, shop.timezone, settings.default_locale, shop.currency)


PreviewingDep = Annotated[Sending, Depends(previewing_of)]


def link_reader_of(request: Request) -> Links:
    """Reads the tokens of the links in messages (unsubscribe, opens, clicks): the key is all it needs."""
    settings: Settings = request.app.state.settings
    return Links(settings.public_url or "", settings.key("links"))


LinkReaderDep = Annotated[Links, Depends(link_reader_of)]


def hook_signer_of(request: Request) -> Links:
    """Reads the providers' delivery addresses: the hooks' own key."""
    settings: Settings = request.app.state.settings
    return Links(settings.public_url or "", settings.key("hooks"))


HookSignerDep = Annotated[Links, Depends(hook_signer_of)]


def public_hook_signer_of(request: Request) -> Links:
    """Hands out the providers' delivery addresses: the hooks' own key, at the public address (required)."""
    settings: Settings = request.app.state.settings
    return Links(_public_url(settings), settings.key("hooks"))


PublicHookSignerDep = Annotated[Links, Depends(public_hook_signer_of)]


def merge_hooks_of(request: Request) -> tuple[MergeHook, ...]:
    """What a merge of cards moves besides the cards' own rows (assembled once by the app: klientura.wiring)."""
    hooks: tuple[MergeHook, ...] = request.app.state.merge_hooks
    return hooks


MergeHooksDep = Annotated[tuple[MergeHook, ...], Depends(merge_hooks_of)]
