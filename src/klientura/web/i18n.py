"""Russian by default, English on request: gettext catalogues read with Babel, money and dates by locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALES = ("ru", "en")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (``make messages``, or the wheel's build, compiles the .po files); a
    missing one is an error, not a page in the wrong language."""
    mo = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        raise RuntimeError(f"the {locale!r} translations are not compiled ({mo}): run `make messages`")
    with mo.open("rb") as fh:
        return Translations(fh)


def money(value: Decimal | int | float | None, locale: str, currency: str = "RUB") -> str:
    if value is None:
        return "—"
    return str(format_currency(value, currency, locale=locale))


def number(value: Decimal | int | float | None, locale: str) -> str:
    return "—" if value is None else str(format_decimal(value, locale=locale))


def percent(value: float | None, locale: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    return str(format_percent(value, "#,##0" + ("." + "0" * digits if digits else "") + "%", locale=locale))


def day(value: date | datetime | None, locale: str, tz: str = "Europe/Moscow") -> str:
    """A calendar date; a moment is shown on the shop's calendar (23:30 UTC is the next day in Moscow)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = (value.astimezone(ZoneInfo(tz)) if value.tzinfo else value).date()
    return str(format_date(value, "medium", locale=locale))


def moment(value: datetime | None, locale: str, tz: str = "Europe/Moscow") -> str:
    if value is None:
        return "—"
    return str(format_datetime(value.astimezone(ZoneInfo(tz)), "d MMM y, HH:mm", locale=locale))
