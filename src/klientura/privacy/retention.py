"""Retention: personal data kept where nothing needs it any longer is dropped after its period (the settings
``KLIENTURA_RETENTION_*_DAYS``), by the worker once a day or by ``klientura privacy retention``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from klientura import audit, auth, campaigns, imports
from klientura.db import Session


@dataclass(frozen=True)
class Retention:
    audit_days: int
    rejections_days: int
    message_days: int
    idempotency_days: int


def apply_retention(session: Session, keep: Retention, now: datetime) -> dict[str, int]:
    """Drop what is past its period; how many rows each kind touched."""
    return {
        "audit_entries": audit.forget_personal_data(session, ["customer"], now - timedelta(days=keep.audit_days)),
        "import_rows": imports.forget_rejections(session, now - timedelta(days=keep.rejections_days)),
        "messages": campaigns.forget_message_bodies(session, now - timedelta(days=keep.message_days)),
        "idempotency_records": auth.forget_idempotency(session, now - timedelta(days=keep.idempotency_days)),
    }
