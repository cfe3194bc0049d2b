"""VK community messages by the Callback API: ``confirmation`` (answered with the community's string),
``message_new`` (a person's message to the community: text, photos, documents, a shared phone in the text is not
guessed at). Each event carries the community's secret key and its own ``event_id`` — the provider's id: VK posts an
event again until it reads ``ok``. The person is known by their VK user id (the card's ``vk`` identity); replies go
to the dialogue (``peer_id``) by ``messages.send``."""

from __future__ import annotations

from typing import Any

from klientura import customers
from klientura.conversations.schemas import Inbound
from klientura.conversations.service import inbound_actor
from klientura.db import Session
from klientura.kit.shop import Shop


def read_event(event: dict[str, Any]) -> Inbound | None:
    """The inbound message of a ``message_new`` event, or None for any other event or a malformed one."""
    if event.get("type") != "message_new" or not isinstance(event.get("object"), dict):
        return None
    found = event["object"]
    message = found.get("message") if isinstance(found.get("message"), dict) else found  # API 5.103+ / older
    sender, peer = message.get("from_id"), message.get("peer_id")
    if not isinstance(sender, int) or sender <= 0 or not isinstance(peer, int):  # a community or a chat's bot
        return None
    if peer >= 2_000_000_000:  # a group chat, not a person's dialogue with the community
        return None
    text = str(message.get("text") or "")
    attachments: list[dict[str, Any]] = []
    for item in message.get("attachments") or []:
        if not isinstance(item, dict) or item.get("type") not in ("photo", "doc"):
            continue
        got = item.get(item["type"])
        inner: dict[str, Any] = got if isinstance(got, dict) else {}
        attachments.append(
            {
                "kind": "photo" if item["type"] == "photo" else "document",
                "id": f"{inner.get('owner_id')}_{inner.get('id')}",
                "name": str(inner.get("title") or "")[:200],
            }
        )
    if not text and not attachments:
        return None
    provider_id = event.get("event_id") or f"message:{message.get('id')}"
    return Inbound(
        channel="vk",
        peer=str(peer),
        provider_id=str(provider_id)[:200],
        text=text,
        identities={"vk": str(sender)},
        lead_channel="message",
        attachments=attachments,
        data={"message_id": message.get("id"), "group_id": event.get("group_id")},
    )


def read_permission(event: dict[str, Any]) -> tuple[str, bool] | None:
    """(the VK user id, allowed) of a ``message_allow`` (the person let the community write to them: consent to VK
    messages, campaigns included) or ``message_deny`` event (withdrawn); None for any other event."""
    kind, found = event.get("type"), event.get("object")
    if kind not in ("message_allow", "message_deny") or not isinstance(found, dict):
        return None
    user = found.get("user_id")
    if not isinstance(user, int) or user <= 0:
        return None
    return str(user), kind == "message_allow"


def vk_permission(session: Session, shop: Shop, user_id: str, allowed: bool, event_id: str) -> int | None:
    """Record the person's decision on their card — a new card for someone who allows messages before they ever
    wrote (one card per person: their VK id) — as an explicit consent or withdrawal of the ``vk`` channel; the card."""
    actor = inbound_actor("inbound:vk")
    card = customers.find_by_identity(session, actor, "vk", user_id, shop.region)
    if card is None:
        if not allowed:
            return None  # nobody we know withdrew: nothing to record
        found = customers.resolve(session, actor, customers.prepare(customers.CustomerIn(vk=user_id), shop=shop,
                                                                     source="vk"))  # fmt: skip
        card_id = found.customer_id
    else:
        card_id = card.id
    given = customers.Given(source=f"vk:{'message_allow' if allowed else 'message_deny'}:{event_id}"[:64],
                            at=shop.now(), explicit=True, place="vk")  # fmt: skip
    customers.set_consent(session, actor, card_id, "vk", allowed, given)
    return card_id
