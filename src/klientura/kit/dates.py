"""Dates and timestamps as they come in files: dd.mm.yyyy, dd/mm/yyyy, ISO 8601, Excel datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

__all__ = ["parse_date", "parse_datetime"]

NOT_A_DATE = code("date.invalid", N_("not a date: '%(value)s'"))
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%Y.%m.%d")
_DT_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


def parse_date(raw: str | date | datetime) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    if len(text) == 10 and text[2] == "." and text[5] == ".":
        try:  # the common case, without strptime's cost
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        except ValueError as exc:
            raise ValidationFailed(NOT_A_DATE, value=raw) from exc
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationFailed(NOT_A_DATE, value=raw) from exc
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise ValidationFailed(NOT_A_DATE, value=raw) from exc


def parse_datetime(raw: str | date | datetime, tz: str) -> datetime:
    """A point in time; values without an offset are read in the shop's time zone."""
    zone = ZoneInfo(tz)
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime.combine(raw, time(0, 0))
    else:
        text = str(raw).strip()
        value_or_none: datetime | None = _fast_ru(text)
        if value_or_none is not None:
            value = value_or_none
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
            return value.astimezone(UTC)
        try:
            value_or_none = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _DT_FORMATS:
                try:
                    value_or_none = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if value_or_none is None:
            value_or_none = datetime.combine(parse_date(text), time(0, 0))
        value = value_or_none
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _fast_ru(text: str) -> datetime | None:
    """ "dd.mm.yyyy" and "dd.mm.yyyy HH:MM[:SS]" without strptime: receipts files are full of them."""
    if len(text) < 10 or text[2] != "." or text[5] != ".":
        return None
    try:
        day = parse_date(text[:10])
        if len(text) == 10:
            return datetime.combine(day, time(0, 0))
        if text[10] != " ":
            return None
        parts = [int(p) for p in text[11:].split(":")]
    except (ValidationFailed, ValueError):
        return None
    if len(parts) not in (2, 3):
        return None
    hour, minute, second = parts[0], parts[1], parts[2] if len(parts) == 3 else 0
    try:
        return datetime.combine(day, time(hour, minute, second))
    except ValueError:
        return None
