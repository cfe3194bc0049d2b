"""The channels the settings turn on: each one whose address or key is set."""

from __future__ import annotations

from klientura.channels.base import Channel
from klientura.channels.errors import UNKNOWN_SMS_PROVIDER
from klientura.channels.http import (
    TelegramChannel,
    TelegramSettings,
    VkChannel,
    VkSettings,
    WebhookChannel,
    WebhookSettings,
)
from klientura.channels.sms import SmsChannel, SmsSettings
from klientura.channels.smtp import SmtpChannel, SmtpSettings
from klientura.config import Settings
from klientura.kit.errors import ValidationFailed


def from_settings(settings: Settings) -> dict[str, Channel]:
    s = settings
    found: dict[str, Channel] = {}
    if s.smtp_host:
        found["email"] = SmtpChannel(
            SmtpSettings(
                host=s.smtp_host,
                port=s.smtp_port,
                sender=s.smtp_sender,
                sender_name=s.smtp_sender_name,
                username=s.smtp_username,
                password=s.smtp_password,
                starttls=s.smtp_starttls,
            )
        )
    if s.webhook_url:
        found["webhook"] = WebhookChannel(WebhookSettings(url=s.webhook_url, secret=s.webhook_secret))
    if s.telegram_token:
        found["telegram"] = TelegramChannel(TelegramSettings(token=s.telegram_token, base_url=s.telegram_api_url))
    if s.vk_token:
        found["vk"] = VkChannel(VkSettings(token=s.vk_token, base_url=s.vk_api_url))
    if s.sms_key:
        if s.sms_provider not in ("smsru", "smsc"):
            raise ValidationFailed(UNKNOWN_SMS_PROVIDER, value=s.sms_provider)
        found["sms"] = SmsChannel(
            SmsSettings(
                provider=s.sms_provider,  # type: ignore[arg-type]
                key=s.sms_key,
                login=s.sms_login,
                sender=s.sms_sender,
            )
        )
    return found
