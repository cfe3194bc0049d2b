"""The whole audience decided at once (NumPy) gives every customer the fate the one-customer rules give."""

from __future__ import annotations

import random

import numpy as np
import pytest

from klientura.campaigns import Campaign, decide
from klientura.campaigns.models import GROUPS
from klientura.campaigns.plan import CHANNELS, plan
from klientura.campaigns.reach import Audience


def _audience(n: int, rng: random.Random) -> Audience:
    ids = np.array(sorted(rng.sample(range(1, 10 * n), n)), dtype=np.int64)
    pick = lambda p, v: [v(i) if rng.random() < p else None for i in range(n)]  # noqa: E731
    consent = {ch: np.array([rng.choice((-1, 0, 1, 1)) for _ in range(n)], dtype=np.int8) for ch in CHANNELS}
    consent["webhook"][consent["webhook"] < 0] = 1
    return Audience(
        ids,
        pick(0.8, lambda i: f"Имя{i}"),
        pick(0.8, lambda i: "Фамилия"),
        pick(0.2, lambda i: "Отч"),
        pick(0.3, lambda i: rng.choice(("Asia/Vladivostok", "Europe/Kaliningrad", "Mars/Base"))),
        [rng.choice((None, None, "email", "sms", "telegram", "webhook", "vk", "pigeon")) for _ in range(n)],
        {
            "email": pick(0.8, lambda i: f"c{i}@example.com"),
            "sms": pick(0.5, lambda i: f"+7916{i:07d}"),
            "telegram": pick(0.2, lambda i: str(1000 + i)),
            "vk": pick(0.2, lambda i: str(50_000 + i)),
            "webhook": [str(c) for c in ids],
        },
        consent,
        {ch: np.array([rng.random() < 0.1 for _ in range(n)]) for ch in CHANNELS},
    )


@pytest.mark.parametrize(
    ("channel", "variants", "with_global"),
    [
        (None, 2, True),
        ("email", 1, False),
        ("sms", 3, True),
        ("webhook", 2, False),
        ("vk", 1, True),
        (None, 1, False),
    ],
)
def test_plan_equals_one_by_one(channel: str | None, variants: int, with_global: bool) -> None:
    rng = random.Random(f"{channel}{variants}{with_global}")
    aud = _audience(3000, rng)
    capped = set(rng.sample(aud.ids.tolist(), 300))
    global_seed = ("g-1", 0.1) if with_global else None
    c = Campaign(
        seed="c-42",
        holdout_share=0.2,
        channel=channel,
        variants=[{"name": f"V{k}", "text": "x"} for k in range(variants)],
    )
    p = plan(aud, seed=c.seed, holdout=0.2, variants=variants, channel=channel, global_seed=global_seed, capped=capped)
    for i, cid in enumerate(aud.ids.tolist()):
        one = decide(cid, aud.one(i), c, global_seed, capped)
        got = (
            GROUPS[p.grp[i]],
            CHANNELS[p.channel[i]] if p.channel[i] >= 0 else None,
            c.variants[p.variant[i]]["name"] if p.variant[i] >= 0 else None,
            p.reasons.get(i),
        )
        assert got == (one.grp, one.channel, one.variant, one.reason), (cid, aud.one(i))
    assert {GROUPS[g] for g in p.grp} == (
        {"target", "control", "global", "skipped"} if with_global else {"target", "control", "skipped"}
    )


def test_the_fast_freezer_writes_what_frozen_writes() -> None:
    from datetime import date

    from klientura import loyalty
    from klientura.campaigns import Content
    from klientura.campaigns.templates import person

    content = Content(
        [
            {
                "name": "A",
                "subject": "{{ name }}",
                "text": "{{ first_name }} {{ last_name }} {{ points }}",
                "html": "{{ points_expiring }} {{ points_expire_on | day }} {{ tier }} {{ promo_code }}",
            }
        ],
        locale="ru",
        currency="RUB",
    )
    freeze = content.freezer()
    for args in [
        ("Анна", "Петрова", "Петрова Анна", loyalty.Standing(450, 150, date(2026, 12, 5), "gold"), "K7Q2"),
        (None, None, "", None, None),
        (None, "Иванов", "Иванов", loyalty.Standing(), None),
    ]:
        first, last, full, standing, code = args
        assert freeze(*args) == content.frozen(person(first, last, full, standing, promo_code=code))
