"""The channels, named once: how a customer may be reached or asked for consent, and what campaigns send through."""

from __future__ import annotations

from typing import Literal, get_args

ContactChannel = Literal["email", "sms", "telegram", "push", "whatsapp", "vk", "phone", "webhook"]
"""A customer's preferred channel: every way a person can be reached."""
ConsentChannel = Literal["email", "sms", "telegram", "push", "phone", "vk"]
"""What a customer gives or refuses consent to (152-FZ / GDPR), per channel."""
SendChannel = Literal["email", "sms", "telegram", "webhook", "vk"]
"""What a campaign or a scenario sends through (a channel adapter exists for each; VK: community messages to those
who allowed them)."""

CONTACT_CHANNELS: tuple[str, ...] = get_args(ContactChannel)
CONSENT_CHANNELS: tuple[str, ...] = get_args(ConsentChannel)
SEND_CHANNELS: tuple[str, ...] = get_args(SendChannel)
