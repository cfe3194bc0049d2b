"""How each customer of an audience can be reached, read in bulk: names and time zone from the card, addresses from
the identities (e-mail, phone for SMS, Telegram chat), consent per channel, the preferred channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from klientura.customers import KIND_OF_CHANNEL, contact_rows
from klientura.db import Session

CHANNEL_OF_KIND = {kind: channel for channel, kind in KIND_OF_CHANNEL.items()}  # e-mail, phone -> sms, telegram
Scope = Callable[[Any], Any]  # a condition on a customer id column


@dataclass(slots=True)
class Reach:
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    timezone: str | None = None
    preferred: str | None = None
    addresses: dict[str, str] = field(default_factory=dict)  # channel -> address
    consents: dict[str, bool] = field(default_factory=dict)  # channel -> granted
    bounced: frozenset[str] = frozenset()  # channels whose every address has bounced

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass
class Audience:
    """Many customers' reach, column by column (a launch reads a million): ids ascending, names, time zones,
    preferred channels, addresses and consents per channel (1 granted, 0 refused, -1 never asked)."""

    ids: npt.NDArray[np.int64]
    first: list[str | None]
    last: list[str | None]
    middle: list[str | None]
    timezone: list[str | None]
    preferred: list[str | None]
    address: dict[str, list[str | None]]
    consent: dict[str, npt.NDArray[np.int8]]
    bounced: dict[str, npt.NDArray[np.bool_]]  # an address of the channel bounced (those left are in ``address``)

    def __len__(self) -> int:
        return len(self.ids)

    def one(self, i: int) -> Reach:
        """The ``i``-th customer's reach, as :func:`reach` gives it."""
        return Reach(
            self.first[i],
            self.last[i],
            self.middle[i],
            self.timezone[i],
            self.preferred[i],
            {ch: a[i] for ch, a in self.address.items() if a[i] is not None},  # type: ignore[misc]
            {ch: bool(c[i]) for ch, c in self.consent.items() if c[i] >= 0},
            frozenset(ch for ch, b in self.bounced.items() if b[i] and self.address[ch][i] is None),
        )


def audience(session: Session, scope: Scope) -> Audience:
    """The surviving cards in ``scope``, in one query: addresses and consents aggregated per customer in the store.
    Of several addresses of a kind the primary one, else the smallest. A webhook needs no address (the receiving
    system knows the customer by id) but honours a refusal."""
    kinds = {channel: kind for kind, channel in CHANNEL_OF_KIND.items()}
    channels = (*kinds, "webhook")
    rows = contact_rows(session, scope, kinds, channels)
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in range(6 + 2 * len(kinds) + len(channels))]
    n = len(kinds)
    address: dict[str, list[str | None]] = {ch: list(cols[6 + i]) for i, ch in enumerate(kinds)}
    address["webhook"] = [str(c) for c in cols[0]]
    consent = {
        ch: np.array([-1 if v is None else int(v) for v in cols[6 + n + i]], dtype=np.int8)
        for i, ch in enumerate(channels)
    }
    consent["webhook"][consent["webhook"] < 0] = 1  # a webhook is consented unless refused
    bounced = {
        ch: np.array([bool(v) for v in cols[6 + n + len(channels) + i]], dtype=bool) for i, ch in enumerate(kinds)
    }
    bounced["webhook"] = np.zeros(len(cols[0]), dtype=bool)
    return Audience(
        np.array(cols[0], dtype=np.int64),
        list(cols[1]),
        list(cols[2]),
        list(cols[3]),
        list(cols[4]),
        list(cols[5]),
        address,
        consent,
        bounced,
    )


def reach(session: Session, scope: Scope) -> dict[int, Reach]:
    """Per surviving card in ``scope`` (see :func:`audience`)."""
    found = audience(session, scope)
    return {int(cid): found.one(i) for i, cid in enumerate(found.ids)}
