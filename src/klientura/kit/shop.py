"""The shop's context: the region phones are read in, the time zone its calendar days and hours are counted in, the
currency its money is in, and the clock. Built once from the settings where the app, a command or the worker is
assembled, and passed to what needs it; domain code has no defaults of its own for any of them (tests pass a fixed
clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from klientura.config import Settings
from klientura.kit.clock import Clock, system_clock


@dataclass(frozen=True)
class Shop:
    region: str  # ISO 3166 code: how a phone number written without its country code is read
    timezone: str  # IANA name: the shop's calendar days, quiet hours, "today"
    currency: str  # ISO 4217 code of the shop's money
    clock: Clock = field(default=system_clock, compare=False)

    @classmethod
    def of(cls, settings: Settings, clock: Clock = system_clock) -> Shop:
        """The shop the settings describe (KLIENTURA_DEFAULT_REGION, KLIENTURA_TIMEZONE, KLIENTURA_CURRENCY)."""
        return cls(settings.default_region, settings.timezone, settings.currency, clock)

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # an unknown zone fails where the shop is built, not in the middle of a request

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def now(self) -> datetime:
        """The moment, timezone-aware (UTC)."""
        return self.clock()

    def today(self) -> date:
        """The shop's calendar day now."""
        return self.now().astimezone(self.zone).date()

    def start_of(self, day: date) -> datetime:
        """The first moment of the shop's calendar day ``day``."""
        return datetime.combine(day, time(), self.zone)
