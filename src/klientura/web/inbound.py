"""What reaches the shop from outside without a login: a web form's submissions (``/f/<key>``: the hosted page,
its description for the embedding script, the sites' CORS preflight) and the Telegram bot's webhook."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from klientura import asyncdb, conversations
from klientura.conversations import CONSENT, HONEYPOT, TIMING, FormField
from klientura.db import Session
from klientura.deps import SessionDep, ShopDep, address_of, new_router
from klientura.kit.errors import KlienturaError, NotFound, Unauthorized
from klientura.kit.shop import Shop
from klientura.web.render import explain, gettext_for, render

router = new_router(read="public", write="public")  # visitors and providers: no login; keys and secrets
log = logging.getLogger("klientura.inbound")


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _cors(request: Request, form: conversations.Form | None, response: Response) -> Response:
    origin = (request.headers.get("origin") or "").rstrip("/").lower()
    if form is not None and origin and origin in form.origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


def problem(request: Request, exc: KlienturaError) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://klientura.dev/problems/{exc.type_slug}",
        "title": exc.title,
        "status": exc.status,
        "detail": explain(request, exc),
        "instance": request.url.path,
        "code": exc.key,
        "params": exc.plain_params,
    }
    if exc.field:
        body["field"] = exc.field
    answer = JSONResponse(body, status_code=exc.status, media_type="application/problem+json")
    if exc.status == 429 and "retry_after" in exc.params:
        answer.headers["Retry-After"] = str(exc.params["retry_after"])
    return answer


def _form_page(request: Request, form: conversations.Form, *, error: str | None = None, status: int = 200,
               values: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    secret = request.app.state.settings.key("forms").encode()
    token = conversations.timing_token(secret, form.key, request.app.state.shop.now())
    fields = [FormField.model_validate(f) for f in form.fields]
    context = {"form": form, "fields": fields, "token": token, "error": error, "values": values or {}}
    context |= {"honeypot": HONEYPOT, "timing": TIMING, "consent": CONSENT}
    return render(request, "conversations/form.html", context, status=status)


@router.get("/f/{key}", response_model=None)
def form_page(key: str, request: Request, session: SessionDep) -> Response:
    """The hosted form; with ``Accept: application/json``, its description and a fresh timing token for a site's
    script (static/form-embed.js) to draw it."""
    try:
        form = conversations.form_by_key(session, key)
    except NotFound as exc:
        if _wants_json(request):
            return problem(request, exc)
        _ = gettext_for(request)
        return render(request, "message.html", {"title": _("Not found"), "message": explain(request, exc)}, status=404)
    if not _wants_json(request):
        return _form_page(request, form)
    secret = request.app.state.settings.key("forms").encode()
    described = {
        "key": form.key,
        "name": form.name,
        "fields": form.fields,
        "consent_text": form.consent_text,
        "thanks": form.thanks,
        "redirect_url": form.redirect_url,
        "token": conversations.timing_token(secret, form.key, request.app.state.shop.now()),
        "honeypot": HONEYPOT,
        "timing": TIMING,
        "consent": CONSENT,
    }
    return _cors(request, form, JSONResponse(described))


@router.options("/f/{key}")
def form_preflight(key: str, request: Request, session: SessionDep) -> Response:
    """A site's browser asking whether its script may post the form (the form's own list of sites)."""
    try:
        form = conversations.form_by_key(session, key)
    except NotFound:
        return Response(status_code=404)
    answer = _cors(request, form, Response(status_code=204))
    if "Access-Control-Allow-Origin" in answer.headers:
        answer.headers["Access-Control-Allow-Methods"] = "GET, POST"
        answer.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        answer.headers["Access-Control-Max-Age"] = "600"
    return answer


async def _sent_values(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            raw = json.loads(await request.body())
        except ValueError:
            return {}
        return {str(k): "" if v is None else str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


@router.post("/f/{key}", response_model=None)
async def form_submit(key: str, request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """A visitor's submission: 201 JSON (the customer, lead, deal and conversation) when asked for JSON, else the
    thank-you page or the form's redirect; a refusal as problem+json, or the form again with the reason."""
    values = await _sent_values(request)
    settings = request.app.state.settings

    def work() -> Response:  # the store's work in a worker thread: the event loop never waits for it
        form: conversations.Form | None = None
        try:
            form = conversations.form_by_key(session, key)
            sent = conversations.Sent(
                values={k: v for k, v in values.items() if k not in (HONEYPOT, TIMING)},
                timing=values.get(TIMING) or None,
                honeypot=values.get(HONEYPOT, ""),
                address=address_of(request),
            )
            request.app.state.guard.form_sent(form.key, sent.address, settings.form_rate)
            done = None
            if not conversations.is_bot(sent):  # a bot is thanked like a person, and nothing is kept
                done = conversations.submit(
                    session,
                    shop,
                    form,
                    sent,
                    secret=settings.key("forms").encode(),
                    repeat_days=settings.sales_repeat_days,
                    sla=request.app.state.sla,
                )
        except KlienturaError as exc:
            if _wants_json(request) or form is None:
                return _cors(request, form, problem(request, exc))
            return _cors(
                request, form, _form_page(request, form, error=explain(request, exc), status=exc.status, values=values)
            )
        if _wants_json(request):
            return _cors(
                request, form, JSONResponse(done.model_dump() if done else {"accepted": True}, status_code=201)
            )
        if form.redirect_url:
            return RedirectResponse(form.redirect_url, status_code=303)
        _ = gettext_for(request)
        return render(
            request,
            "conversations/thanks.html",
            {"title": _("Thank you!"), "message": form.thanks or _("We will be in touch soon.")},
        )

    return await anyio.to_thread.run_sync(work)


@router.post("/hooks/telegram")
async def telegram_hook(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """The bot's webhook (setWebhook with ``secret_token``): the secret checked, the update stored once by its
    ``update_id``; what is not a person's message (or not an update at all) is logged and answered 200, since
    Telegram repeats whatever is not."""
    settings = request.app.state.settings
    expected = settings.telegram_webhook_secret
    if not expected:
        return problem(request, NotFound(conversations.HOOK_OFF))
    sent = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        return problem(request, Unauthorized(conversations.HOOK_SECRET))
    return await telegram_update(request, session, shop, None)


async def telegram_update(request: Request, session: Session, shop: Shop, account: int | None) -> Response:
    """A Telegram update whose secret was checked: to the first bot's conversations, or ``account``'s."""
    try:
        update = json.loads(await request.body())
    except ValueError:
        log.warning("telegram: a body that is not JSON, dropped")
        return JSONResponse({"ok": True})
    inbound = conversations.read_update(update) if isinstance(update, dict) else None
    if inbound is None:
        log.info("telegram: update %s is not a person's message, dropped", str(update)[:200])
        return JSONResponse({"ok": True})
    if account is not None:
        inbound = conversations.of_account(inbound, account)
    landed = await land(request, session, shop, inbound)
    if landed is None:
        return JSONResponse({"ok": True})
    return JSONResponse({"ok": True, "conversation_id": landed[0], "message_id": landed[1]})


async def land(
    request: Request, session: Session, shop: Shop, inbound: conversations.Inbound
) -> tuple[int, int] | None:
    """A messenger's message stored: on PostgreSQL by the fast path when it takes it, else by the ORM in a worker
    thread (the event loop never waits for the store); the conversation's and message's ids, or None when the
    message was refused (logged; the provider is answered all the same, since it would only send it again)."""
    settings = request.app.state.settings
    pool = request.app.state.pg_pool
    if pool is not None and not getattr(request.state, "fast_tried", False):  # the lane may have tried it
        try:
            async with asyncdb.connection(pool) as conn:
                return await conversations.fast_receive(
                    conn, shop, inbound, repeat_days=settings.sales_repeat_days, sla=request.app.state.sla
                )
        except (conversations.Fallback, KlienturaError):  # asyncdb.Duplicate too: nothing written
            pass

    def orm() -> tuple[int, int] | None:
        try:
            with session.begin_nested():  # a refusal undoes the whole message
                talk, message, _outcome = conversations.receive(
                    session, shop, inbound, repeat_days=settings.sales_repeat_days, sla=request.app.state.sla
                )
        except KlienturaError as exc:  # e.g. a shared phone that is not one: kept out, said in the log
            log.warning("%s: message %s refused: %s", inbound.channel, inbound.provider_id, exc.detail)
            return None
        return talk.id, message.id

    return await anyio.to_thread.run_sync(orm)


@router.post("/hooks/vk", response_model=None)
async def vk_hook(request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """The community's Callback API: ``confirmation`` answered with KLIENTURA_VK_CONFIRMATION; every other event
    must carry KLIENTURA_VK_SECRET and is answered ``ok`` (VK repeats whatever is not) — a person's message stored
    once by its ``event_id``, anything else logged and dropped."""
    settings = request.app.state.settings
    if not settings.vk_secret and not settings.vk_confirmation:
        return problem(request, NotFound(conversations.HOOK_OFF))
    event = await vk_json(request)
    if event is None:
        return PlainTextResponse("ok")
    if event.get("type") == "confirmation":
        return PlainTextResponse(settings.vk_confirmation or "")
    sent = str(event.get("secret") or "")
    if not settings.vk_secret or not hmac.compare_digest(sent.encode(), settings.vk_secret.encode()):
        return problem(request, Unauthorized(conversations.HOOK_SECRET))
    return await vk_event(request, session, shop, event, None)


async def vk_json(request: Request) -> dict[str, Any] | None:
    """A Callback API event, or None for a body that is not one (logged; VK is answered "ok" all the same)."""
    try:
        event = json.loads(await request.body())
    except ValueError:
        log.warning("vk: a body that is not JSON, dropped")
        return None
    return event if isinstance(event, dict) else None


async def vk_event(
    request: Request, session: Session, shop: Shop, event: dict[str, Any], account: int | None
) -> Response:
    """A VK event whose secret was checked: to the first community's conversations, or ``account``'s."""
    permission = conversations.read_permission(event)
    if permission is not None:  # allowed or denied the community's messages: the card's consent to VK

        def decide() -> None:
            with session.begin_nested():
                conversations.vk_permission(session, shop, *permission, str(event.get("event_id") or ""))

        await anyio.to_thread.run_sync(decide)
        return PlainTextResponse("ok")
    inbound = conversations.read_event(event)
    if inbound is None:
        log.info("vk: event %s of type %s dropped", event.get("event_id"), event.get("type"))
        return PlainTextResponse("ok")
    await land(request, session, shop, inbound if account is None else conversations.of_account(inbound, account))
    return PlainTextResponse("ok")
