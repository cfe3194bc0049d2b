"""Values typed in the pages' forms, read in the shop's context: numbers within bounds, calendar days of the shop."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import Request

from klientura.deps import get_shop
from klientura.kit.errors import BETWEEN, NOT_A_NUMBER, ValidationFailed
from klientura.web.errors import DATE_EXPECTED


def shop_zone(request: Request) -> ZoneInfo:
    """The shop's time zone: dates in forms and on pages are its calendar days."""
    return get_shop(request).zone


def number_in(raw: str, what: str, lo: float, hi: float) -> float:
    try:
        value = float(raw.replace(",", ".").replace(" ", ""))
    except ValueError:
        raise ValidationFailed(NOT_A_NUMBER, field=what) from None
    if not lo <= value <= hi:
        raise ValidationFailed(BETWEEN, field=what, low=f"{lo:g}", high=f"{hi:g}")
    return value


def shop_day(request: Request, raw: str, what: str) -> datetime | None:
    """The start of a date typed in a form, in the shop's time zone."""
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed(DATE_EXPECTED, field=what, example="2026-11-01") from None
    return get_shop(request).start_of(day)
