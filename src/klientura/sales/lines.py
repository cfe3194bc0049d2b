"""A deal's product lines: products from the catalogue (or free lines) with quantity, price VAT included, a discount
and a VAT rate. Setting the lines sets the deal's amount to their sum — a change the history records like any other
change of the amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select

from klientura import catalog
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import Code, Conflict, ValidationFailed, code
from klientura.kit.i18n import N_
from klientura.kit.money import quantize
from klientura.sales.deals import append_history, get_deal
from klientura.sales.doc_models import DealLine
from klientura.sales.doc_schemas import LineRead, LinesIn, LinesRead
from klientura.sales.errors import DEAL_LOST
from klientura.sales.models import Stage

PRODUCT_UNKNOWN = code("deal.line.product_unknown", N_("line %(row)s: no product %(value)s in the catalogue"))
LINE_NEEDS_NAME = code("deal.line.name_needed", N_("line %(row)s needs a product or a name"))
LINE_NEEDS_PRICE = code("deal.line.price_needed", N_("line %(row)s: the product has no price, give one"))
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Totals:
    total: Decimal
    vat: Decimal


def line_totals(quantity: Decimal, price: Decimal, discount: Decimal, vat_rate: int | None) -> Totals:
    """A line's total (quantity × price less the discount, to the kopeck) and the VAT within it."""
    total = quantize(quantity * price * (HUNDRED - discount) / HUNDRED)
    vat = quantize(total * vat_rate / (HUNDRED + vat_rate)) if vat_rate else Decimal("0.00")
    return Totals(total, vat)


def lines_read(lines: list[DealLine]) -> LinesRead:
    out = []
    for line in lines:
        read = LineRead.model_validate(line)
        totals = line_totals(line.quantity, line.price, line.discount, line.vat_rate)
        read.total, read.vat = totals.total, totals.vat
        out.append(read)
    return LinesRead(
        lines=out,
        total=sum((r.total for r in out), Decimal("0.00")),
        vat=sum((r.vat for r in out), Decimal("0.00")),
    )


def deal_lines(session: Session, actor: Actor, deal_id: int) -> list[DealLine]:
    get_deal(session, actor, deal_id)
    return list(session.scalars(select(DealLine).where(DealLine.deal_id == deal_id).order_by(DealLine.position)))


def _refuse(refusal: Code, row: int, value: object = "") -> ValidationFailed:
    return ValidationFailed(refusal, field=f"lines.{row - 1}", row=row, value=value)


def set_lines(session: Session, actor: Actor, deal_id: int, data: LinesIn) -> LinesRead:
    """Replace the deal's lines; its amount becomes their total (an empty list leaves the amount as it is)."""
    require(actor, "sales:write")
    deal = get_deal(session, actor, deal_id)
    if deal.status == "lost":
        raise Conflict(DEAL_LOST, id=deal.id)
    by_id = catalog.products_by_id(session, [x.product_id for x in data.lines if x.product_id is not None])
    by_sku = catalog.products_by_sku(session, {x.sku for x in data.lines if x.sku and x.product_id is None})
    lines = []
    for row, given in enumerate(data.lines, start=1):
        product = by_id.get(given.product_id) if given.product_id is not None else by_sku.get(given.sku or "")
        if (given.product_id is not None or given.sku) and product is None:
            raise _refuse(PRODUCT_UNKNOWN, row, given.product_id or given.sku)
        name = " ".join((given.name or (product.name if product else "")).split())
        if not name:
            raise _refuse(LINE_NEEDS_NAME, row)
        price = given.price if given.price is not None else (product.price if product else None)
        if price is None:
            raise _refuse(LINE_NEEDS_PRICE, row)
        lines.append(
            DealLine(
                deal_id=deal.id,
                position=row,
                product_id=product.id if product else None,
                sku=product.sku if product else None,
                name=name[:300],
                quantity=given.quantity,
                unit=" ".join(given.unit.split()),
                price=quantize(price),
                discount=given.discount,
                vat_rate=given.vat_rate,
            )
        )
    before = [(x.name, str(x.quantity), str(x.price)) for x in deal_lines(session, actor, deal.id)]
    session.execute(delete(DealLine).where(DealLine.deal_id == deal.id))
    session.add_all(lines)
    session.flush()
    read = lines_read(lines)
    if lines and read.total != deal.amount:
        deal.amount = read.total
        session.flush()
        reason = " ".join((data.reason or "").split()) or None
        append_history(session, actor, deal, deal.stage_id, session.get_one(Stage, deal.stage_id), reason, "amount")
    after = [(x.name, str(x.quantity), str(x.price)) for x in lines]
    record(session, actor, "deal.lines", "deal", deal.id, {"lines": before}, {"lines": after, "total": str(read.total)})
    return read
