"""Telephony's webhooks: Klientura's generic call format (``POST /hooks/calls`` with the shared token) and Zadarma's
notifications (``/hooks/zadarma``: the address check by ``zd_echo``, then each call's end, signed)."""

from __future__ import annotations

import hmac
import json
import logging

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from klientura import conversations
from klientura.deps import SessionDep, ShopDep, new_router
from klientura.kit.errors import KlienturaError, NotFound, Unauthorized
from klientura.web.inbound import problem

router = new_router(read="public", write="public")  # the telephony provider: no login; a token or a signature
log = logging.getLogger("klientura.inbound")


@router.post("/hooks/calls")
async def generic_call(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """A call's end in Klientura's own format (see :func:`klientura.conversations.read_generic`); a body that is
    not one is a 422 naming the field, so the integrator sees what to fix."""
    settings = request.app.state.settings
    if not settings.calls_secret:
        return problem(request, NotFound(conversations.HOOK_OFF))
    sent = request.headers.get("x-klientura-token", "")
    if not hmac.compare_digest(sent.encode(), settings.calls_secret.encode()):
        return problem(request, Unauthorized(conversations.HOOK_SECRET))
    try:
        body = json.loads(await request.body())
    except ValueError:
        body = None

    def work() -> Response:  # in a worker thread: the event loop never waits for the store
        try:
            call = conversations.read_generic(body)
            message = conversations.record_call(
                session, shop, call, repeat_days=settings.sales_repeat_days, sla=request.app.state.sla
            )
        except KlienturaError as exc:
            return problem(request, exc)
        return JSONResponse({"ok": True, "conversation_id": message.conversation_id, "message_id": message.id})

    return await anyio.to_thread.run_sync(work)


@router.get("/hooks/zadarma")
def zadarma_check(request: Request, zd_echo: str = "") -> Response:
    """Zadarma checks the address before it sends: the echo of its ``zd_echo``."""
    if not request.app.state.settings.zadarma_secret:
        return problem(request, NotFound(conversations.HOOK_OFF))
    return PlainTextResponse(zd_echo[:100])


@router.post("/hooks/zadarma")
async def zadarma_event(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    settings = request.app.state.settings
    if not settings.zadarma_secret:
        return problem(request, NotFound(conversations.HOOK_OFF))
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    expected = conversations.zadarma_signature(settings.zadarma_secret, fields)
    if not hmac.compare_digest(request.headers.get("signature", "").encode(), expected.encode()):
        return problem(request, Unauthorized(conversations.HOOK_SECRET))
    call = conversations.read_zadarma(fields)
    if call is None:
        return PlainTextResponse("")

    def work() -> None:
        try:
            with session.begin_nested():
                conversations.record_call(
                    session, shop, found, repeat_days=settings.sales_repeat_days, sla=request.app.state.sla
                )
        except KlienturaError as exc:  # a number that is not one: logged, not retried
            log.warning("zadarma: call %s refused: %s", found.call_id, exc.detail)

    found = call
    await anyio.to_thread.run_sync(work)
    return PlainTextResponse("")
