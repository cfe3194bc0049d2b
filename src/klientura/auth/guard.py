"""Failed logins and API-key guesses, counted per account and per address in moving windows (the ``limits``
library; its storage is memory by default and Redis or Memcached when several processes serve: KLIENTURA_
RATE_LIMIT_STORAGE). Windows of growing length make the back-off: five failures lock an account for a quarter of
an hour, ten for an hour, twenty for a day. A success clears the account's count."""

from __future__ import annotations

import functools
import math

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from klientura.auth.errors import FORM_THROTTLED, THROTTLED
from klientura.kit.clock import epoch_seconds
from klientura.kit.errors import TooManyRequests

ACCOUNT = parse_many("5 per 15 minutes; 10 per hour; 20 per day")
ADDRESS = parse_many("30 per 15 minutes; 200 per day")
KEYS = parse_many("20 per minute; 300 per day")  # wrong API keys from one address


@functools.lru_cache(maxsize=8)
def _parsed(rate: str) -> list[RateLimitItem]:
    return parse_many(rate)


class Guard:
    """The counts of one app (or one CLI command): made where the app is assembled, passed to the services."""

    def __init__(self, storage: str = "memory://") -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def check_login(self, email: str, address: str) -> None:
        """Refused (429) while the account or the address is locked: the password is not even checked."""
        self._check([(ACCOUNT, ("login", email)), (ADDRESS, ("address", address))])

    def login_failed(self, email: str, address: str) -> None:
        self._hit(ACCOUNT, ("login", email))
        self._hit(ADDRESS, ("address", address))

    def login_succeeded(self, email: str) -> None:
        for limit in ACCOUNT:
            self._limiter.clear(limit, "login", email)

    def check_key(self, address: str) -> None:
        self._check([(KEYS, ("key", address))])

    def key_failed(self, address: str) -> None:
        self._hit(KEYS, ("key", address))

    def form_sent(self, form_key: str, address: str, rate: str) -> None:
        """One submission of a form from an address, counted; refused (429) beyond ``rate`` (limits' notation,
        e.g. "10 per minute; 100 per day")."""
        for limit in _parsed(rate):
            if not self._limiter.hit(limit, "form", form_key, address):
                reset, _left = self._limiter.get_window_stats(limit, "form", form_key, address)
                raise TooManyRequests(FORM_THROTTLED, retry_after=max(1, math.ceil(reset - epoch_seconds())))

    def _hit(self, limits: list[RateLimitItem], ids: tuple[str, ...]) -> None:
        for limit in limits:
            self._limiter.hit(limit, *ids)

    def _check(self, groups: list[tuple[list[RateLimitItem], tuple[str, ...]]]) -> None:
        wait = 0.0
        for limits, ids in groups:
            for limit in limits:
                if not self._limiter.test(limit, *ids):
                    reset, _left = self._limiter.get_window_stats(limit, *ids)
                    wait = max(wait, reset - epoch_seconds())
        if wait > 0:
            raise TooManyRequests(THROTTLED, retry_after=max(1, math.ceil(wait)))
