"""Business time: the shop's working hours by weekday and its holidays, in its time zone — when a response is due
("15 working minutes" after a message that came at 17:55 on a Friday is Monday 09:10) and whether it is open now.

Written ``"mon-fri 09:00-18:00; sat 10:00-15:00"``: days (``mon``..``sun``, a range or a comma list) and one span
each; days not named are days off. Holidays are whole days off."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _days(text: str) -> list[int]:
    found: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"unknown day in {text!r}: use mon, tue, wed, thu, fri, sat, sun")
        a, b = DAYS.index(first), DAYS.index(last or first)
        if b < a:
            raise ValueError(f"{part.strip()!r}: a range runs forward, e.g. mon-fri")
        found += range(a, b + 1)
    return found


def _time(text: str) -> time:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or not (0 <= int(hours) <= 24 and 0 <= int(minutes) < 60):
        raise ValueError(f"{text!r} is not a time like 09:00")
    return time(23, 59, 59, 999_999) if int(hours) == 24 else time(int(hours), int(minutes))


@dataclass(frozen=True)
class WorkCalendar:
    zone: ZoneInfo
    hours: dict[int, tuple[time, time]]  # weekday (Monday 0) -> opening, closing
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, text: str, zone: str, holidays: Iterable[date] = ()) -> WorkCalendar:
        hours: dict[int, tuple[time, time]] = {}
        for clause in filter(None, (c.strip() for c in text.lower().split(";"))):
            days, _, span = clause.partition(" ")
            start, _, end = span.strip().partition("-")
            opening, closing = _time(start), _time(end)
            if closing <= opening:
                raise ValueError(f"{clause!r}: the day closes before it opens")
            for day in _days(days):
                hours[day] = (opening, closing)
        if not hours:
            raise ValueError("no working day: e.g. 'mon-fri 09:00-18:00'")
        return cls(ZoneInfo(zone), hours, frozenset(holidays))

    def _span(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self.holidays or day.weekday() not in self.hours:
            return None
        opening, closing = self.hours[day.weekday()]
        return datetime.combine(day, opening, self.zone), datetime.combine(day, closing, self.zone)

    def is_open(self, at: datetime) -> bool:
        span = self._span(at.astimezone(self.zone).date())
        return span is not None and span[0] <= at < span[1]

    def next_open(self, at: datetime) -> datetime:
        """``at`` when open, else the next opening (within a year: a calendar with no working day left is refused
        when it is parsed, and a year of holidays is not one)."""
        local = at.astimezone(self.zone)
        for offset in range(366):
            span = self._span(local.date() + timedelta(days=offset))
            if span is None:
                continue
            if offset == 0 and at >= span[1]:
                continue
            return max(at, span[0])
        raise ValueError("no working time within a year")

    def add(self, at: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` of working time after ``at``."""
        left = timedelta(minutes=minutes)
        moment = self.next_open(at)
        while True:
            span = self._span(moment.astimezone(self.zone).date())
            assert span is not None
            if moment + left <= span[1]:
                return moment + left
            left -= span[1] - moment
            moment = self.next_open(span[1])
