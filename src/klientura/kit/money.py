"""Money is Decimal with two places in the store and integer kopecks in the warehouse."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

__all__ = ["CENT", "parse_money", "quantize", "to_kopecks"]

CENT = Decimal("0.01")
NOT_AN_AMOUNT = code("amount.invalid", N_("not an amount: '%(value)s'"))
NEGATIVE_AMOUNT = code("amount.negative", N_("negative amount: '%(value)s'"))


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(raw: str | int | float | Decimal, *, allow_negative: bool = False) -> Decimal:
    """Parse "1 234,50", "1234.5", "1\u00a0234,50 ₽" into Decimal('1234.50')."""
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int | float):
        value = Decimal(str(raw))
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        for sym in ("₽", "руб.", "руб", "RUB", "р."):
            text = text.replace(sym, "")
        if "," in text and "." in text:
            text = text.replace(",", "") if text.rfind(".") > text.rfind(",") else text.replace(".", "")
        text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationFailed(NOT_AN_AMOUNT, value=raw) from exc
    if not value.is_finite():
        raise ValidationFailed(NOT_AN_AMOUNT, value=raw)
    if value < 0 and not allow_negative:
        raise ValidationFailed(NEGATIVE_AMOUNT, value=raw)
    return quantize(value)


def spread(units: int, weights: list[Decimal]) -> list[int]:
    """``units`` (whole points, kopecks) over ``weights`` in proportion, largest remainders first; sums exactly."""
    total = sum(weights, Decimal(0))
    if units <= 0 or total <= 0:
        return [0] * len(weights)
    exact = [Decimal(units) * w / total for w in weights]
    out = [int(e) for e in exact]
    for i in sorted(range(len(weights)), key=lambda i: -(exact[i] - out[i]))[: units - sum(out)]:
        out[i] += 1
    return out


def to_kopecks(value: Decimal) -> int:
    return int(quantize(value) * 100)
