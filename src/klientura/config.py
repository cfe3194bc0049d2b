"""Settings, read from the environment (prefix ``KLIENTURA_``) or passed in explicitly."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.numbers import get_currency_name
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
DEFAULT_SECRET = "change-me-in-production"
MIN_SECRET_BYTES = 32
KeyPurpose = Literal["session", "links", "hooks", "forms"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KLIENTURA_", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'klientura.db'}"
    # the root of every key: each purpose (session cookies, recipients' links, providers' hooks) signs with a key
    # of its own derived from it (Settings.key); serve, send and worker refuse the default or a short one
    secret_key: str = DEFAULT_SECRET
    default_region: str = "RU"
    default_locale: str = "ru"
    currency: str = "RUB"
    timezone: str = "Europe/Moscow"
    # the duplicate model suggests pairs from the loosest threshold expected to reach this precision
    dedup_precision: float = Field(default=0.97, ge=0.5, lt=1)
    # connections per server process for the till's fast path on PostgreSQL (klientura.loyalty.till); 0: off
    till_pool_size: int = 4
    session_cookie_secure: bool = False  # also on whenever public_url is https
    session_idle_minutes: int = 12 * 60  # a session nobody used for this long ends
    session_days: int = 14  # and every session ends this long after its login
    # where failed logins and key guesses are counted (the limits library's URI): memory:// counts per process;
    # with several processes or servers, redis://host:6379 or memcached://host:11211 counts them together
    rate_limit_storage: str = "memory://"
    # how long personal data is kept where nothing needs it longer (the worker enforces it once a day)
    sales_repeat_days: int = 180  # a request within this long of a won deal opens a repeat deal for its owner
    retention_audit_days: int = 1095  # the before/after of changes to cards in the audit log (the entry stays)
    retention_rejections_days: int = 90  # rows an import rejected, with what the file said
    retention_message_days: int = 180  # the text of sent messages and the recipient's fields frozen in them
    retention_idempotency_days: int = 7  # stored answers to requests with an Idempotency-Key
    max_body_mb: int = 10  # a request's body (JSON, a form), beyond it a 413
    max_upload_mb: int = 100  # a file upload (an import), beyond it a 413
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
    telegram_api_url: str = "https://api.telegram.org"  # the Bot API (a local peer in tests)
    telegram_webhook_secret: str | None = None  # X-Telegram-Bot-Api-Secret-Token of POST /hooks/telegram
    vk_token: str | None = None  # the community's access token: replies by messages.send
    vk_api_url: str = "https://api.vk.com"
    vk_secret: str | None = None  # the Callback API's secret key, in every event it posts to /hooks/vk
    vk_confirmation: str | None = None  # the string /hooks/vk answers VK's confirmation request with
    calls_secret: str | None = None  # X-Klientura-Token of POST /hooks/calls (telephony's generic webhook)
    zadarma_secret: str | None = None  # the API secret Zadarma signs its notifications to /hooks/zadarma with
    # a mailbox read over IMAP by `klientura mail-poll` (IDLE where the server offers it): its mail becomes requests
    imap_host: str | None = None
    imap_port: int = 993
    imap_ssl: bool = True  # IMAPS (993); false: plain IMAP, for a server on loopback
    imap_username: str | None = None
    imap_password: str | None = None
    imap_folder: str = "INBOX"
    imap_address: str | None = None  # the mailbox's address (replies' Reply-To); by default the user name
    imap_backfill_days: int = 3  # a mailbox read for the first time: the mail of these last days
    # the inbox's working time (kit.worktime): when a first response is due, per channel, in working minutes
    work_hours: str = "mon-fri 09:00-18:00"
    holidays: list[date] = []
    away_answer: bool = True  # a message out of hours is answered with when the shop opens
    sla_minutes: dict[str, int] = {"telegram": 15, "vk": 15, "call": 30, "form": 60, "email": 120}
    form_rate: str = "10 per minute; 100 per day"  # submissions of one form from one address
    sms_provider: str = "smsru"  # smsru | smsc
    sms_key: str | None = None
    sms_login: str = ""
    sms_sender: str = ""
    public_url: str = ""  # how recipients and providers reach this server: required to send (links in messages)
    rate_limits: dict[str, float] = {}  # messages a second per channel and sender process, e.g. {"sms": 10}
    channel_costs: dict[str, float] = {
        "email": 0.05,
        "sms": 3.0,
        "telegram": 0.0,
        "webhook": 0.0,
        "vk": 0.0,
    }  # per message
    upload_dir: Path = DEFAULT_DATA_DIR / "uploads"
    files_dir: Path = DEFAULT_DATA_DIR / "files"  # files attached to deals and companies, quotes' PDFs
    max_attachment_mb: int = 20  # a file attached to a deal or a company, beyond it refused
    pdf_font_dir: Path | None = None  # DejaVu Sans (regular and bold) for quotes; None: the system's font folders
    warehouse_path: Path | None = None  # the DuckDB file; by default beside an SQLite store, else under var/

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Moscow)") from None
        return value

    @field_validator("form_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        parse_many(value)  # a ValueError names what is wrong
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

    def key(self, purpose: KeyPurpose) -> str:
        """The key for one purpose, derived from ``secret_key`` (HMAC-SHA256 as a key derivation, RFC 2104 / HKDF's
        expand step): a key leaked from one use (a link's signature) says nothing of the others."""
        return hmac.new(self.secret_key.encode(), f"klientura/{purpose}".encode(), hashlib.sha256).hexdigest()

    def weak_secret(self) -> str | None:
        """Why ``secret_key`` may not sign anything on a server reachable by others, or None when it may."""
        if self.secret_key == DEFAULT_SECRET:
            return "KLIENTURA_SECRET_KEY is the default; set a random one (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            return f"KLIENTURA_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes; set a random one of 48 or more"
        return None

    @property
    def cookies_secure(self) -> bool:
        """Cookies only over https: when told so, or when the public address is https."""
        return self.session_cookie_secure or self.public_url.lower().startswith("https://")
