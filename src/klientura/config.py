"""Settings, read from the environment (prefix ``KLIENTURA_``) or passed in explicitly."""

from __future__ import annotations

from pathlib import Path

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
    upload_dir: Path = DEFAULT_DATA_DIR / "uploads"
    warehouse_path: Path | None = None  # the DuckDB file; by default beside an SQLite store, else under var/
