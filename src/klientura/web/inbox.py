"""The inbox: every conversation from forms, Telegram, VK, mail and calls in one place — the boxes (mine,
unassigned, my team's, all, closed) with what waits for an answer, a conversation beside its card and deal, the
reply box, taking, handing over and closing. The list and the open conversation refresh themselves (HTMX polling);
opening a conversation marks it read by a POST, never by the GET that shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from klientura import auth, conversations, customers
from klientura.audit import Actor
from klientura.db import Session
from klientura.deps import DocumentsDep, SessionDep, ShopDep
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render
from klientura.web.sales import assignable, build, user_names
from klientura.web.sales_docs import download

router = page_router(read="sales:read", write="sales:write")
BOXES = {
    "mine": N_("Mine"),
    "unassigned": N_("Unassigned"),
    "team": N_("My team's"),
    "all": N_("All"),
    "closed": N_("Closed"),
}
REPLY_BY = {"telegram": "Telegram", "vk": N_("VK"), "email": N_("E-mail"), "sms": N_("SMS")}
DELIVERY = {
    "queued": N_("queued"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "failed": N_("not delivered"),
    "delivered": N_("delivered"),
    "read": N_("read"),
}
CHANNELS = {"form": N_("Form"), "telegram": "Telegram", "vk": N_("VK"), "email": N_("E-mail"), "call": N_("Call")}


def _box(actor: Actor, box: str) -> conversations.Box:
    if box in BOXES and (box != "team" or actor.role == "head"):
        return box  # type: ignore[return-value]
    return "mine" if actor.role == "manager" else "all"


def _listing(
    session: Session, actor: Actor, box: str, channel: str, now: datetime, sla: conversations.Sla
) -> dict[str, Any]:
    chosen = _box(actor, box)
    rows = conversations.inbox(session, actor, chosen, channel=channel if channel in CHANNELS else None, limit=100)
    return {
        "box": chosen,
        "channel": channel if channel in CHANNELS else "",
        "boxes": {k: v for k, v in BOXES.items() if k != "team" or actor.role == "head"},
        "channels": CHANNELS,
        "rows": rows,
        "counts": conversations.counts(session, actor, now),
        "urgency": {c.id: conversations.urgency(c, now, sla) for c in rows},
        "names": conversations.people_of(session, actor, rows),
    }


def _thread(session: Session, actor: Actor, conversation_id: int) -> dict[str, Any]:
    talk = conversations.get_conversation(session, actor, conversation_id)
    try:
        card = customers.get_customer(session, actor, talk.customer_id)
    except KlienturaError:  # handed a conversation about a card someone else owns: the talk, not the card
        card = None
    return {
        "talk": talk,
        "messages": conversations.messages_of(session, actor, talk.id, limit=500),
        "card": card,
        "person": conversations.people_of(session, actor, [talk]).get(talk.customer_id),
        "identities": [(i.kind, i.raw or i.value) for i in card.identities] if card else [],
        "can_reply": _replyable(talk),
        "quick": conversations.quick_replies(session, actor, card.first_name if card else None),
        "reply_by": REPLY_BY.get(_reply_channel(talk), ""),
        "files_ok": _reply_channel(talk) not in ("", "sms"),
        "users": user_names(session),
        "channels": CHANNELS,
        "delivery": DELIVERY,
    }


def _reply_channel(talk: conversations.Conversation) -> str:
    try:
        return conversations.reply_route(talk)[0]
    except KlienturaError:
        return ""


def _replyable(talk: conversations.Conversation) -> bool:
    try:
        conversations.reply_route(talk)
    except KlienturaError:
        return False
    return True


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    box: str = "",
    channel: str = "",
    c: Id | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "nav": "inbox",
        **_listing(session, actor, box, channel, shop.now(), request.app.state.sla),
    }
    context |= {"users": user_names(session), "owners": assignable(session, actor)}
    message, kind = flash.pop(request)
    context |= {"flash": message, "flash_kind": kind, "selected": None}
    if c is not None:
        try:
            context |= {"selected": c, **_thread(session, actor, c)}
        except KlienturaError as exc:
            context |= {"flash": explain(request, exc), "flash_kind": "error", "selected": None}
    return render(request, "conversations/inbox.html", context, actor=actor)


@router.get("/inbox/list", response_class=HTMLResponse)
def inbox_list(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    box: str = "",
    channel: str = "",
    c: Id | None = None,
) -> HTMLResponse:
    context = {
        **_listing(session, actor, box, channel, shop.now(), request.app.state.sla),
        "selected": c,
        "users": user_names(session),
    }
    return render(request, "conversations/_list.html", context, actor=actor)


@router.get("/inbox/{conversation_id}/thread", response_class=HTMLResponse)
def thread(conversation_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    try:
        context = _thread(session, actor, conversation_id)
    except KlienturaError as exc:
        return render(request, "message.html", {"title": "", "message": explain(request, exc)}, actor=actor, status=404)
    return render(request, "conversations/_messages.html", context, actor=actor)


# what a file a person sent may be served as; anything else (text/html from a stranger's mail) as bytes
SAFE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})


@router.get("/inbox/{conversation_id}/messages/{message_id}/files/{index}")
def message_file(
    conversation_id: Id, message_id: Id, index: int, session: SessionDep, actor: WebActorDep, docs: DocumentsDep
) -> Response:
    """A file a message brought (an e-mail's attachment), as a download."""
    name, mime, data = conversations.message_file(session, actor, docs.store, conversation_id, message_id, index)
    return download(data, mime if mime in SAFE_TYPES else "application/octet-stream", name)


@router.post("/inbox/{conversation_id}/read", openapi_extra={"x-permission": "sales:read"})  # reading is no change
def read(conversation_id: Id, session: SessionDep, actor: WebActorDep) -> Response:
    try:
        conversations.mark_read(session, actor, conversation_id)
    except KlienturaError:
        return Response(status_code=404)
    return Response(status_code=204)


def _back(conversation_id: int, box: str) -> str:
    return f"/inbox?box={box if box in BOXES else ''}&c={conversation_id}"


@router.post("/inbox/{conversation_id}/reply", response_model=None)
def reply(
    conversation_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    docs: DocumentsDep,
    text: str = Form(""),
    box: str = Form(""),
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    _ = gettext_for(request)
    limit = conversations.MAX_FILES_MB * 2**20

    def work() -> tuple[str, str]:
        data = build(conversations.ReplyIn, text=text.strip())
        sent = [(f.filename or "file", f.content_type or "", f.file.read(limit + 1)) for f in files or () if f.filename]
        conversations.reply(session, actor, conversation_id, data.text, shop.now(), files=sent, store=docs.store)
        return _back(conversation_id, box), _("The answer is on its way")

    if request.headers.get("hx-request") and text.strip():  # the thread again, with the answer in it
        error = None
        try:
            work()
        except KlienturaError as exc:  # the thread again with the reason (HTMX swaps only a 2xx), nothing written
            session.rollback()
            error = explain(request, exc)
        context = {**_thread(session, actor, conversation_id), "error": error}
        return render(request, "conversations/_messages.html", context, actor=actor)
    return _perform(request, session, work, _back(conversation_id, box))


def _perform(request: Request, session: Session, work: Any, fail: str) -> RedirectResponse:
    return flash.perform(request, session, work, fail)


@router.post("/inbox/{conversation_id}/assign")
def assign(
    conversation_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    assignee: str = Form(""),
    box: str = Form(""),
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        who = actor.id if assignee == "me" else int(assignee) if assignee.isdigit() else None
        talk = conversations.assign(session, actor, conversation_id, who)
        name = auth.get_user(session, talk.assignee_id) if talk.assignee_id else None
        said = _("Assigned to %(name)s") % {"name": name.name} if name else _("Returned to the unassigned")
        return _back(conversation_id, box), said

    return _perform(request, session, work, _back(conversation_id, box))


@router.post("/inbox/{conversation_id}/close")
def close(
    conversation_id: Id, request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep, box: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        conversations.close(session, actor, conversation_id, shop.now())
        return f"/inbox?box={box if box in BOXES else ''}", _("The conversation is closed")

    return _perform(request, session, work, _back(conversation_id, box))
