"""More Telegram bots and VK communities, configured in the UI beside the first of each the settings give (a chain
with a bot per city, a community per shop). Each has its own webhook address and secret; a message to it lands on
the person's one card in a conversation of that bot (``peer`` ``<account>:<chat>``), and the answer goes back through
the same bot: the outbox channel ``telegram:<account>`` / ``vk:<account>``, which the sender builds from here."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import replace

from sqlalchemy import select

from klientura import channels
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.conversations.errors import ACCOUNT_FIELDS, ACCOUNT_NOT_FOUND, HOOK_OFF, HOOK_SECRET
from klientura.conversations.models import ChannelAccount
from klientura.conversations.schemas import Inbound
from klientura.db import Session
from klientura.kit.errors import NotFound, Unauthorized, ValidationFailed

KINDS = ("telegram", "vk")


def add_account(
    session: Session,
    actor: Actor,
    kind: str,
    name: str,
    token: str,
    *,
    secret: str | None = None,
    confirmation: str | None = None,
) -> ChannelAccount:
    """A Telegram bot (its token; the webhook secret made here) or a VK community (its token, the Callback API's
    secret key and confirmation string from the community's settings)."""
    require(actor, "users:admin")
    token, name = token.strip(), " ".join(name.split())
    if kind not in KINDS or not token or not name or (kind == "vk" and not (secret and confirmation)):
        raise ValidationFailed(ACCOUNT_FIELDS, field="token" if name else "name")
    row = ChannelAccount(kind=kind, name=name[:200], token=token[:500],
                         secret=(secret or secrets.token_urlsafe(24)).strip()[:200],
                         confirmation=(confirmation or "").strip()[:100] or None, created_by=actor.name[:200])  # fmt: skip
    session.add(row)
    session.flush()
    record(session, actor, "channel_account.add", "channel_account", row.id, None, {"kind": kind, "name": row.name})
    return row


def set_account_enabled(session: Session, actor: Actor, account_id: int, enabled: bool) -> ChannelAccount:
    require(actor, "users:admin")
    row = session.get(ChannelAccount, account_id)
    if row is None:
        raise NotFound(ACCOUNT_NOT_FOUND, id=account_id)
    row.enabled = enabled
    session.flush()
    record(session, actor, "channel_account.enabled", "channel_account", row.id, None, {"enabled": enabled})
    return row


def accounts(session: Session, actor: Actor) -> list[ChannelAccount]:
    require(actor, "users:admin")
    return list(session.scalars(select(ChannelAccount).order_by(ChannelAccount.id)))


def hook_account(session: Session, kind: str, account_id: int, secret: str) -> ChannelAccount:
    """The enabled account a webhook names, when the secret it carries is the account's: else NotFound (no such
    bot, or turned off) or Unauthorized (not its secret)."""
    row = session.get(ChannelAccount, account_id)
    if row is None or row.kind != kind or not row.enabled:
        raise NotFound(HOOK_OFF)
    if not hmac.compare_digest(secret.encode(), row.secret.encode()):
        raise Unauthorized(HOOK_SECRET)
    return row


def hook_token(session: Session, account_id: int) -> str | None:
    """An enabled Telegram bot's token (for long polling), else None."""
    row = session.get(ChannelAccount, account_id)
    return row.token if row is not None and row.kind == "telegram" and row.enabled else None


def hook_confirmation(session: Session, account_id: int) -> str | None:
    """A VK community's confirmation string (VK's first request carries no secret)."""
    row = session.get(ChannelAccount, account_id)
    return row.confirmation if row is not None and row.kind == "vk" and row.enabled else None


def of_account(inbound: Inbound, account_id: int) -> Inbound:
    """The message as one to that bot: its conversation is the bot's (the person's card is the same)."""
    return replace(inbound, peer=f"{account_id}:{inbound.peer}", data={**inbound.data, "account": account_id})


def account_route(channel: str, peer: str) -> tuple[str, str] | None:
    """The outbox channel and address of an answer in a conversation of a configured bot (None: the first one's)."""
    account, sep, chat = peer.partition(":")
    return (f"{channel}:{account}", chat) if sep and account.isdigit() and channel in KINDS else None


def account_channels(session: Session, telegram_url: str, vk_url: str) -> dict[str, channels.Channel]:
    """The outbox channels of the enabled accounts, for the sender (``telegram:<id>``, ``vk:<id>``)."""
    found: dict[str, channels.Channel] = {}
    for row in session.scalars(select(ChannelAccount).where(ChannelAccount.enabled)):
        if row.kind == "telegram":
            found[f"telegram:{row.id}"] = channels.TelegramChannel(channels.TelegramSettings(row.token, telegram_url))
        else:
            found[f"vk:{row.id}"] = channels.VkChannel(channels.VkSettings(row.token, vk_url))
    return found
