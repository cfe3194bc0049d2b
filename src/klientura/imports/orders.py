"""Bulk import of receipts: one row per receipt, or one row per line with the receipt number repeated.

Receipts are matched to cards by external id, phone, e-mail or loyalty card and never create cards:
a row naming a customer nobody knows is rejected ("unknown customer"); a row naming nobody is an
anonymous receipt. ``(source, receipt number)`` is unique, so importing a file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.catalog import ensure_channel, ensure_outlet, products_by_sku
from klientura.db import Deferred, Session, insert_rows, refresh_statistics, reserve_ids, select_in, utcnow
from klientura.imports.customers import _lookup
from klientura.imports.errors import (
    BAD_PURCHASE_DATE,
    DISCOUNT_OVER_AMOUNT,
    DISCOUNT_OVER_LINE,
    LINE_WITHOUT_PRICE,
    NO_AMOUNT,
    NO_COLUMN_FOR,
    NO_PURCHASE_DATE,
    NO_RECEIPT_NUMBER,
    NOT_A_NUMBER,
    QTY_NOT_POSITIVE,
    RECEIPT_SPLIT,
    UNKNOWN_CUSTOMER,
    UNKNOWN_STATUS,
    WRITTEN_CONCURRENTLY,
)
from klientura.imports.pipeline import parse_batches
from klientura.imports.readers import Cell, Table
from klientura.imports.report import Progress, Report, raw_of
from klientura.imports.rows import Rejected
from klientura.imports.rows import text_of as _text
from klientura.kit.dates import parse_datetime
from klientura.kit.errors import Conflict, ValidationFailed, located
from klientura.kit.identifiers import normalize_identity
from klientura.kit.money import parse_money, quantize
from klientura.orders import Order, OrderLine

_CUSTOMER_KEYS = (("customer_external_id", "external"), ("card", "card"), ("phone", "phone"), ("email", "email"))


@dataclass(slots=True)
class Receipt:
    external_id: str
    row_no: int
    placed_at: datetime
    identities: list[tuple[str, str]]
    outlet: str | None
    channel: str | None
    promo_code: str | None
    status: str
    total: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    lines: list[Line] = field(default_factory=list)
    raw: list[Cell] = field(default_factory=list)  # its first row, for the report

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # receipts cross from the parsing process by the thousand per batch: a plain tuple pickles and
        # unpickles at twice the speed of a dataclass's state dict, and a row of text cells as one string.
        # Their numbers are the parsed cells' own objects, cached per spelling, so pickle's memo sends each once
        raw: Any = self.raw
        try:
            joined = _SEP.join(raw)
        except TypeError:  # cells of a spreadsheet: numbers, dates
            pass
        else:
            if joined.count(_SEP) == len(raw) - 1:
                raw = joined
        return _receipt, (self.external_id, self.row_no, self.placed_at, self.identities, self.outlet, self.channel,
                          self.promo_code, self.status, self.total, self.discount, self.lines, raw)  # fmt: skip


_SEP = "\x1f"


def _receipt(*fields: Any) -> Receipt:
    r = Receipt(*fields)
    if isinstance(r.raw, str):
        r.raw = r.raw.split(_SEP)
    return r


Line = tuple[str | None, Decimal, Decimal, Decimal]  # sku, qty, price, discount
ZERO = Decimal(0)

_ONE = Decimal(1)
_money_of = lru_cache(maxsize=1 << 16)(parse_money)  # prices repeat: parse each spelling once
_moment_of = lru_cache(maxsize=1 << 16)(parse_datetime)  # so do receipt timestamps, line after line
_quantity_of = lru_cache(maxsize=1 << 12)(Decimal)  # and quantities
_STATUSES = {"отменен": "cancelled", "отменён": "cancelled", "выполнен": "completed", "оплачен": "completed"}


def _money(row: list[Cell], m: dict[str, int], name: str) -> Decimal | None:
    text = _text(row, m.get(name))
    if text is None:
        return None
    try:
        return _money_of(text)
    except ValidationFailed as exc:
        raise located(exc, name) from exc


def parse_receipt_row(
    row: list[Cell], m: dict[str, int], *, region: str, source: str, tz: str
) -> tuple[Receipt, Line | None]:
    """A receipt from its first (or only) row, and that row's line when the file lists lines."""
    ext = _text(row, m.get("external_id"))
    if not ext:
        raise ValidationFailed(NO_RECEIPT_NUMBER)
    cell = row[m["placed_at"]] if m.get("placed_at") is not None and m["placed_at"] < len(row) else None
    if cell in (None, ""):
        raise ValidationFailed(NO_PURCHASE_DATE)
    try:
        placed_at = _moment_of(cell, tz) if isinstance(cell, str) else parse_datetime(cell, tz)
    except ValidationFailed as exc:
        raise ValidationFailed(BAD_PURCHASE_DATE, value=cell) from exc
    identities = []
    for col, kind in _CUSTOMER_KEYS:
        raw = _text(row, m.get(col))
        if raw:
            try:
                value = normalize_identity(
                    kind, raw, region=region, source=source if kind == "external" and ":" not in raw else None
                )
            except ValidationFailed as exc:
                raise located(exc, kind) from exc
            identities.append((kind, value))
    status = (_text(row, m.get("status")) or "completed").lower()
    status = _STATUSES.get(status, status)
    if status not in ("completed", "cancelled", "pending"):
        raise ValidationFailed(UNKNOWN_STATUS, value=status)
    receipt = Receipt(
        external_id=ext[:128], row_no=0, placed_at=placed_at, identities=identities,
        outlet=_text(row, m.get("outlet")), channel=_text(row, m.get("channel")),
        promo_code=_text(row, m.get("promo_code")), status=status,
    )  # fmt: skip
    if m.get("sku") is not None or m.get("price") is not None:
        return receipt, parse_line(row, m)
    total, discount = _money(row, m, "total"), _money(row, m, "discount")
    if total is None:
        raise ValidationFailed(NO_AMOUNT)
    receipt.total, receipt.discount = total, discount or ZERO
    if receipt.discount > receipt.total:
        raise ValidationFailed(DISCOUNT_OVER_AMOUNT)
    return receipt, None


def parse_line(row: list[Cell], m: dict[str, int]) -> Line:
    qty_text = _text(row, m.get("qty"))
    try:
        qty = _quantity_of(qty_text.replace(",", ".")) if qty_text else _ONE
    except ArithmeticError as exc:
        raise ValidationFailed(NOT_A_NUMBER, field="qty", value=qty_text) from exc
    if not qty.is_finite() or qty <= 0:
        raise ValidationFailed(QTY_NOT_POSITIVE, value=qty_text)
    price = _money(row, m, "price")
    discount = _money(row, m, "line_discount") or _money(row, m, "discount") or ZERO
    if price is None:
        total = _money(row, m, "total")
        if total is None:
            raise ValidationFailed(LINE_WITHOUT_PRICE)
        price = quantize(total / qty)
    if discount > price * qty:
        raise ValidationFailed(DISCOUNT_OVER_LINE)
    return (_text(row, m.get("sku")), qty, price, discount)


class ReceiptRows:
    """Parse receipt rows under one column mapping into receipts (lines of one receipt gathered); picklable,
    so the child process of :mod:`pipeline` can run it."""

    def __init__(self, headers: list[str], mapping: dict[str, int], *, region: str, source: str, tz: str) -> None:
        self.headers, self.m, self.region, self.source, self.tz = headers, dict(mapping), region, source, tz

    def __call__(self, chunk: list[tuple[int, list[Cell]]]) -> list[Receipt | Rejected]:
        out: list[Receipt | Rejected] = []
        current: Receipt | None = None
        by_line = self.m.get("sku") is not None or self.m.get("price") is not None
        ext_col = self.m["external_id"]
        for row_no, row in chunk:
            try:
                if by_line and current is not None and (_text(row, ext_col) or "")[:128] == current.external_id:
                    current.lines.append(parse_line(row, self.m))  # the receipt's fields come from its first row
                    continue
                receipt, line = parse_receipt_row(row, self.m, region=self.region, source=self.source, tz=self.tz)
            except ValidationFailed as exc:
                out.append(Rejected.of(row_no, exc, raw_of(self.headers, row)))
                continue
            receipt.row_no, receipt.raw = row_no, row
            if line is not None:
                receipt.lines.append(line)
            current = receipt
            out.append(receipt)
        return out


def import_orders(
    session: Session,
    actor: Actor,
    table: Table,
    mapping: dict[str, int],
    *,
    report: Report,
    region: str = "RU",
    source: str = "import",
    tz: str = "Europe/Moscow",
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
    session: Session, actor: Actor, table: Table, parse: ReceiptRows, report: Report, source: str, batch_size: int,
    progress: Progress | None, workers: int, run: _Run,
) -> None:  # fmt: skip
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
                refresh_statistics(session, Order, OrderLine)
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
    report.reject_because(r.row_no, ValidationFailed(RECEIPT_SPLIT, value=r.external_id), raw_of(headers, r.raw),
                          rows=len(r.lines) or 1)  # fmt: skip


_ORDER_COLS = ("id", "source", "external_id", "customer_id", "outlet_id", "channel_id", "placed_at", "status", "total",
               "discount", "paid", "promo_code", "points_redeemed", "points_earned", "created_at")  # fmt: skip
_LINE_COLS = ("order_id", "line_no", "sku", "product_id", "qty", "price", "discount", "amount")


def _flush(
    session: Session, actor: Actor, receipts: list[Receipt], report: Report, source: str, headers: list[str], run: _Run
) -> None:
    run.lines.wait()
    ids = [r.external_id for r in receipts]
    existing = dict(select_in(session, Order, ("external_id", "id"), "external_id", ids, source=source))
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
    found = _lookup(session, {k for r in todo for k in r.identities})
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
        rows.append([
            0, source, r.external_id, customer_id, outlets.get(r.outlet or ""), channels.get(r.channel or ""),
            r.placed_at, r.status, r.total, r.discount, r.total - r.discount, r.promo_code, 0, 0, now,
        ])  # fmt: skip
        lines_of.append(r.lines)
        report.created += len(r.lines) or 1
    if not rows:
        return
    order_ids = reserve_ids(session, Order, len(rows))
    if run.first_id is None:
        run.first_id = order_ids[0]
    for row, oid in zip(rows, order_ids, strict=True):
        row[0] = oid
    line_rows = []
    for oid, lines in zip(order_ids, lines_of, strict=True):
        for n, (sku, qty, price, discount) in enumerate(lines, start=1):
            amount = quantize(price * qty - discount)
            line_rows.append((oid, n, sku, products.get(sku) if sku else None, qty, price, discount, amount))
    record(session, actor, "import.orders.create", "order", f"{min(order_ids)}..{max(order_ids)}", None,
           {"created": len(order_ids), "source": source})  # fmt: skip
    session.flush()  # the audit entry goes first: the session is the writer's until the next wait
    run.lines.run(_write, session, rows, line_rows)


def _write(session: Session, orders: list[list[Any]], lines: list[tuple[Any, ...]]) -> None:
    insert_rows(session, Order, _ORDER_COLS, orders)
    insert_rows(session, OrderLine, _LINE_COLS, lines)
