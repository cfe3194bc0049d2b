"""Recommendations from the customer's own purchases: what buyers of the same things also bought, popularity
discounted, nothing already bought; the most popular for a customer with no purchases; in a campaign's message."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import campaigns
from klientura.audit import SYSTEM
from klientura.campaigns import OutboxMessage
from klientura.campaigns.recommend import _fit, pick, recommend
from klientura.catalog import ProductIn, upsert_product
from klientura.orders import LineIn, OrderIn, ingest_order
from tests import factories
from tests.campaigns.test_campaigns import SENDING, segment
from tests.factories import SHOP

AT = datetime(2026, 10, 1, 12, tzinfo=UTC)
CATALOGUE = {
    "TEA": ("Чай", "350.00"),
    "CUP": ("Чашка", "900.00"),
    "HONEY": ("Мёд", "500.00"),
    "JAM": ("Варенье", "400.00"),
    "SALT": ("Соль", "50.00"),
}


def buy(session: Session, cid: int, *skus: str) -> None:
    ingest_order(
        session,
        SYSTEM,
        OrderIn(
            external_id=f"R-{cid}-{'-'.join(skus)}",
            customer_id=cid,
            placed_at=AT,
            lines=[LineIn(sku=s, qty=Decimal(1), price=Decimal(CATALOGUE[s][1])) for s in skus],
        ),
        shop=SHOP,
    )


def shop(session: Session) -> dict[str, int]:
    for sku, (name, price) in CATALOGUE.items():
        upsert_product(session, SYSTEM, ProductIn(sku=sku, name=name, price=Decimal(price)))
    people = {
        n: factories.customer(session, first_name=n, email=f"{n}@example.com", consents={"email": True})
        for n in ("anna", "boris", "vera", "gleb", "dina", "new")
    }
    buy(session, people["anna"], "TEA", "CUP")
    buy(session, people["boris"], "TEA", "CUP", "HONEY")
    buy(session, people["vera"], "TEA", "HONEY")
    buy(session, people["gleb"], "SALT")
    buy(session, people["dina"], "TEA")
    for n in ("anna", "boris", "vera"):
        buy(session, people[n], "SALT")
    for i in range(6):  # salt is everybody's: the most popular, but not bought with tea in particular
        buy(session, factories.customer(session, email=f"salt{i}@example.com"), "SALT")
    return people


def test_bought_together_by_similar_customers(session: Session) -> None:
    people = shop(session)
    picks = recommend(session, list(people.values()), k=2)
    names = {n: [p["name"] for p in picks[cid]] for n, cid in people.items()}
    assert names["dina"][0] in ("Чашка", "Мёд") and "Чай" not in names["dina"]  # tea buyers' other buys
    assert names["anna"][0] == "Мёд"  # with tea and a cup: honey (boris, vera), never what she has
    assert names["new"] == ["Соль", "Чай"]  # no purchases: the most popular
    assert all(p["sku"] and p["price"] for ps in picks.values() for p in ps)


def test_a_campaign_lists_each_recipients_own_products(session: Session) -> None:
    people = shop(session)
    c = campaigns.create_campaign(
        session,
        SYSTEM,
        {
            "name": "Подборка",
            "segment_id": segment(session, [people["anna"], people["new"]]),
            "holdout_share": 0,
            "global_control": False,
            "quiet_from": None,
            "quiet_until": None,
            "channel": "email",
            "variants": [
                {
                    "name": "A",
                    "subject": "Для вас",
                    "text": "{% for p in products %}{{ p.name }} — {{ p.price | money }}\n{% endfor %}",
                }
            ],
        },
    )
    shown = campaigns.preview(session, SYSTEM, c.id, people["anna"], AT, SENDING)
    assert shown.text.startswith("Мёд — 500,00")
    campaigns.launch(session, SYSTEM, c.id, AT, SENDING)
    sent = {
        m.customer_id: campaigns.compose(session, m, SENDING.links, {}).text
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"campaign:{c.id}"))
    }
    assert sent[people["anna"]].startswith("Мёд") and "Чай" not in sent[people["anna"]]
    assert sent[people["new"]].startswith("Соль")


def reference(baskets: dict[int, set[int]], asked: list[int], k: int) -> tuple[list[list[int]], list[dict[int, float]]]:
    """The textbook loops over every basket (the first implementation): picks and each customer's scores."""
    buyers: dict[int, int] = defaultdict(int)
    together: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for products in baskets.values():
        for p in products:
            buyers[p] += 1
            for q in products - {p}:
                together[p][q] += 1
    popular = sorted(buyers, key=lambda p: (-buyers[p], p))
    picks, scores = [], []
    for cid in asked:
        own = baskets.get(cid, set())
        score: dict[int, float] = defaultdict(float)
        for p in own:
            for q, n in together[p].items():
                if q not in own:
                    score[q] += n / math.sqrt(buyers[p] * buyers[q])
        ranked = sorted(score, key=lambda q: (-score[q], q))[:k]
        ranked += [p for p in popular if p not in own and p not in ranked][: k - len(ranked)]
        picks.append(ranked)
        scores.append(score)
    return picks, scores


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.integers(1, 40), st.sets(st.integers(1, 15), min_size=1, max_size=8), max_size=40),
    st.integers(1, 5),
)
def test_the_sparse_model_agrees_with_the_loops(baskets: dict[int, set[int]], k: int) -> None:
    pairs = [(c, p) for c, ps in baskets.items() for p in ps]
    cids = np.array([c for c, _ in pairs], dtype=np.int64)
    pids = np.array([p for _, p in pairs], dtype=np.int64)
    asked = list(range(1, 46))  # 41-45 never bought anything
    got = pick(_fit(cids, pids), cids, pids, np.array(asked, dtype=np.int64), k)
    want, scores = reference(baskets, asked, k)
    for cid, mine, theirs, score in zip(asked, got, want, scores, strict=True):
        assert len(mine) == len(theirs) and not set(mine) & baskets.get(cid, set())
        for a, b in zip(mine, theirs, strict=True):  # equal scores may come in either order
            assert math.isclose(score.get(a, 0.0), score.get(b, 0.0), abs_tol=1e-12)
            assert score.get(b, 0.0) > 0 or a == b  # the top-up by popularity is exact


def test_the_model_follows_new_orders(session: Session) -> None:
    people = shop(session)
    assert recommend(session, [people["gleb"]], k=1)[people["gleb"]][0]["name"] == "Чай"  # salt's co-buyers' tea
    buy(session, people["gleb"], "SALT", "JAM")
    for n in ("anna", "boris"):
        buy(session, people[n], "JAM")
    # jam, like anna and boris: their cup (2 of the 2 cup buyers) now beats tea (2 of 4), hand-counted
    assert recommend(session, [people["gleb"]], k=1)[people["gleb"]][0]["name"] == "Чашка"
