"""Receipt rows parsed under one column mapping: a receipt per row or per line, money and times read in the shop's
region and time zone; picklable, so a child process parses while the parent writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from klientura.imports.errors import (
    BAD_PURCHASE_DATE,
    DISCOUNT_OVER_AMOUNT,
    DISCOUNT_OVER_LINE,
    LINE_WITHOUT_PRICE,
    NO_AMOUNT,
    NO_PURCHASE_DATE,
    NO_RECEIPT_NUMBER,
    NOT_A_NUMBER,
    QTY_NOT_POSITIVE,
    UNKNOWN_STATUS,
)
from klientura.imports.readers import Cell
from klientura.imports.report import raw_of
from klientura.imports.rows import Rejected
from klientura.imports.rows import text_of as _text
from klientura.kit.dates import parse_datetime
from klientura.kit.errors import ValidationFailed, located
from klientura.kit.identifiers import normalize_identity
from klientura.kit.money import parse_money, quantize

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
        return _receipt, (
            self.external_id,
            self.row_no,
            self.placed_at,
            self.identities,
            self.outlet,
            self.channel,
            self.promo_code,
            self.status,
            self.total,
            self.discount,
            self.lines,
            raw,
        )


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
        external_id=ext[:128],
        row_no=0,
        placed_at=placed_at,
        identities=identities,
        outlet=_text(row, m.get("outlet")),
        channel=_text(row, m.get("channel")),
        promo_code=_text(row, m.get("promo_code")),
        status=status,
    )
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
