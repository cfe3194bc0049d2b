"""The integrations' lane: the requests outside systems send hundreds of times a second on PostgreSQL — a deal's
move (``POST /api/v1/deals/{id}/move``) and a request (``POST /api/v1/leads``) by an API key this process knows,
and the first Telegram bot's and VK community's messages (``POST /hooks/telegram``, ``/hooks/vk``, with their
secrets) —
answered by a plain ASGI middleware, before FastAPI's routing, dependencies and the session middleware, which cost
about as much CPU as the work itself (docs/benchmarks.md, "Moves and requests under load").

Only the everyday success is answered here: the body parsed by the route's own model, the work done by the domain's
fast path (:func:`klientura.sales.fast_move`, :func:`klientura.sales.fast_lead`), the answer the route would give.
Everything else goes on to the routes with the body replayed and is answered there, the reference: no key or a key
not seen lately, a user's session, a body the model refuses, a move or a request the fast path does not take, a
domain's refusal — each of which has written nothing. An unexpected error is answered as the routes answer it
(problem+json 500, logged). The middleware sits inside the body limit and the security headers, which apply here
as everywhere."""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from klientura import asyncdb, conversations, sales
from klientura.api import idempotency
from klientura.api.problems import problem
from klientura.audit import Actor
from klientura.auth import cached_api_key_actor
from klientura.deps import token_in
from klientura.kit.bounds import MAX_ID
from klientura.kit.errors import KlienturaError
from klientura.sales import LeadIn, MoveIn

LEADS = "/api/v1/leads"
TELEGRAM = "/hooks/telegram"  # the first bot's webhook: no key, its secret header
VK = "/hooks/vk"  # the first community's Callback API: its secret key in the body
HOOK = Actor(type="system", id=None, name="inbound:telegram", role="admin", scopes=frozenset({"*"}))
MOVE = re.compile(r"/api/v1/deals/([1-9][0-9]{0,9})/move")
log = logging.getLogger("klientura.api")

Answer = tuple[int, bytes] | None  # status and JSON body, or None: the routes answer
Work = Callable[[Any, Actor, Headers, bytes, int], Awaitable[Answer]]


class FastLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        work = _work_for(scope)
        state = scope["app"].state if work is not None else None
        if work is None or state is None or state.pg_pool is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        hook = work[0] in (_telegram, _vk)  # a provider's webhook: no key, its secret
        actor = HOOK if hook else cached_api_key_actor(state.memos, token_in(headers))
        if actor is None or not headers.get("content-type", "").startswith("application/json"):
            await self.app(scope, receive, send)
            return
        body, gone = await _body(receive)
        if gone:
            return  # the client went away
        try:
            answer = await work[0](state, actor, headers, body, work[1])
        except Exception:
            log.exception("unhandled error on %s", scope["path"])
            failed = problem(
                500, "Internal error", "an unexpected error occurred; it has been logged", "internal", scope["path"],
                code="internal",
            )  # fmt: skip
            await failed(scope, receive, send)
            return
        if answer is None:
            if hook:  # tried already: the route goes straight to the ORM path
                scope.setdefault("state", {})["fast_tried"] = True
            await self.app(scope, _replay(body, receive), send)
            return
        status, content = answer
        media = "text/plain" if work[0] is _vk else "application/json"  # VK reads the bare word "ok"
        await Response(content, status_code=status, media_type=media)(scope, receive, send)


def _work_for(scope: Scope) -> tuple[Work, int] | None:
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path: str = scope["path"]
    if path == LEADS:
        return _lead, 0
    if path == TELEGRAM:
        return _telegram, 0
    if path == VK:
        return _vk, 0
    found = MOVE.fullmatch(path)
    if found is not None and int(found[1]) <= MAX_ID:
        return _move, int(found[1])
    return None


async def _lead(state: Any, actor: Actor, headers: Headers, body: bytes, _: int) -> Answer:
    try:
        data = LeadIn.model_validate_json(body)
        idem = idempotency.key_for("POST", LEADS, headers.get("idempotency-key"), data)
    except (ValidationError, KlienturaError):
        return None
    try:
        async with asyncdb.connection(state.pg_pool) as conn:
            result = await sales.fast_lead(
                conn, actor, data, shop=state.shop, repeat_days=state.settings.sales_repeat_days, idem=idem
            )
    except (sales.Fallback, KlienturaError):  # asyncdb.Duplicate is a Conflict: rolled back, nothing written
        return None
    return 201, result.model_dump_json().encode()


async def _telegram(state: Any, _actor: Actor, headers: Headers, body: bytes, _: int) -> Answer:
    """The first bot's webhook: an update with the right secret that the messengers' fast path takes."""
    expected = state.settings.telegram_webhook_secret
    sent = headers.get("x-telegram-bot-api-secret-token", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return None  # the route says why
    try:
        update = json.loads(body)
    except ValueError:
        return None
    inbound = conversations.read_update(update) if isinstance(update, dict) else None
    if inbound is None:
        return None  # not a person's message: the route logs it and answers
    try:
        async with asyncdb.connection(state.pg_pool) as conn:
            talk, message = await conversations.fast_receive(
                conn, state.shop, inbound, repeat_days=state.settings.sales_repeat_days, sla=state.sla
            )
    except (sales.Fallback, KlienturaError):  # nothing written: the route's ORM path takes it
        return None
    return 200, json.dumps({"ok": True, "conversation_id": talk, "message_id": message}).encode()


async def _vk(state: Any, _actor: Actor, _headers: Headers, body: bytes, _: int) -> Answer:
    """The first community's ``message_new`` with the right secret key that the messengers' fast path takes (a
    confirmation, a permission, anything else: the route)."""
    expected = state.settings.vk_secret
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not expected or not isinstance(event, dict) or event.get("type") != "message_new":
        return None
    if not hmac.compare_digest(str(event.get("secret") or "").encode(), expected.encode()):
        return None
    inbound = conversations.read_event(event)
    if inbound is None:
        return None
    try:
        async with asyncdb.connection(state.pg_pool) as conn:
            await conversations.fast_receive(
                conn, state.shop, inbound, repeat_days=state.settings.sales_repeat_days, sla=state.sla
            )
    except (sales.Fallback, KlienturaError):
        return None
    return 200, b"ok"


async def _move(state: Any, actor: Actor, _headers: Headers, body: bytes, deal_id: int) -> Answer:
    try:
        data = MoveIn.model_validate_json(body)
    except ValidationError:
        return None
    try:
        async with asyncdb.connection(state.pg_pool) as conn:
            read = await sales.fast_move(conn, actor, deal_id, data, state.shop.now())
    except (sales.Fallback, KlienturaError):
        return None
    return 200, read.model_dump_json().encode()


async def _body(receive: Receive) -> tuple[bytes, bool]:
    """The whole body (the body limit outside has read it already and hands it over in one message), and whether
    the client went away meanwhile."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"", True
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks), False


def _replay(body: bytes, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
