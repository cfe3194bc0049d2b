"""Bulk import of receipts: one row per receipt, or one row per line with the receipt number repeated.

Receipts are matched to cards by external id, phone, e-mail or loyalty card and never create cards:
a row naming a customer nobody knows is rejected ("unknown customer"); a row naming nobody is an
anonymous receipt. ``(source, receipt number)`` is unique, so importing a file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.catalog import ensure_channel, ensure_outlet, products_by_sku
from klientura.customers import identity_owners
from klientura.db import Deferred, Session, utcnow
from klientura.imports.errors import (
    NO_COLUMN_FOR,
    RECEIPT_SPLIT,
    UNKNOWN_CUSTOMER,
    WRITTEN_CONCURRENTLY,
)
from klientura.imports.pipeline import parse_batches
from klientura.imports.readers import Table
from klientura.imports.receipt_rows import ZERO, Receipt, ReceiptRows
from klientura.imports.report import Progress, Report, raw_of
from klientura.imports.rows import Rejected
from klientura.kit.errors import Conflict, ValidationFailed
from klientura.kit.money import quantize
from klientura.orders import receipt_ids, refresh_order_statistics, reserve_order_ids, write_orders


def import_orders(
    session: Session,
    actor: Actor,
    table: Table,
    mapping: dict[str, int],
    *,
    report: Report,
    region: str,
    source: str = "import",
    tz: str,
    batch_size: int = 5000,
    progress: Progress | None = None,
    workers: int = 0,
) -> Report:
    for need in ("external_id", "placed_at"):
        if need not in mapping:
            raise ValidationFailed(NO_COLUMN_FOR, column=need)
    run = _Run()
    parse = ReceiptRows(table.headers, mapping, region=region, source=source, tz=tz)
    try:
        _receipts(session, actor, table, parse, report, source, batch_size, progress, workers, run)
        run.lines.wait()
    except IntegrityError as exc:  # nothing of it stays: the caller rolls the whole import back
        run.lines.abandon()
        raise Conflict(WRITTEN_CONCURRENTLY) from exc
    except BaseException:
        run.lines.abandon()  # the caller rolls back: not under a write still running
        raise
    return report


def _receipts(
    session: Session,
    actor: Actor,
    table: Table,
    parse: ReceiptRows,
    report: Report,
    source: str,
    batch_size: int,
    progress: Progress | None,
    workers: int,
    run: _Run,
) -> None:
    pending: list[Receipt] = []
    current: Receipt | None = None
    flushed = 0
    for batch in parse_batches(table, parse, batch_size=batch_size, workers=workers):
        report.total += batch.rows
        for item in batch.result:
            if isinstance(item, Rejected):
                report.reject(item)
                continue
            if current is not None and current.external_id == item.external_id and item.lines and current.lines:
                current.lines.extend(item.lines)  # a receipt cut by the batch boundary
                continue
            current = item
            pending.append(item)  # a receipt number seen before is told apart when written: see _flush
        if len(pending) > batch_size:
            last = pending.pop()  # may continue in the next batch
            _flush(session, actor, pending, report, source, table.headers, run)
            pending = [last]
            flushed += 1
            if flushed in (1, 4, 16, 64, 256):
                run.lines.wait()
                refresh_order_statistics(session)
        if progress is not None:
            progress(batch.rows)
    if pending:
        _flush(session, actor, pending, report, source, table.headers, run)


@dataclass
class _Run:
    first_id: int | None = None  # the first order id this import wrote: a receipt found at or above it repeats
    lines: Deferred = field(default_factory=Deferred)  # the last batch's lines, still being written
    outlets: dict[str, int] = field(default_factory=dict)  # name -> id, looked up once per import
    channels: dict[str, int] = field(default_factory=dict)
    products: dict[str, int | None] = field(default_factory=dict)  # sku -> product id (None: not in the catalogue)


def _repeated(report: Report, r: Receipt, headers: list[str]) -> None:
    report.reject_because(
        r.row_no, ValidationFailed(RECEIPT_SPLIT, value=r.external_id), raw_of(headers, r.raw), rows=len(r.lines) or 1
    )


def _flush(
    session: Session, actor: Actor, receipts: list[Receipt], report: Report, source: str, headers: list[str], run: _Run
) -> None:
    run.lines.wait()
    ids = [r.external_id for r in receipts]
    existing = receipt_ids(session, source, ids)
    todo, now_written = [], set()
    for r in receipts:
        if r.external_id in existing:
            if run.first_id is not None and existing[r.external_id] >= run.first_id:
                _repeated(report, r, headers)  # written earlier by this same import
            else:
                report.unchanged += len(r.lines) or 1  # imported before: importing again changes nothing
        elif r.external_id in now_written:
            _repeated(report, r, headers)
        else:
            now_written.add(r.external_id)
            todo.append(r)
    found = identity_owners(session, {k for r in todo for k in r.identities})
    outlets, channels, products = run.outlets, run.channels, run.products
    unseen = {ln[0] for r in todo for ln in r.lines if ln[0] and ln[0] not in products}
    if unseen:
        found_products = products_by_sku(session, unseen)
        products.update({sku: (found_products[sku].id if sku in found_products else None) for sku in unseen})
    rows, lines_of = [], []
    now = utcnow()
    for r in todo:
        customer_id = None
        if r.identities:
            customer_id = next((found[k] for k in r.identities if k in found), None)
            if customer_id is None:
                unknown = ValidationFailed(UNKNOWN_CUSTOMER, value=", ".join(f"{k} {v}" for k, v in r.identities))
                report.reject_because(r.row_no, unknown, raw_of(headers, r.raw), rows=len(r.lines) or 1)
                continue
        if r.lines:  # totals here, not in the parsing process: a Decimal is slow to pickle
            r.total = quantize(sum((price * qty for _, qty, price, _ in r.lines), ZERO))
            r.discount = quantize(sum((discount for _, _, _, discount in r.lines), ZERO))
        if r.outlet and r.outlet not in outlets:
            outlets[r.outlet] = ensure_outlet(session, r.outlet).id
        if r.channel and r.channel not in channels:
            channels[r.channel] = ensure_channel(session, r.channel).id
        rows.append(
            [
                0,
                source,
                r.external_id,
                customer_id,
                outlets.get(r.outlet or ""),
                channels.get(r.channel or ""),
                r.placed_at,
                r.status,
                r.total,
                r.discount,
                r.total - r.discount,
                r.promo_code,
                0,
                0,
                now,
            ]
        )
        lines_of.append(r.lines)
        report.created += len(r.lines) or 1
    if not rows:
        return
    order_ids = reserve_order_ids(session, len(rows))
    if run.first_id is None:
        run.first_id = order_ids[0]
    for row, oid in zip(rows, order_ids, strict=True):
        row[0] = oid
    line_rows = []
    for oid, lines in zip(order_ids, lines_of, strict=True):
        for n, (sku, qty, price, discount) in enumerate(lines, start=1):
            amount = quantize(price * qty - discount)
            line_rows.append((oid, n, sku, products.get(sku) if sku else None, qty, price, discount, amount))
    record(
        session,
        actor,
        "import.orders.create",
        "order",
        f"{min(order_ids)}..{max(order_ids)}",
        None,
        {"created": len(order_ids), "source": source},
    )
    session.flush()  # the audit entry goes first: the session is the writer's until the next wait
    run.lines.run(write_orders, session, rows, line_rows)
