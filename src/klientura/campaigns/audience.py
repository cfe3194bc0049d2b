"""Who gets a message and how: control groups drawn by hash, and the channel chosen per recipient.

- :func:`in_share` puts a customer in a control group by the SHA-256 of a seed and the customer id: the same seed
  always draws the same customers (recorded with the campaign, so its report can be recomputed), different seeds
  draw independently. A campaign's holdout uses the campaign's own seed; the global control group — the share of
  the base that receives no marketing at all — uses the seed of its rotation period (a new draw each quarter, say).
- :func:`choose_channel` takes the campaign's channel, or the customer's preferred channel and then the fallbacks
  in order, and keeps the first the customer has an address for **and** has not refused. Without consent on any
  of them the customer is skipped with the reason, never messaged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_FALLBACK = ("email", "sms", "telegram")


def _uniform(seed: str, customer_id: int) -> float:
    digest = hashlib.sha256(f"{seed}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


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


def choose_channel(addresses: Mapping[str, str | None], consents: Mapping[str, bool], preferred: str | None,
                   channel: str | None = None, fallback: Sequence[str] = DEFAULT_FALLBACK) -> Choice:  # fmt: skip
    """``channel`` fixed by the campaign, or (None) the preferred one, then ``fallback`` in order. A channel needs
    an address and consent: an explicit refusal always wins; consent never given counts as refused."""
    order = [channel] if channel else list(dict.fromkeys([*([preferred] if preferred else []), *fallback]))
    reasons = []
    for kind in order:
        if not addresses.get(kind):
            reasons.append(f"no {kind} address")
        elif not consents.get(kind, False):
            reasons.append(f"no consent to {kind}")
        else:
            return Choice(kind, addresses[kind])
    return Choice(None, reason="; ".join(reasons) or "no channel")
