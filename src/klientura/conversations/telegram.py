"""Telegram's updates, read into inbound messages: a private chat's text, photo, document or shared contact.
The person is known by their Telegram user id (the card's ``telegram`` identity); a shared contact of their own
adds their phone. Replies go to the chat. The update's ``update_id`` is the provider's id: Telegram sends an
update again until it gets a 2xx, and the second one is the same message."""

from __future__ import annotations

from typing import Any

from klientura.conversations.schemas import Inbound


def read_update(update: dict[str, Any]) -> Inbound | None:
    """The inbound message of an update, or None for what is not one (an edit, a group's message, a bot's,
    a callback, a malformed update): those are answered 200 and dropped."""
    update_id = update.get("update_id")
    message = update.get("message")
    if not isinstance(update_id, int) or not isinstance(message, dict):
        return None
    chat, sender = message.get("chat"), message.get("from")
    if not isinstance(chat, dict) or not isinstance(sender, dict) or chat.get("type") != "private":
        return None
    if sender.get("is_bot") or not isinstance(sender.get("id"), int) or not isinstance(chat.get("id"), int):
        return None
    identities: dict[str, str] = {"telegram": str(sender["id"])}
    for name in ("first_name", "last_name"):  # Telegram's own fields: no guessing which word is the surname
        if isinstance(sender.get(name), str) and sender[name].strip():
            identities[name] = sender[name].strip()[:100]
    text = str(message.get("text") or message.get("caption") or "")
    attachments: list[dict[str, Any]] = []
    photos = message.get("photo")
    if isinstance(photos, list) and photos and isinstance(photos[-1], dict):  # the largest size comes last
        attachments.append({"kind": "photo", "file_id": str(photos[-1].get("file_id", ""))})
    document = message.get("document")
    if isinstance(document, dict):
        attachments.append(
            {
                "kind": "document",
                "file_id": str(document.get("file_id", "")),
                "name": str(document.get("file_name") or "")[:200],
                "mime": str(document.get("mime_type") or "")[:100],
            }
        )
    contact = message.get("contact")
    if isinstance(contact, dict) and contact.get("phone_number"):
        if contact.get("user_id") in (None, sender["id"]):  # their own number, not someone else's card
            identities["phone"] = str(contact["phone_number"])[:40]
        text = text or f"📞 {contact['phone_number']}"
    if not text and not attachments:
        return None
    return Inbound(
        channel="telegram",
        peer=str(chat["id"]),
        provider_id=str(update_id),
        text=text,
        identities=identities,
        lead_channel="message",
        attachments=attachments,
        data={"message_id": message.get("message_id")},
    )
