"""Russian by default, English on request: gettext catalogues read with Babel, money and dates by locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from klientura.kit.i18n import LOCALE_DIR, LOCALES, translations

__all__ = ["LOCALES", "LOCALE_DIR", "translations"]  # the catalogues live in kit.i18n; here for the pages


def money(value: Decimal | int | float | None, locale: str, currency: str) -> str:
    if value is None:
        return "—"
    return str(format_currency(value, currency, locale=locale))


def whole_money(value: Decimal | int | float | None, locale: str, currency: str) -> str:
    """Money rounded to whole units (a report's large sums): the locale's pattern without its fraction."""
    if value is None:
        return "—"
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
    return str(format_currency(round(value), currency, format=pattern, locale=locale, currency_digits=False))


def number(value: Decimal | int | float | None, locale: str) -> str:
    return "—" if value is None else str(format_decimal(value, locale=locale))


def percent(value: float | None, locale: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    return str(format_percent(value, "#,##0" + ("." + "0" * digits if digits else "") + "%", locale=locale))


def day(value: date | datetime | None, locale: str, tz: str) -> str:
    """A calendar date; a moment is shown on the shop's calendar (23:30 UTC is the next day in Moscow)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = (value.astimezone(ZoneInfo(tz)) if value.tzinfo else value).date()
    return str(format_date(value, "medium", locale=locale))


def moment(value: datetime | None, locale: str, tz: str) -> str:
    if value is None:
        return "—"
    return str(format_datetime(value.astimezone(ZoneInfo(tz)), "d MMM y, HH:mm", locale=locale))


def p_value(p: float) -> str:
    """A p-value as a reader should see it: three decimals, and "< 0.001" rather than a misleading 0.000."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"
