"""Products to suggest in a message, from the customer's own purchases: what customers who bought the same things
also bought (item-to-item co-occurrence, as in Amazon's 2003 paper), normalised by the products' popularity
(cosine: a bestseller bought by everyone is not "similar" to everything), without what the customer has already
bought; a customer with no purchases gets the most popular products.

The co-occurrence counts distinct customers, over every completed order in the store; fine for a shop's catalogue
and audiences of tens of thousands. (At a million customers it belongs in the nightly warehouse run: not done.)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from klientura.catalog import Product
from klientura.db import Session
from klientura.orders import Order, OrderLine


def _baskets(session: Session) -> dict[int, set[int]]:
    """Every customer's distinct products (completed orders)."""
    rows = session.execute(
        select(Order.customer_id, OrderLine.product_id).distinct().join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id.is_not(None), OrderLine.product_id.is_not(None), Order.status == "completed")
    )  # fmt: skip
    out: dict[int, set[int]] = defaultdict(set)
    for cid, pid in rows:
        if cid is not None and pid is not None:
            out[cid].add(pid)
    return out


def recommend(session: Session, customer_ids: Sequence[int], k: int = 3) -> dict[int, list[dict[str, Any]]]:
    """Up to ``k`` products for each customer, best first: {customer: [{sku, name, price}]}."""
    baskets = _baskets(session)
    buyers: dict[int, int] = defaultdict(int)  # product -> customers who bought it
    together: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # p -> q -> customers with both
    for products in baskets.values():
        for p in products:
            buyers[p] += 1
            for q in products:
                if q != p:
                    together[p][q] += 1
    popular = sorted(buyers, key=lambda p: (-buyers[p], p))
    picks: dict[int, list[int]] = {}
    for cid in customer_ids:
        own = baskets.get(cid, set())
        score: dict[int, float] = defaultdict(float)
        for p in own:
            for q, n in together[p].items():
                if q not in own:
                    score[q] += n / math.sqrt(buyers[p] * buyers[q])
        ranked = sorted(score, key=lambda q: (-score[q], q))[:k]
        ranked += [p for p in popular if p not in own and p not in ranked][: k - len(ranked)]
        picks[cid] = ranked
    wanted = {p for ranked in picks.values() for p in ranked}
    info = {pid: {"sku": sku, "name": name, "price": None if price is None else str(price)}
            for pid, sku, name, price in session.execute(
                select(Product.id, Product.sku, Product.name, Product.price).where(Product.id.in_(wanted)))}  # fmt: skip
    return {cid: [info[p] for p in ranked if p in info] for cid, ranked in picks.items()}
