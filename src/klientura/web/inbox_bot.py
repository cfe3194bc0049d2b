"""The bots' page: for Telegram and VK, whether the bot talks first, whether it asks for a phone, its hand-over
words and texts; and the keyword rules it answers by (shown in the order they are tried)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura.conversations import bot as bots
from klientura.deps import SessionDep
from klientura.kit.bounds import Id
from klientura.web import flash
from klientura.web.render import WebActorDep, gettext_for, page_router, render
from klientura.web.sales import perform

router = page_router(read="sales:read", write="users:admin")


def _list(text: str) -> list[str]:
    return [w.strip() for w in text.replace("\n", ",").split(",") if w.strip()]


@router.get("/inbox/bot", response_class=HTMLResponse)
def bot_page(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    message, kind = flash.pop(request)
    context = {
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
