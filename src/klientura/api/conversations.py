"""Conversations over HTTP: a person's conversations, their messages, and a reply that goes back through the
channel the conversation came by (queued in the outbox: ``klientura send`` delivers it)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from klientura import conversations
from klientura.conversations import AssignIn, ConversationPage, ConversationRead, MessageRead, ReplyIn
from klientura.deps import ActorDep, DocumentsDep, SessionDep, ShopDep, new_router
from klientura.kit.bounds import Cursor, Id

router = new_router(read="sales:read", write="sales:write", prefix="/conversations", tags=["conversations"])


@router.get("", response_model=ConversationPage, summary="Conversations you see, newest first (cursor pagination)")
def list_all(
    session: SessionDep,
    actor: ActorDep,
    customer_id: Id | None = None,
    status: Literal["open", "closed"] | None = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ConversationPage:
    rows, nxt = conversations.list_conversations(
        session, actor, customer_id=customer_id, status=status, channel=channel, cursor=cursor, limit=limit
    )
    return ConversationPage(items=[ConversationRead.model_validate(c) for c in rows], next_cursor=nxt)


@router.get("/{conversation_id}", response_model=ConversationRead)
def get(conversation_id: Id, session: SessionDep, actor: ActorDep) -> ConversationRead:
    return ConversationRead.model_validate(conversations.get_conversation(session, actor, conversation_id))


@router.get("/{conversation_id}/messages", response_model=list[MessageRead], summary="Its messages, oldest first")
def messages(
    conversation_id: Id,
    session: SessionDep,
    actor: ActorDep,
    after: Id | None = Query(default=None, description="only the messages after this one"),
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[MessageRead]:
    return conversations.messages_of(session, actor, conversation_id, after=after, limit=limit)


@router.post(
    "/{conversation_id}/messages",
    status_code=201,
    response_model=MessageRead,
    summary="Reply: through the channel the conversation came by, via the outbox",
)
def send(
    conversation_id: Id, data: ReplyIn, session: SessionDep, actor: ActorDep, shop: ShopDep, docs: DocumentsDep
) -> MessageRead:
    files = [(f.name, f.type, conversations.decoded(f.content)) for f in data.attachments]
    message = conversations.reply(session, actor, conversation_id, data.text, shop.now(), files=files,
                                  store=docs.store)  # fmt: skip
    return MessageRead.model_validate(message).model_copy(update={"delivery": "queued"})


@router.post("/{conversation_id}/assign", response_model=ConversationRead, summary="Take it or hand it over")
def assign(conversation_id: Id, data: AssignIn, session: SessionDep, actor: ActorDep) -> ConversationRead:
    return ConversationRead.model_validate(conversations.assign(session, actor, conversation_id, data.assignee_id))


@router.post("/{conversation_id}/close", response_model=ConversationRead, summary="Done: the next message opens anew")
def close(conversation_id: Id, session: SessionDep, actor: ActorDep, shop: ShopDep) -> ConversationRead:
    return ConversationRead.model_validate(conversations.close(session, actor, conversation_id, shop.now()))
