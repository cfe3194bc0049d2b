"""Settings, read from the environment (prefix ``KLIENTURA_``) or passed in explicitly."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.numbers import get_currency_name
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KLIENTURA_", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'klientura.db'}"
    secret_key: str = "change-me-in-production"
    default_region: str = "RU"
    default_locale: str = "ru"
    currency: str = "RUB"
    timezone: str = "Europe/Moscow"
    dedup_threshold: float = 0.80
    # connections per server process for the till's fast path on PostgreSQL (klientura.loyalty.till); 0: off
    till_pool_size: int = 4
    session_cookie_secure: bool = False
    # channels (klientura.channels): a channel is on when its address or key is set
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "noreply@klientura.local"
    smtp_sender_name: str = ""
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    webhook_url: str | None = None
    webhook_secret: str | None = None
    telegram_token: str | None = None
    sms_provider: str = "smsru"  # smsru | smsc
    sms_key: str | None = None
    sms_login: str = ""
    sms_sender: str = ""
    public_url: str = ""  # how recipients reach this server (unsubscribe and tracking links); empty: the request's
    rate_limits: dict[str, float] = {}  # messages a second per channel and sender process, e.g. {"sms": 10}
    channel_costs: dict[str, float] = {"email": 0.05, "sms": 3.0, "telegram": 0.0, "webhook": 0.0}  # per message
    upload_dir: Path = DEFAULT_DATA_DIR / "uploads"
    warehouse_path: Path | None = None  # the DuckDB file; by default beside an SQLite store, else under var/

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Moscow)") from None
        return value

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {value!r} (an ISO 3166 code such as RU)")
        return value.upper()

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.upper()
        if len(code) != 3 or get_currency_name(code, locale="en") == code:
            raise ValueError(f"unknown currency {value!r} (an ISO 4217 code such as RUB)")
        return code
