"""The conversations' tables: web forms, conversations with a person over one channel, and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, key_string, utcnow


class Form(Base):
    """A web form embedded on the shop's sites: its fields (mapped to card fields or kept as custom ones), the
    consent text with its version, where a visitor goes after sending, and the sites allowed to post it (CORS).
    ``key`` is its public address, ``/f/<key>``."""

    __tablename__ = "forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(key_string(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    consent_text: Mapped[str | None] = mapped_column(String(4000))
    consent_version: Mapped[str | None] = mapped_column(String(64))
    consent_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    thanks: Mapped[str | None] = mapped_column(String(1000))
    redirect_url: Mapped[str | None] = mapped_column(String(500))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class Conversation(Base):
    """One person's exchange over one channel (a Telegram chat, a VK dialogue, an e-mail thread, a form's
    submissions): replies go back through that channel to ``peer`` (the chat id, the address)."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_peer", "channel", "peer", "status"),
        Index("ix_conversations_customer", "customer_id"),
        Index("ix_conversations_assignee", "assignee_id", "status", "last_at"),
        Index("ix_conversations_last", "status", "last_at"),
        Index("ix_conversations_sla", "status", "sla_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # form | telegram | vk | email | call
    peer: Mapped[str] = mapped_column(key_string(320))  # where replies go: chat id, user id, address
    subject: Mapped[str | None] = mapped_column(String(300))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    unread: Mapped[int] = mapped_column(default=0)
    waiting_since: Mapped[datetime | None]  # the person's first message not answered yet
    first_reply_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]  # when the first response to the waiting message is due (working time)
    escalated_at: Mapped[datetime | None]  # the late answer reported to the head of sales
    bot_state: Mapped[str | None] = mapped_column(String(8))  # the bot talks: bot | human (handed over) | None
    last_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Message(Base):
    """One message in or out. An inbound one carries the provider's own id (Telegram's update, VK's event,
    Message-ID, a call's id): unique per channel, so a provider's retry is the same message. An outbound one is
    delivered by the outbox (``outbox_key``)."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id", name="uq_conversation_messages_provider"),
        Index("ix_conversation_messages_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    provider_id: Mapped[str | None] = mapped_column(key_string(200))
    text: Mapped[str] = mapped_column(String(8000), default="")
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # a form's fields, UTM, referrer, click ids
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who replied
    outbox_key: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]


class Mailbox(Base):
    """A mailbox read over IMAP: where reading got to (the folder's UIDVALIDITY and the last UID taken), so a
    restart goes on from there; a new UIDVALIDITY (the folder rebuilt) reads it again, which lands nothing twice."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(key_string(320), unique=True)
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)  # IMAP's are unsigned 32-bit
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    polled_at: Mapped[datetime | None]
    taken: Mapped[int] = mapped_column(default=0)  # messages that became requests or joined a conversation
    skipped: Mapped[int] = mapped_column(default=0)  # automatic answers, lists, bounces
    last_error: Mapped[str | None] = mapped_column(String(500))


class SurveyAnswer(Base):
    """A person's answer to a survey link (NPS 0–10 or CSAT 1–5, and a comment): one per link — answering again
    changes it —, with the order, outlet and staff member it concerns, and the task a detractor's answer made."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        Index("ix_survey_answers_at", "kind", "answered_at"),
        Index("ix_survey_answers_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(key_string(200), unique=True)  # the link's: kind, person, order, sender
    kind: Mapped[str] = mapped_column(String(8))  # nps | csat
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    staff: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(64), default="")  # scenario:feedback, campaign:12
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(String(2000))
    answered_at: Mapped[datetime]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))


class Bot(Base):
    """The rule-based bot of a messenger channel: it answers by its rules' keywords, asks a person it does not know
    by phone for their number, and hands the conversation over to a manager when asked or when it has no answer."""

    __tablename__ = "bots"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)  # telegram | vk
    enabled: Mapped[bool] = mapped_column(default=False)
    ask_phone: Mapped[bool] = mapped_column(default=True)
    handover_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    handover_text: Mapped[str] = mapped_column(String(1000), default="")
    phone_text: Mapped[str] = mapped_column(String(1000), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="system")


class BotRule(Base):
    """Keywords and the bot's answer to a message with any of them (a keyword matches the words it begins:
    «доставк» matches «доставка», «доставку»); the first rule in order that matches answers."""

    __tablename__ = "bot_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | vk | * (every bot)
    position: Mapped[int] = mapped_column(default=0)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(String(4000))


class QuickReply(Base):
    """A ready answer managers pick in the reply box (``{{ name }}`` becomes the person's first name)."""

    __tablename__ = "quick_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(4000))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelAccount(Base):
    """Another Telegram bot or VK community of the shop (the settings give the first of each): its token, the
    secret its webhook (``/hooks/bots/telegram/<id>``, ``/hooks/bots/vk/<id>``) must carry, VK's confirmation string.
    Its conversations' ``peer`` is ``<id>:<chat>``, so a person writing to two bots has two conversations on one
    card, each answered by the bot it came to."""

    __tablename__ = "channel_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # telegram | vk
    name: Mapped[str] = mapped_column(String(200))
    token: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    confirmation: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
