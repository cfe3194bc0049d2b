"""Orders and returns: the codes of refusals."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

ORDER_NOT_FOUND = code("order.not_found", N_("order %(id)s not found"))
RETURN_OF_ANOTHER_ORDER = code("return.of_another_order", N_("return %(value)s belongs to order %(order)s"))
NO_SUCH_LINE = code("return.no_such_line", N_("order %(order)s has no line %(line)s"))
RETURNING_TOO_MUCH = code("return.too_much", N_("line %(line)s: returning %(qty)s but only %(left)s left to return"))
NOTHING_LEFT = code("return.nothing_left", N_("nothing left to return on order %(order)s"))
LINE_DISCOUNT_OVER_AMOUNT = code("order.line.discount_over_amount", N_("line discount exceeds the line amount"))
NO_LINES_OR_TOTAL = code("order.no_lines_or_total", N_("an order needs lines or a total"))
DISCOUNT_OVER_TOTAL = code("order.discount_over_total", N_("discount exceeds the total"))
ORDER_ELSEWHERE = code(
    "order.external_id.elsewhere",
    N_("order %(value)s from %(source)s is already recorded for a customer you do not see"),
)
AMOUNT_TOO_LARGE = code("order.amount.too_large", N_("an amount over %(limit)s: the store keeps amounts up to that"))
