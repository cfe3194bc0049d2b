"""Orders (receipts) and returns: idempotent ingest, resolved onto the customer's card."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.auth import require
from klientura.catalog import Product, ensure_channel, ensure_outlet, products_by_sku
from klientura.customers import get_customer, prepare, resolve, sees, visible_id
from klientura.db import Session
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.kit.money import quantize
from klientura.kit.shop import Shop
from klientura.orders.errors import (
    NO_SUCH_LINE,
    NOTHING_LEFT,
    ORDER_ELSEWHERE,
    ORDER_NOT_FOUND,
    RETURN_OF_ANOTHER_ORDER,
    RETURNING_TOO_MUCH,
)
from klientura.orders.models import Order, OrderLine, Return, ReturnLine
from klientura.orders.schemas import OrderIn, OrderRead, OrderResult, ReturnIn, Totals


def find_order(session: Session, source: str, external_id: str) -> Order | None:
    return session.scalars(select(Order).where(Order.source == source, Order.external_id == external_id)).first()


def ingest_order(
    session: Session,
    actor: Actor,
    data: OrderIn,
    *,
    shop: Shop,
    looked_up: bool = False,
    products: dict[str, Product] | None = None,
    customer_resolved: bool = False,
) -> OrderResult:
    """Create the order once; a repeat with the same (source, external_id) returns the first one. A caller that
    has just looked the order up (``looked_up``), holds its products, or resolved ``customer_id`` to the visible
    card itself (``customer_resolved``) saves the queries."""
    require(actor, "orders:write")
    existing = None if looked_up else find_order(session, data.source, data.external_id)
    if existing is not None:
        return _repeat(session, actor, existing)
    customer_id: int | None
    if customer_resolved and data.customer_id is not None:
        customer_id, customer_created = data.customer_id, False
    else:
        customer_id, customer_created = _customer_for(session, actor, data, shop)
    order = _build(session, data, customer_id, products)
    try:
        with session.begin_nested():
            session.add(order)
            session.flush()
    except IntegrityError:
        existing = find_order(session, data.source, data.external_id)
        if existing is None:
            raise
        return _repeat(session, actor, existing)
    record(
        session,
        actor,
        "order.create",
        "order",
        order.id,
        None,
        {"external_id": order.external_id, "customer_id": customer_id, "paid": order.paid},
    )
    return OrderResult(order=OrderRead.model_validate(order), created=True, customer_created=customer_created)


def _repeat(session: Session, actor: Actor, existing: Order) -> OrderResult:
    """A repeat of a recorded order answers the order — unless it is a card the actor does not see (another
    manager's customer): then a 409 that names nobody."""
    if not sees(session, actor, existing.customer_id):
        raise Conflict(ORDER_ELSEWHERE, value=existing.external_id, source=existing.source)
    return OrderResult(order=OrderRead.model_validate(existing), created=False)


def _customer_for(session: Session, actor: Actor, data: OrderIn, shop: Shop) -> tuple[int | None, bool]:
    if data.customer_id is not None:
        return visible_id(session, actor, data.customer_id), False
    if data.customer is None:
        return None, False
    prepared = prepare(data.customer, shop=shop, source=data.source)
    if not prepared.identities:
        return None, False  # a name without any identity cannot be matched safely: anonymous receipt
    result = resolve(session, actor, prepared, source=data.source)
    return result.customer_id, result.created


@dataclass
class ReceiptMoney:
    """A receipt's money as an order stores it: per line (number, sku, qty, price, discount, amount), the total
    before and the discount."""

    lines: list[tuple[int, str | None, Decimal, Decimal, Decimal, Decimal]]
    total: Decimal
    discount: Decimal


def money_of(data: OrderIn) -> ReceiptMoney:
    lines = [
        (i, ln.sku, ln.qty, quantize(ln.price), quantize(ln.discount), quantize(ln.price * ln.qty - ln.discount))
        for i, ln in enumerate(data.lines, start=1)
    ]
    if lines:
        total = quantize(sum((ln.price * ln.qty for ln in data.lines), Decimal(0)))
        discount = quantize(sum((ln.discount for ln in data.lines), Decimal(0)))
    else:
        total = quantize(data.total or Decimal(0))
        discount = quantize(data.discount or Decimal(0))
    return ReceiptMoney(lines, total, discount)


def _build(session: Session, data: OrderIn, customer_id: int | None, products: dict[str, Product] | None) -> Order:
    if products is None:
        products = products_by_sku(session, {ln.sku for ln in data.lines if ln.sku})
    money = money_of(data)
    lines = []
    for line_no, sku, qty, price, discount, amount in money.lines:
        product = products.get(sku or "")
        lines.append(
            OrderLine(
                line_no=line_no,
                sku=sku,
                product_id=product.id if product else None,
                qty=qty,
                price=price,
                discount=discount,
                amount=amount,
            )
        )
    return Order(
        source=data.source,
        external_id=data.external_id,
        customer_id=customer_id,
        outlet_id=ensure_outlet(session, data.outlet).id if data.outlet else None,
        staff=" ".join(data.staff.split())[:100] or None if data.staff else None,
        channel_id=ensure_channel(session, data.channel).id if data.channel else None,
        placed_at=data.placed_at,
        status=data.status,
        total=money.total,
        discount=money.discount,
        paid=money.total - money.discount,
        promo_code=data.promo_code,
        lines=lines,
    )


def get_order(session: Session, actor: Actor, order_id: int) -> Order:
    require(actor, "orders:read")
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    if order.customer_id is not None:
        get_customer(session, actor, order.customer_id)  # access rule: the manager's own customers only
    return order


def orders_of(session: Session, actor: Actor, customer_id: int, limit: int = 200) -> list[Order]:
    require(actor, "orders:read")
    customer = get_customer(session, actor, customer_id)
    stmt = select(Order).where(Order.customer_id == customer.id).order_by(Order.placed_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def create_return(session: Session, actor: Actor, order_id: int, data: ReturnIn) -> Return:
    require(actor, "orders:write")
    order = get_order(session, actor, order_id)
    dup = session.scalars(
        select(Return).where(Return.source == data.source, Return.external_id == data.external_id)
    ).first()
    if dup is not None:
        if dup.order_id != order.id:
            raise Conflict(RETURN_OF_ANOTHER_ORDER, value=data.external_id, order=dup.order_id)
        return dup
    returned = _returned_qty(session, order.id)
    by_no = {ln.line_no: ln for ln in order.lines}
    wanted = (
        {rl.line_no: rl.qty for rl in data.lines}
        if data.lines
        else {ln.line_no: ln.qty - returned.get(ln.id, Decimal(0)) for ln in order.lines}
    )
    ret = Return(
        source=data.source,
        external_id=data.external_id,
        order_id=order.id,
        returned_at=data.returned_at,
        reason=data.reason,
        amount=Decimal(0),
    )
    total = Decimal(0)
    for line_no, qty in wanted.items():
        line = by_no.get(line_no)
        if line is None:
            raise ValidationFailed(NO_SUCH_LINE, order=order.external_id, line=line_no)
        left = line.qty - returned.get(line.id, Decimal(0))
        if qty <= 0:
            continue
        if qty > left:
            raise ValidationFailed(RETURNING_TOO_MUCH, line=line_no, qty=qty, left=left)
        amount = quantize(line.amount * qty / line.qty)
        ret.lines.append(ReturnLine(order_line_id=line.id, qty=qty, amount=amount))
        total += amount
    if not order.lines:
        already = session.scalar(select(func.coalesce(func.sum(Return.amount), 0)).where(Return.order_id == order.id))
        total = order.paid - Decimal(already or 0)
    if total <= 0:
        raise ValidationFailed(NOTHING_LEFT, order=order.external_id)
    ret.amount = quantize(total)
    session.add(ret)
    session.flush()
    record(
        session,
        actor,
        "return.create",
        "order",
        order.id,
        None,
        {"return": data.external_id, "amount": ret.amount},
    )
    return ret


def _returned_qty(session: Session, order_id: int) -> dict[int, Decimal]:
    rows = session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.qty))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id)
        .group_by(ReturnLine.order_line_id)
    ).all()
    return {lid: Decimal(q) for lid, q in rows}


def returns_of(session: Session, order_ids: list[int]) -> list[Return]:
    if not order_ids:
        return []
    return list(session.scalars(select(Return).where(Return.order_id.in_(order_ids)).order_by(Return.returned_at)))


def totals_for(session: Session, customer_ids: list[int]) -> dict[int, Totals]:
    """Orders, revenue net of returns, average check, first and last purchase per customer."""
    if not customer_ids:
        return {}
    done = (Order.customer_id.in_(customer_ids)) & (Order.status == "completed")
    rows = session.execute(
        select(
            Order.customer_id,
            func.count(Order.id),
            func.coalesce(func.sum(Order.paid), 0),
            func.min(Order.placed_at),
            func.max(Order.placed_at),
        )
        .where(done)
        .group_by(Order.customer_id)
    ).all()
    refunds = dict(
        session.execute(
            select(Order.customer_id, func.coalesce(func.sum(Return.amount), 0))
            .join(Return, Return.order_id == Order.id)
            .where(done)
            .group_by(Order.customer_id)
        ).all()
    )
    out = {
        cid: Totals(
            orders=0,
            revenue=Decimal(0),
            returns=Decimal(0),
            average_check=Decimal(0),
            first_purchase=None,
            last_purchase=None,
        )
        for cid in customer_ids
    }
    for cid, n, paid, first, last in rows:
        if cid is None:
            continue
        back = Decimal(refunds.get(cid, 0))
        revenue = quantize(Decimal(paid) - back)
        out[cid] = Totals(
            orders=n,
            revenue=revenue,
            returns=quantize(back),
            average_check=quantize(revenue / n) if n else Decimal(0),
            first_purchase=first,
            last_purchase=last,
        )
    return out
