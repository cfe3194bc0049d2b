"""Eighteen months of advertising spend for the demo: Yandex Direct per campaign and day (the wholesale deals from
Direct carry these campaigns' UTM tags), the retail shop's search and VK ads, and the wholesale department's
exhibitions a month at a time — sized so that one campaign pays, one loses and one cannot be judged yet."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from klientura.db import Session, bulk_insert, utcnow
from klientura.sales import AdCost

DAILY = {  # (source, campaign): roubles a day, around which each day varies
    ("yandex", "опт-поиск"): 9_000,
    ("yandex", "опт-рся"): 1_500,
    ("yandex", "монтаж-поиск"): 30_000,
    ("vk", "ретаргетинг"): 1_200,
    ("google", ""): 800,
}
EXHIBITION = 180_000  # a month's stand


def ad_spend(session: Session, rng: random.Random, *, end: date, days: int = 548) -> int:
    """Write the spend of the ``days`` up to ``end``; how many rows."""
    rows = []
    now = utcnow()
    for offset in range(days):
        day = end - timedelta(days=offset)
        for (source, campaign), mean in DAILY.items():
            cost = Decimal(round(mean * rng.uniform(0.6, 1.4), 2)).quantize(Decimal("0.01"))
            clicks = max(1, int(float(cost) / rng.uniform(25, 60)))
            rows.append({"day": day, "source": source, "campaign": campaign, "cost": cost, "clicks": clicks,
                         "impressions": clicks * rng.randint(20, 60), "origin": "demo", "changed_by": "demo",
                         "changed_at": now})  # fmt: skip
        if day.day == 1:
            rows.append({"day": day, "source": "выставка", "campaign": "", "cost": Decimal(EXHIBITION), "clicks": None,
                         "impressions": None, "origin": "demo", "changed_by": "demo", "changed_at": now})  # fmt: skip
    bulk_insert(session, AdCost, rows)
    return len(rows)
