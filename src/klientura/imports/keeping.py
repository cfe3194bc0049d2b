"""Import reports' part in privacy: a rejected row keeps what the file said (to be fixed and imported again); on
erasure the person's values in it are wiped, and rejected rows go after the retention period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from klientura.db import Session
from klientura.imports.models import ImportRejection, ImportRun


def scrub_rejections(session: Session, concerns: Callable[[Any], bool], scrub: Callable[[Any], Any]) -> int:
    """Rewrite the kept rejected rows that ``concerns`` (one person's) through ``scrub``; how many changed."""
    changed = 0
    for row in session.scalars(select(ImportRejection)).yield_per(1000):
        if not concerns(row.raw):
            continue
        raw, reason, params = scrub(row.raw), scrub(row.reason), scrub(row.params)
        if (raw, reason, params) != (row.raw, row.reason, row.params):
            row.raw, row.reason, row.params = raw, reason, params
            changed += 1
    session.flush()
    return changed


def forget_rejections(session: Session, before: datetime) -> int:
    """Delete the rejected rows of imports run before ``before`` (retention); the runs' counts stay."""
    old = select(ImportRun.id).where(ImportRun.started_at < before)
    done = session.execute(delete(ImportRejection).where(ImportRejection.run_id.in_(old)))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
