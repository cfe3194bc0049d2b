"""The webhooks of the bots and communities configured in the UI: ``/hooks/bots/telegram/<id>`` (the bot's secret in
``X-Telegram-Bot-Api-Secret-Token``) and ``/hooks/bots/vk/<id>`` (the community's confirmation, its secret key in every
event); each message lands in that bot's conversations, as the first bot's do by ``/hooks/telegram``."""

from __future__ import annotations

import anyio
from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from klientura import conversations
from klientura.deps import SessionDep, ShopDep, new_router
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError, NotFound
from klientura.web.inbound import problem, telegram_update, vk_event, vk_json

router = new_router(read="public", write="public")  # providers: the secret is the key


@router.post("/hooks/bots/telegram/{account_id}")
async def telegram_account_hook(account_id: Id, request: Request, session: SessionDep, shop: ShopDep) -> Response:
    sent = request.headers.get("x-telegram-bot-api-secret-token", "")
    try:
        await anyio.to_thread.run_sync(conversations.hook_account, session, "telegram", account_id, sent)
    except KlienturaError as exc:  # no such bot or turned off (404), not its secret (401)
        return problem(request, exc)
    return await telegram_update(request, session, shop, account_id)


@router.post("/hooks/bots/vk/{account_id}", response_model=None)
async def vk_account_hook(account_id: Id, request: Request, session: SessionDep, shop: ShopDep) -> Response:
    event = await vk_json(request)
    if event is None:
        return PlainTextResponse("ok")
    if event.get("type") == "confirmation":
        said = await anyio.to_thread.run_sync(conversations.hook_confirmation, session, account_id)
        return PlainTextResponse(said) if said else problem(request, NotFound(conversations.HOOK_OFF))
    sent = str(event.get("secret") or "")
    try:
        await anyio.to_thread.run_sync(conversations.hook_account, session, "vk", account_id, sent)
    except KlienturaError as exc:
        return problem(request, exc)
    return await vk_event(request, session, shop, event, account_id)
