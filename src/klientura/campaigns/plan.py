"""Every customer's fate in a launch, decided for the whole audience at once (NumPy), by the same rules as
:func:`klientura.campaigns.launch.decide` decides one — the tests hold the two to the same answers.

The order matters for the report: everything that can keep a customer from the message (the global control group,
no reachable channel, the frequency cap) is settled before the holdout is drawn, so target and control come from
the same reachable customers and differ only in the message.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from klientura.campaigns.audience import DEFAULT_FALLBACK, choose_channel, uniforms
from klientura.campaigns.errors import CAPPED, GLOBAL_CONTROL, NO_CHANNEL
from klientura.campaigns.reach import Audience
from klientura.kit.channels import SEND_CHANNELS

TARGET, CONTROL, GLOBAL, SKIPPED = range(4)
CHANNELS = SEND_CHANNELS


@dataclass
class Plan:
    grp: npt.NDArray[np.int8]  # index into GROUPS
    channel: npt.NDArray[np.int8]  # index into CHANNELS; -1 none
    variant: npt.NDArray[np.int16]  # index into the campaign's variants; -1 none (global, skipped)
    reasons: dict[int, str]  # position -> why skipped or left out

    def where(self, group: int) -> npt.NDArray[np.intp]:
        return np.flatnonzero(self.grp == group)


def plan(
    aud: Audience,
    *,
    seed: str,
    holdout: float,
    variants: int,
    channel: str | None,
    global_seed: tuple[str, float] | None,
    capped: Collection[int],
    fallback: Sequence[str] = DEFAULT_FALLBACK,
) -> Plan:
    n = len(aud)
    ok = np.zeros((len(CHANNELS), n), dtype=bool)
    for k, ch in enumerate(CHANNELS):
        present = np.fromiter((a is not None for a in aud.address[ch]), dtype=bool, count=n)
        ok[k] = present & (aud.consent[ch] == 1)
    chosen = np.full(n, -1, dtype=np.int8)
    if channel is not None:
        k = CHANNELS.index(channel)
        chosen[ok[k]] = k
    else:
        for ch in reversed(list(fallback)):  # the first of the fallbacks that works wins
            k = CHANNELS.index(ch)
            chosen[ok[k]] = k
        pref = np.fromiter((CHANNELS.index(p) if p in CHANNELS else -1 for p in aud.preferred), dtype=np.int8, count=n)
        has = pref >= 0
        idx = np.flatnonzero(has)
        good = idx[ok[pref[idx], idx]]
        chosen[good] = pref[good]
    grp = np.full(n, TARGET, dtype=np.int8)
    reasons: dict[int, str] = {}
    left_out = np.zeros(n, dtype=bool)
    if global_seed is not None:
        left_out = uniforms(global_seed[0], aud.ids) < global_seed[1]
        grp[left_out] = GLOBAL
        reasons.update(dict.fromkeys(np.flatnonzero(left_out).tolist(), GLOBAL_CONTROL))
    unreachable = ~left_out & (chosen < 0)
    grp[unreachable] = SKIPPED
    for i in np.flatnonzero(unreachable).tolist():  # the reasons in the words one customer's decision uses
        r = aud.one(i)
        reasons[i] = (
            choose_channel(r.addresses, r.consents, r.preferred, channel, fallback, r.bounced).reason or NO_CHANNEL
        )
    over = ~left_out & ~unreachable & np.isin(aud.ids, np.fromiter(capped, dtype=np.int64, count=len(capped)))
    grp[over] = SKIPPED
    reasons.update(dict.fromkeys(np.flatnonzero(over).tolist(), CAPPED))
    drawn = grp == TARGET
    variant = np.where(drawn, (uniforms(f"{seed}:variant", aud.ids) * variants).astype(np.int16), -1).astype(np.int16)
    grp[drawn & (uniforms(seed, aud.ids) < holdout)] = CONTROL
    channel_of = np.where(left_out, -1, chosen).astype(np.int8)
    return Plan(grp, channel_of, variant, reasons)
