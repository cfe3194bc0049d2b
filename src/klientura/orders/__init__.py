"""Orders (receipts) with lines, and returns as their own documents."""

from klientura.orders.models import Order, OrderLine, Return, ReturnLine
from klientura.orders.sales import Sale, has_bought, numbered, numbers_of, sales_of
from klientura.orders.schemas import (
    LineIn,
    OrderIn,
    OrderRead,
    OrderResult,
    ReturnIn,
    ReturnLineIn,
    ReturnRead,
    Totals,
)
from klientura.orders.service import (
    create_return,
    find_order,
    get_order,
    ingest_order,
    money_of,
    orders_of,
    returns_of,
    totals_for,
)

__all__ = [
    "LineIn",
    "Order",
    "OrderIn",
    "OrderLine",
    "OrderRead",
    "OrderResult",
    "Return",
    "ReturnIn",
    "ReturnLine",
    "ReturnLineIn",
    "ReturnRead",
    "Sale",
    "Totals",
    "create_return",
    "find_order",
    "get_order",
    "has_bought",
    "ingest_order",
    "money_of",
    "numbered",
    "numbers_of",
    "orders_of",
    "returns_of",
    "sales_of",
    "totals_for",
]
