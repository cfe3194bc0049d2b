"""Bulk import of receipts: one row per receipt, or one row per line with the receipt number repeated.

Receipts are matched to cards by external id, phone, e-mail or loyalty card and never create cards:
a row naming a customer nobody knows is rejected ("unknown customer"); a row naming nobody is an
anonymous receipt. ``(source, receipt number)`` is unique, so importing a file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from klientura.audit import Actor, record
from klientura.catalog import ensure_channel, ensure_outlet, products_by_sku
from klientura.db import Session, bulk_insert, refresh_statistics, reserve_ids, select_in, utcnow
from klientura.imports.customers import _lookup
from klientura.imports.pipeline import parse_batches
from klientura.imports.readers import Cell, Table
from klientura.imports.report import Progress, Report, raw_of
from klientura.imports.rows import Rejected
from klientura.imports.rows import text_of as _text
from klientura.kit.dates import parse_datetime
from klientura.kit.errors import ValidationFailed
from klientura.kit.identifiers import normalize_identity
from klientura.kit.money import parse_money, quantize
from klientura.orders import Order, OrderLine

_CUSTOMER_KEYS = (("customer_external_id", "external"), ("card", "card"), ("phone", "phone"), ("email", "email"))


@dataclass
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
    lines: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def _money(row: list[Cell], m: dict[str, int], name: str) -> Decimal | None:
    text = _text(row, m.get(name))
    if text is None:
        return None
    try:
        return parse_money(text)
    except ValidationFailed as exc:
        raise ValidationFailed(f"{name}: {exc.detail}") from exc


def parse_receipt_row(
    row: list[Cell], m: dict[str, int], *, region: str, source: str, tz: str
) -> tuple[Receipt, dict[str, Any] | None]:
    ext = _text(row, m.get("external_id"))
    if not ext:
        raise ValidationFailed("no receipt number")
    cell = row[m["placed_at"]] if m.get("placed_at") is not None and m["placed_at"] < len(row) else None
    if cell in (None, ""):
        raise ValidationFailed("no purchase date")
    try:
        placed_at = parse_datetime(cell, tz)
    except ValidationFailed as exc:
        raise ValidationFailed(f"bad purchase date: {cell!r}") from exc
    identities = []
    for col, kind in _CUSTOMER_KEYS:
        raw = _text(row, m.get(col))
        if raw:
            try:
                value = normalize_identity(
                    kind, raw, region=region, source=source if kind == "external" and ":" not in raw else None
                )
            except ValidationFailed as exc:
                raise ValidationFailed(f"bad {kind}: {exc.detail}") from exc
            identities.append((kind, value))
    status = (_text(row, m.get("status")) or "completed").lower()
    status = {"отменен": "cancelled", "отменён": "cancelled", "выполнен": "completed", "оплачен": "completed"}.get(
        status, status
    )
    if status not in ("completed", "cancelled", "pending"):
        raise ValidationFailed(f"unknown status {status!r}")
    receipt = Receipt(
        external_id=ext[:128], row_no=0, placed_at=placed_at, identities=identities,
        outlet=_text(row, m.get("outlet")), channel=_text(row, m.get("channel")),
        promo_code=_text(row, m.get("promo_code")), status=status,
    )  # fmt: skip
    total, discount = _money(row, m, "total"), _money(row, m, "discount")
    line = None
    if m.get("sku") is not None or m.get("price") is not None:
        qty_text = _text(row, m.get("qty"))
        try:
            qty = Decimal(qty_text.replace(",", ".")) if qty_text else Decimal(1)
        except ArithmeticError as exc:
            raise ValidationFailed(f"qty: not a number: {qty_text!r}") from exc
        if qty <= 0:
            raise ValidationFailed(f"qty must be positive, got {qty}")
        price = _money(row, m, "price")
        if price is None:
            if total is None:
                raise ValidationFailed("a line needs a price or an amount")
            price = quantize(total / qty)
        line_discount = _money(row, m, "line_discount") or discount or Decimal(0)
        if line_discount > price * qty:
            raise ValidationFailed("discount exceeds the line amount")
        line = {"sku": _text(row, m.get("sku")), "qty": qty, "price": price, "discount": line_discount}
    else:
        if total is None:
            raise ValidationFailed("no amount")
        receipt.total, receipt.discount = total, discount or Decimal(0)
        if receipt.discount > receipt.total:
            raise ValidationFailed("discount exceeds the amount")
    return receipt, line


class ReceiptRows:
    """Parse receipt rows under one column mapping into receipts (lines of one receipt gathered); picklable,
    so the child process of :mod:`pipeline` can run it."""

    def __init__(self, headers: list[str], mapping: dict[str, int], *, region: str, source: str, tz: str) -> None:
        self.headers, self.m, self.region, self.source, self.tz = headers, dict(mapping), region, source, tz

    def __call__(self, chunk: list[tuple[int, list[Cell]]]) -> list[Receipt | Rejected]:
        out: list[Receipt | Rejected] = []
        current: Receipt | None = None
        for row_no, row in chunk:
            try:
                receipt, line = parse_receipt_row(row, self.m, region=self.region, source=self.source, tz=self.tz)
            except ValidationFailed as exc:
                out.append(Rejected(row_no, exc.detail, raw_of(self.headers, row)))
                continue
            if current is not None and current.external_id == receipt.external_id and line is not None:
                current.lines.append(line)
                continue
            receipt.row_no, receipt.raw = row_no, raw_of(self.headers, row)
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
            raise ValidationFailed(f"no column for {need}: map one with --map 'Column={need}'")
    pending: list[Receipt] = []
    current: Receipt | None = None
    seen: set[str] = set()
    flushed = 0
    parse = ReceiptRows(table.headers, mapping, region=region, source=source, tz=tz)
    for batch in parse_batches(table, parse, batch_size=batch_size, workers=workers):
        report.total += batch.rows
        for item in batch.result:
            if isinstance(item, Rejected):
                report.reject(item.row_no, item.reason, item.raw)
                continue
            if current is not None and current.external_id == item.external_id and item.lines and current.lines:
                current.lines.extend(item.lines)  # a receipt cut by the batch boundary
                continue
            if item.external_id in seen:
                report.reject(item.row_no, f"receipt {item.external_id} appeared earlier in the file; keep its lines "
                              "together", item.raw, rows=len(item.lines) or 1)  # fmt: skip
                continue
            current = item
            seen.add(item.external_id)
            pending.append(item)
        if len(pending) > batch_size:
            last = pending.pop()  # may continue in the next batch
            _flush(session, actor, pending, report, source)
            pending = [last]
            flushed += 1
            if flushed in (1, 4, 16, 64, 256):
                refresh_statistics(session, Order, OrderLine)
        if progress is not None:
            progress(batch.rows)
    if pending:
        _flush(session, actor, pending, report, source)
    return report


def _flush(session: Session, actor: Actor, receipts: list[Receipt], report: Report, source: str) -> None:
    ids = [r.external_id for r in receipts]
    existing = {v for (v,) in select_in(session, Order, ("external_id",), "external_id", ids, source=source)}
    todo = [r for r in receipts if r.external_id not in existing]
    report.unchanged += sum(len(r.lines) or 1 for r in receipts if r.external_id in existing)
    found = _lookup(session, {k for r in todo for k in r.identities})
    outlets: dict[str, int] = {}
    channels: dict[str, int] = {}
    products = products_by_sku(session, {ln["sku"] for r in todo for ln in r.lines if ln["sku"]})
    rows, lines_of = [], []
    now = utcnow()
    for r in todo:
        customer_id = None
        if r.identities:
            customer_id = next((found[k] for k in r.identities if k in found), None)
            if customer_id is None:
                reason = "unknown customer: " + ", ".join(f"{k} {v}" for k, v in r.identities)
                report.reject(r.row_no, reason, r.raw, rows=len(r.lines) or 1)
                continue
        if r.lines:
            r.total = quantize(sum((ln["price"] * ln["qty"] for ln in r.lines), Decimal(0)))
            r.discount = quantize(sum((ln["discount"] for ln in r.lines), Decimal(0)))
        if r.outlet and r.outlet not in outlets:
            outlets[r.outlet] = ensure_outlet(session, r.outlet).id
        if r.channel and r.channel not in channels:
            channels[r.channel] = ensure_channel(session, r.channel).id
        rows.append({
            "source": source, "external_id": r.external_id, "customer_id": customer_id,
            "outlet_id": outlets.get(r.outlet or ""), "channel_id": channels.get(r.channel or ""),
            "placed_at": r.placed_at, "status": r.status, "total": r.total, "discount": r.discount,
            "paid": r.total - r.discount, "promo_code": r.promo_code, "points_redeemed": 0, "points_earned": 0,
            "created_at": now,
        })  # fmt: skip
        lines_of.append(r.lines)
        report.created += len(r.lines) or 1
    if not rows:
        return
    order_ids = reserve_ids(session, Order, len(rows))
    for row, oid in zip(rows, order_ids, strict=True):
        row["id"] = oid
    bulk_insert(session, Order, rows)
    line_rows = []
    for oid, lines in zip(order_ids, lines_of, strict=True):
        for n, ln in enumerate(lines, start=1):
            product = products.get(ln["sku"] or "")
            line_rows.append({
                "order_id": oid, "line_no": n, "sku": ln["sku"], "product_id": product.id if product else None,
                "qty": ln["qty"], "price": ln["price"], "discount": ln["discount"],
                "amount": quantize(ln["price"] * ln["qty"] - ln["discount"]),
            })  # fmt: skip
    if line_rows:
        bulk_insert(session, OrderLine, line_rows)
    record(session, actor, "import.orders.create", "order", f"{min(order_ids)}..{max(order_ids)}", None,
           {"created": len(order_ids), "source": source})  # fmt: skip
