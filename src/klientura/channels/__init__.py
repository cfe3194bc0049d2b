"""Channels: one protocol (``send(message) -> DeliveryResult``) and one adapter per provider."""

from klientura.channels.base import Channel, DeliveryResult, OutgoingMessage, Status
from klientura.channels.configured import from_settings
from klientura.channels.http import (
    TelegramChannel,
    TelegramSettings,
    VkChannel,
    VkSettings,
    WebhookChannel,
    WebhookSettings,
    vk_random_id,
)
from klientura.channels.sms import SmsChannel, SmsSettings
from klientura.channels.smtp import SmtpChannel, SmtpSettings
from klientura.channels.throttle import Throttle

__all__ = [
    "Channel",
    "DeliveryResult",
    "OutgoingMessage",
    "SmsChannel",
    "SmsSettings",
    "SmtpChannel",
    "SmtpSettings",
    "Status",
    "TelegramChannel",
    "TelegramSettings",
    "Throttle",
    "VkChannel",
    "VkSettings",
    "WebhookChannel",
    "WebhookSettings",
    "from_settings",
    "vk_random_id",
]
