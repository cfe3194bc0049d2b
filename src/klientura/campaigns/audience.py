"""Who gets a message and how: control groups drawn by hash, and the channel chosen per recipient.

- :func:`in_share` puts a customer in a control group by a 64-bit hash of the customer id keyed by the seed's
  SHA-256 (SplitMix64's mixer, computed for a million ids at once in NumPy by :func:`uniforms`): the same seed
  always draws the same customers (recorded with the campaign, so its report can be recomputed), different seeds
  draw independently. A campaign's holdout uses the campaign's own seed; the global control group — the share of
  the base that receives no marketing at all — uses the seed of its rotation period (a new draw each quarter, say).
- :func:`choose_channel` takes the campaign's channel, or the customer's preferred channel and then the fallbacks
  in order, and keeps the first the customer has an address for **and** has not refused. Without consent on any
  of them the customer is skipped with the reason, never messaged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from klientura.campaigns.errors import BOUNCED, NO_ADDRESS, NO_CHANNEL, NO_CONSENT

DEFAULT_FALLBACK = ("email", "sms", "telegram")


_MASK = (1 << 64) - 1
_GOLDEN, _M1, _M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _seed_key(seed: str) -> int:
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


def _mix(x: int) -> int:
    """SplitMix64's finaliser: every input bit moves every output bit."""
    x = ((x ^ (x >> 30)) * _M1) & _MASK
    x = ((x ^ (x >> 27)) * _M2) & _MASK
    return x ^ (x >> 31)


def _uniform(seed: str, customer_id: int) -> float:
    """A number in [0, 1) fixed by the seed and the customer: the seed's SHA-256 keys SplitMix64's mixer applied to
    the id. :func:`uniforms` computes the same for a million ids at once."""
    return (_mix(_seed_key(seed) ^ _mix((customer_id + _GOLDEN) & _MASK)) >> 11) * 2.0**-53


def uniforms(seed: str, customer_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """:func:`_uniform` of each id (the same numbers, bit for bit), in NumPy."""
    with np.errstate(over="ignore"):
        x = customer_ids.astype(np.uint64) + np.uint64(_GOLDEN)
        for _ in range(2):
            x = (x ^ (x >> np.uint64(30))) * np.uint64(_M1)
            x = (x ^ (x >> np.uint64(27))) * np.uint64(_M2)
            x = x ^ (x >> np.uint64(31))
            if _ == 0:
                x = x ^ np.uint64(_seed_key(seed))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def in_share(seed: str, customer_id: int, share: float) -> bool:
    """Whether the customer falls in a group of ``share`` (0..1) drawn with ``seed``."""
    if not 0 <= share <= 1:
        raise ValueError("a share lies between 0 and 1")
    return _uniform(seed, customer_id) < share


def bucket(seed: str, customer_id: int, n: int) -> int:
    """One of ``n`` equal buckets (A/B variants), drawn with ``seed``."""
    return int(_uniform(seed, customer_id) * n)


@dataclass(frozen=True)
class Choice:
    channel: str | None  # None: skipped
    address: str | None = None
    reason: str | None = None  # why skipped


def choose_channel(
    addresses: Mapping[str, str | None],
    consents: Mapping[str, bool],
    preferred: str | None,
    channel: str | None = None,
    fallback: Sequence[str] = DEFAULT_FALLBACK,
    bounced: Collection[str] = (),
) -> Choice:
    """``channel`` fixed by the campaign, or (None) the preferred one, then ``fallback`` in order. A channel needs
    an address and consent: an explicit refusal always wins; consent never given counts as refused."""
    order = [channel] if channel else list(dict.fromkeys([*([preferred] if preferred else []), *fallback]))
    reasons = []
    for kind in order:
        if not addresses.get(kind):
            reasons.append(
                BOUNCED.get(kind, f"the {kind} address bounced")
                if kind in bounced
                else NO_ADDRESS.get(kind, f"no {kind} address")
            )
        elif not consents.get(kind, False):
            reasons.append(NO_CONSENT.get(kind, f"no consent to {kind}"))
        else:
            return Choice(kind, addresses[kind])
    return Choice(None, reason="; ".join(reasons) or NO_CHANNEL)
