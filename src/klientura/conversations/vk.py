"""VK community messages by the Callback API: ``confirmation`` (answered with the community's string),
``message_new`` (a person's message to the community: text, photos, documents, a shared phone in the text is not
guessed at). Each event carries the community's secret key and its own ``event_id`` — the provider's id: VK posts an
event again until it reads ``ok``. The person is known by their VK user id (the card's ``vk`` identity); replies go
to the dialogue (``peer_id``) by ``messages.send``."""

from __future__ import annotations

from typing import Any

from klientura.conversations.schemas import Inbound


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
