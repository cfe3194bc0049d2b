from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from klientura.db import Base, utcnow


class ImportRun(Base):
    """One import of a file: what was mapped, what came in, what was rejected and why."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="running")
    dry_run: Mapped[bool] = mapped_column(default=False)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_created: Mapped[int] = mapped_column(default=0)
    rows_updated: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    actor_name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ImportRejection(Base):
    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    row_no: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))  # in English, as it was said
    raw: Mapped[dict[str, Any]]
    code: Mapped[str | None] = mapped_column(String(80))  # the reason's code and parameters: the page translates them
    params: Mapped[dict[str, Any] | None]
    field: Mapped[str | None] = mapped_column(String(64))
    # True: the row was imported, only the value the reason names was left out
    kept: Mapped[bool] = mapped_column(default=False, server_default=false())
