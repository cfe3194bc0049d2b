"""The audit log's part in privacy: its entries about a card, read for an export, scrubbed on erasure, and the
personal data of old entries dropped after the retention period (the entry itself — who did what, when — stays)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import null, select, update

from klientura.audit.models import AuditEntry
from klientura.db import Session, in_chunks


def entries_about(session: Session, entity: str, ids: Sequence[int]) -> list[AuditEntry]:
    """Every entry about these records of ``entity``, oldest first."""
    out: list[AuditEntry] = []
    for chunk in in_chunks(session, [str(i) for i in ids]):
        out += session.scalars(select(AuditEntry).where(AuditEntry.entity == entity, chunk.of(AuditEntry.entity_id)))
    return sorted(out, key=lambda e: e.id)


def scrub_entries(session: Session, entity: str, ids: Sequence[int], scrub: Callable[[Any], Any]) -> int:
    """Rewrite the before/after of every entry about these records through ``scrub``; how many changed."""
    changed = 0
    for entry in entries_about(session, entity, ids):
        before, after = scrub(entry.before), scrub(entry.after)
        if (before, after) != (entry.before, entry.after):
            entry.before, entry.after = before, after
            changed += 1
    session.flush()
    return changed


def forget_personal_data(session: Session, entities: Sequence[str], before: datetime) -> int:
    """Drop the before/after of entries about these entities older than ``before`` (retention)."""
    done = session.execute(
        update(AuditEntry)
        .where(
            AuditEntry.entity.in_(entities),
            AuditEntry.at < before,
            (AuditEntry.before.is_not(None)) | (AuditEntry.after.is_not(None)),
        )
        .values(before=null(), after=null())  # SQL NULL (not JSON null): a second run finds nothing left
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
