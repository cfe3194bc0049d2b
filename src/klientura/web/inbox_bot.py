"""The bots' page: for Telegram and VK, whether the bot talks first, whether it asks for a phone, its hand-over
words and texts; and the keyword rules it answers by (shown in the order they are tried)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import conversations
from klientura.auth import can
from klientura.conversations import bot as bots
from klientura.deps import SessionDep, SettingsDep
from klientura.kit.bounds import Id
from klientura.web import flash
from klientura.web.render import WebActorDep, gettext_for, page_router, render
from klientura.web.sales import perform

router = page_router(read="sales:read", write="users:admin")


def _list(text: str) -> list[str]:
    return [w.strip() for w in text.replace("\n", ",").split(",") if w.strip()]


@router.get("/inbox/bot", response_class=HTMLResponse)
def bot_page(request: Request, session: SessionDep, actor: WebActorDep, settings: SettingsDep) -> HTMLResponse:
    message, kind = flash.pop(request)
    context = {
        "accounts": conversations.accounts(session, actor) if can(actor, "users:admin") else [],
        "public_url": (settings.public_url or str(request.base_url)).rstrip("/"),
        "nav": "inbox",
        "bots": bots.bots(session, actor),
        "rules": bots.bot_rules(session, actor),
        "quick": bots.quick_replies(session, actor, "{{ name }}"),
        "defaults": {"words": ", ".join(bots.HANDOVER_WORDS), "handover": bots.HANDOVER_TEXT, "phone": bots.PHONE_TEXT},
        "flash": message,
        "flash_kind": kind,
    }
    return render(request, "conversations/bot.html", context, actor=actor)


@router.post("/inbox/bot/{channel}")
def save_bot(
    channel: str,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    enabled: Annotated[str, Form(max_length=4)] = "",
    ask_phone: Annotated[str, Form(max_length=4)] = "",
    handover_words: Annotated[str, Form(max_length=2000)] = "",
    handover_text: Annotated[str, Form(max_length=1000)] = "",
    phone_text: Annotated[str, Form(max_length=1000)] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        if channel not in bots.CHANNELS:
            return "/inbox/bot", _("No such bot")
        bots.set_bot(session, actor, channel, enabled=bool(enabled), ask_phone=bool(ask_phone),
                     handover_words=_list(handover_words), handover_text=handover_text, phone_text=phone_text)  # fmt: skip
        return "/inbox/bot", _("Bot saved")

    return perform(request, session, work, "/inbox/bot")


@router.post("/inbox/bot-rules")
def add_rule(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    keywords: Annotated[str, Form(max_length=2000)],
    answer: Annotated[str, Form(max_length=4000)],
    channel: Annotated[str, Form(max_length=16)] = "*",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        where = channel if channel in bots.CHANNELS else "*"
        bots.add_rule(session, actor, where, _list(keywords), answer)
        return "/inbox/bot#rules", _("Rule added")

    return perform(request, session, work, "/inbox/bot#rules")


@router.post("/inbox/bot-rules/{rule_id}/remove")
def remove_rule(rule_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        bots.remove_rule(session, actor, rule_id)
        return "/inbox/bot#rules", _("Rule removed")

    return perform(request, session, work, "/inbox/bot#rules")


@router.post("/inbox/quick-replies")
def add_quick(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    title: Annotated[str, Form(max_length=100)],
    text: Annotated[str, Form(max_length=4000)],
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        bots.add_quick_reply(session, actor, title, text)
        return "/inbox/bot#quick", _("Quick reply added")

    return perform(request, session, work, "/inbox/bot#quick")


@router.post("/inbox/quick-replies/{quick_id}/remove")
def remove_quick(quick_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        bots.remove_quick_reply(session, actor, quick_id)
        return "/inbox/bot#quick", _("Quick reply removed")

    return perform(request, session, work, "/inbox/bot#quick")


@router.post("/inbox/accounts")
def add_account(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    kind: Annotated[str, Form(max_length=16)],
    name: Annotated[str, Form(max_length=200)],
    token: Annotated[str, Form(max_length=500)],
    secret: Annotated[str, Form(max_length=200)] = "",
    confirmation: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        conversations.add_account(session, actor, kind, name, token, secret=secret or None,
                                  confirmation=confirmation or None)  # fmt: skip
        return "/inbox/bot#accounts", _("Added: now point its webhook at the address shown")

    return perform(request, session, work, "/inbox/bot#accounts")


@router.post("/inbox/accounts/{account_id}/enabled")
def account_enabled(
    account_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    enabled: Annotated[str, Form(max_length=4)] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        conversations.set_account_enabled(session, actor, account_id, bool(enabled))
        return "/inbox/bot#accounts", _("Saved")

    return perform(request, session, work, "/inbox/bot#accounts")
