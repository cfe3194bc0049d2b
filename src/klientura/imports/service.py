"""Running an import: open the file, map the columns, import or preview, keep the report."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path
from typing import Any

from sqlalchemy import select

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, bulk_insert, utcnow
from klientura.imports.customers import import_customers
from klientura.imports.errors import NO_IDENTITY_COLUMN, RUN_NOT_FOUND, UNKNOWN_KIND
from klientura.imports.mapping import CUSTOMER_FIELDS, ORDER_FIELDS, apply_overrides, detect
from klientura.imports.models import ImportRejection, ImportRun
from klientura.imports.orders import import_orders
from klientura.imports.pipeline import auto_workers
from klientura.imports.readers import check_xlsx, open_table
from klientura.imports.report import Progress, Report, raw_of
from klientura.imports.rows import IDENTITY_COLUMNS
from klientura.kit.errors import NotFound, ValidationFailed
from klientura.kit.shop import Shop

KINDS = {"customers": CUSTOMER_FIELDS, "orders": ORDER_FIELDS}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def inspect_file(path: Path, kind: str, overrides: dict[str, str] | None = None, sample: int = 10) -> dict[str, Any]:
    """Headers, detected mapping and the first rows: what the preview shows before anything is written."""
    fields = _fields(kind)
    table = open_table(path)
    mapping = apply_overrides(table.headers, detect(table.headers, fields), overrides or {}, fields)
    rows = []
    for i, row in enumerate(table.rows):
        if i >= sample:
            break
        rows.append(raw_of(table.headers, row))
    return {
        "headers": table.headers,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "mapping": {f: table.headers[i] for f, i in sorted(mapping.items(), key=lambda x: x[1])},
        "unmapped": [h for i, h in enumerate(table.headers) if i not in mapping.values()],
        "fields": list(fields),
        "sample": rows,
    }


def count_rows(path: Path) -> int | None:
    """Data rows in a file, for a progress bar: lines of a CSV (a quoted line break counts twice, which is
    close enough), the sheet's recorded size of an XLSX (None when it does not say)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        check_xlsx(path)
        book = load_workbook(path, read_only=True)
        try:
            rows = book.worksheets[0].max_row
        finally:
            book.close()
        return max(int(rows) - 1, 0) if rows else None
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(lines - (1 if last == b"\n" else 0), 0)


def _fields(kind: str) -> dict[str, tuple[str, ...]]:
    if kind not in KINDS:
        raise ValidationFailed(UNKNOWN_KIND, value=kind)
    return KINDS[kind]


def run_import(
    session: Session,
    actor: Actor,
    path: Path,
    kind: str,
    *,
    overrides: dict[str, str] | None = None,
    dry_run: bool = False,
    shop: Shop,
    source: str = "import",
    progress: Progress | None = None,
    display_name: str | None = None,
    limit: int | None = None,
    workers: int | None = None,
) -> Report:
    """Import every good row and report every bad one, in the shop's context (phones without a country code read in
    its region, times without a zone in its time zone, no birth date after its today). In a dry run the caller
    rolls back.

    ``workers``: processes parsing rows beside this one; by default one for files of 8 MB and more.
    """
    require(actor, "import:write")
    fields = _fields(kind)
    table = open_table(path)
    if limit is not None:
        table.rows, table.source = itertools.islice(table.rows, limit), None
    mapping = apply_overrides(table.headers, detect(table.headers, fields), overrides or {}, fields)
    if kind == "customers" and not IDENTITY_COLUMNS.keys() & mapping.keys():
        raise ValidationFailed(NO_IDENTITY_COLUMN)
    named = {f: table.headers[i] for f, i in mapping.items()}
    if workers is None:
        workers = auto_workers(table.size_bytes)
    report = Report(kind=kind, mapping=named, dry_run=dry_run)
    if kind == "customers":
        import_customers(
            session,
            actor,
            table,
            mapping,
            report=report,
            region=shop.region,
            today=shop.today(),
            source=source,
            progress=progress,
            workers=workers,
        )
    else:
        import_orders(
            session,
            actor,
            table,
            mapping,
            report=report,
            region=shop.region,
            source=source,
            tz=shop.timezone,
            progress=progress,
            workers=workers,
        )
    if not dry_run:
        record_run(session, actor, report, path, display_name)
    return report


def record_run(session: Session, actor: Actor, report: Report, path: Path, display_name: str | None = None) -> None:
    """Keep a finished import (not a dry run): its counts, its rejected rows with what the file said, the audit."""
    run = ImportRun(
        kind=report.kind,
        filename=display_name or path.name,
        file_sha256=sha256_of(path),
        mapping=report.mapping,
        dry_run=False,
        status="done",
        rows_total=report.total,
        rows_created=report.created,
        rows_updated=report.updated,
        rows_unchanged=report.unchanged,
        rows_rejected=report.rejected,
        actor_name=actor.name,
        finished_at=utcnow(),
    )
    session.add(run)
    session.flush()
    report.run_id = run.id
    if report.rejections or report.notes:
        rows = [
            {
                "run_id": run.id,
                "row_no": r.row_no,
                "reason": r.reason[:500],
                "raw": r.raw,
                "code": r.code,
                "params": r.params,
                "field": r.field,
                "kept": kept,
            }
            for kept, found in ((False, report.rejections), (True, report.notes))
            for r in found
        ]
        bulk_insert(session, ImportRejection, rows)
    record(
        session,
        actor,
        f"import.{report.kind}",
        "import_run",
        run.id,
        None,
        {k: v for k, v in report.as_dict().items() if k not in ("rejections", "notes")},
    )


def list_runs(session: Session, limit: int = 50) -> list[ImportRun]:
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def get_run(session: Session, run_id: int) -> tuple[ImportRun, list[ImportRejection]]:
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(RUN_NOT_FOUND, id=run_id)
    rejections = list(
        session.scalars(
            select(ImportRejection)
            .where(ImportRejection.run_id == run_id)
            .order_by(ImportRejection.row_no)
            .limit(10000)
        )
    )
    return run, rejections
