from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from klientura.kit.errors import KlienturaError

Progress = Callable[[int], None]
MAX_KEPT_REJECTIONS = 100_000


@dataclass
class Rejection:
    row_no: int
    reason: str  # in English; the code, its parameters and the field translate it
    raw: dict[str, Any]
    code: str | None = None
    params: dict[str, Any] | None = None
    field: str | None = None


@dataclass
class Report:
    kind: str
    mapping: dict[str, str]
    dry_run: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    noted: int = 0  # rows imported without a value that could not be read
    notes: list[Rejection] = field(default_factory=list)
    run_id: int | None = None
    preview: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, row: Any, rows: int = 1) -> None:
        """A row refused while parsing (a :class:`~klientura.imports.rows.Rejected`); ``rows`` > 1 when a whole
        receipt of several line rows is refused (reported at its first row)."""
        self.rejected += rows
        if len(self.rejections) < MAX_KEPT_REJECTIONS:
            self.rejections.append(Rejection(row.row_no, row.reason, row.raw, row.code, row.params, row.field))

    def note(self, row: Any) -> None:
        """A row imported without one of its values (a :class:`~klientura.imports.rows.Rejected` saying which)."""
        self.noted += 1
        if len(self.notes) < MAX_KEPT_REJECTIONS:
            self.notes.append(Rejection(row.row_no, row.reason, row.raw, row.code, row.params, row.field))

    def reject_because(self, row_no: int, exc: KlienturaError, raw: dict[str, Any], rows: int = 1) -> None:
        """A row refused while writing, for ``exc``'s reason."""
        self.rejected += rows
        if len(self.rejections) < MAX_KEPT_REJECTIONS:
            key = exc.code.key if exc.code else None
            self.rejections.append(Rejection(row_no, exc.detail, raw, key, exc.plain_params or None, exc.field))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "mapping": self.mapping,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "noted": self.noted,  # rows imported without a value that could not be read
            "rejections": [_row(r) for r in self.rejections[:1000]],
            "notes": [_row(r) for r in self.notes[:1000]],
        }


def _row(r: Rejection) -> dict[str, Any]:
    return {"row": r.row_no, "reason": r.reason, "code": r.code, "params": r.params, "field": r.field, "data": r.raw}


def raw_of(headers: list[str], row: list[Any]) -> dict[str, Any]:
    return {
        h or f"#{i + 1}": (str(v) if v is not None else None)
        for i, (h, v) in enumerate(zip(headers, row, strict=False))
    }
