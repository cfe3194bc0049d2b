"""Uploaded files on their way to an import: written to disk a megabyte at a time (never whole in memory), kept
under a random name while the person previews and maps them, and cleaned away when they are a day old."""

from __future__ import annotations

import secrets
import shutil
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from klientura.imports.errors import UNSUPPORTED_TYPE
from klientura.kit.errors import ValidationFailed

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
KEEP_HOURS = 24  # an upload not imported within a day is gone


def save_upload(stream: BinaryIO, filename: str, folder: Path) -> Path:
    """The upload copied to ``folder`` under a random name with its own suffix; an unsupported type is refused."""
    suffix = Path(filename or "upload.csv").suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationFailed(UNSUPPORTED_TYPE, suffix=suffix)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (secrets.token_hex(16) + suffix)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, 2**20)
    return path


def clean_uploads(folder: Path, now: datetime, *, keep_hours: float = KEEP_HOURS) -> int:
    """Delete the uploads in ``folder`` older than ``keep_hours`` at ``now``; how many went."""
    if not folder.is_dir():
        return 0
    cutoff = now.timestamp() - keep_hours * 3600
    gone = 0
    for path in folder.iterdir():
        if path.is_file() and path.suffix.lower() in SUFFIXES and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone
