"""Recommendations from the customer's own purchases: what buyers of the same things also bought, popularity
discounted, nothing already bought; the most popular for a customer with no purchases; in a campaign's message."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import campaigns
from klientura.audit import SYSTEM
from klientura.campaigns import OutboxMessage
from klientura.campaigns.recommend import recommend
from klientura.catalog import ProductIn, upsert_product
from klientura.orders import LineIn, OrderIn, ingest_order
from tests import factories
from tests.campaigns.test_campaigns import SENDING, segment

AT = datetime(2026, 10, 1, 12, tzinfo=UTC)
CATALOGUE = {"TEA": ("Чай", "350.00"), "CUP": ("Чашка", "900.00"), "HONEY": ("Мёд", "500.00"),
             "JAM": ("Варенье", "400.00"), "SALT": ("Соль", "50.00")}  # fmt: skip


def buy(session: Session, cid: int, *skus: str) -> None:
    ingest_order(session, SYSTEM, OrderIn(external_id=f"R-{cid}-{'-'.join(skus)}", customer_id=cid, placed_at=AT,
                                          lines=[LineIn(sku=s, qty=Decimal(1), price=Decimal(CATALOGUE[s][1]))
                                                 for s in skus]))  # fmt: skip


def shop(session: Session) -> dict[str, int]:
    for sku, (name, price) in CATALOGUE.items():
        upsert_product(session, SYSTEM, ProductIn(sku=sku, name=name, price=Decimal(price)))
    people = {n: factories.customer(session, first_name=n, email=f"{n}@example.com", consents={"email": True})
              for n in ("anna", "boris", "vera", "gleb", "dina", "new")}  # fmt: skip
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
    c = campaigns.create_campaign(session, SYSTEM, {
        "name": "Подборка", "segment_id": segment(session, [people["anna"], people["new"]]), "holdout_share": 0,
        "global_control": False, "quiet_from": None, "quiet_until": None, "channel": "email",
        "variants": [{"name": "A", "subject": "Для вас",
                      "text": "{% for p in products %}{{ p.name }} — {{ p.price | money }}\n{% endfor %}"}],
    })  # fmt: skip
    shown = campaigns.preview(session, SYSTEM, c.id, people["anna"], AT, SENDING)
    assert shown.text.startswith("Мёд — 500,00")
    campaigns.launch(session, SYSTEM, c.id, AT, SENDING)
    sent = {m.customer_id: campaigns.compose(session, m, SENDING.links, {}).text
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"campaign:{c.id}"))}  # fmt: skip
    assert sent[people["anna"]].startswith("Мёд") and "Чай" not in sent[people["anna"]]
    assert sent[people["new"]].startswith("Соль")
