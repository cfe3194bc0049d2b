"""The demo chain's purchases: receipts with lines through the seasons, returns, anonymous receipts, each day's till
closing at its end."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from klientura.db import Session, bulk_insert
from klientura.demo.people import DemoPerson
from klientura.orders import Order, OrderLine, Return, ReturnLine

Progress = Callable[[str, int], None]


def season(d: date) -> float:
    m, day = d.month, d.day
    factor = {12: 1.7, 1: 0.8, 2: 1.0, 3: 1.15, 6: 0.85, 7: 0.8, 8: 0.9, 11: 1.25}.get(m, 1.0)
    if (m == 3 and 1 <= day <= 8) or (m == 2 and day >= 18):
        factor *= 1.6
    if m == 11 and 20 <= day <= 30:
        factor *= 1.6
    return factor


def chunks(rows: list[dict[str, Any]], n: int = 20_000) -> list[list[dict[str, Any]]]:
    return [rows[i : i + n] for i in range(0, len(rows), n)]


@dataclass
class OrderIds:
    order: int = 0
    line: int = 0
    ret: int = 0


class OrderWriter:
    def __init__(
        self,
        session: Session,
        rng: random.Random,
        products: list[tuple[int, Decimal, str]],
        counts: dict[str, int],
        ids: OrderIds,
    ) -> None:
        self.session, self.rng, self.products, self.counts, self.ids = session, rng, products, counts, ids
        self.orders: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.returns: list[dict[str, Any]] = []
        self.rlines: list[dict[str, Any]] = []

    def flush(self) -> None:
        for model, rows in (
            (Order, self.orders),
            (OrderLine, self.lines),
            (Return, self.returns),
            (ReturnLine, self.rlines),
        ):
            for chunk in chunks(rows):
                bulk_insert(self.session, model, chunk)
            rows.clear()

    def add(
        self, cust: int | None, when: datetime, outlet: int, channel: int, discount_rate: float, promo: bool
    ) -> None:
        rng, ids = self.rng, self.ids
        ids.order += 1
        oid = ids.order
        total = disc = Decimal(0)
        k = 1 + min(int(rng.expovariate(0.38)), 9)  # ~3.1 lines a receipt: 10M lines for 1M customers
        my_lines = []
        for n in range(1, k + 1):
            pid, price, sku = self.products[rng.randrange(len(self.products))]
            qty = 1 if rng.random() < 0.85 else 2
            d = (price * qty * Decimal(str(discount_rate))).quantize(Decimal("0.01")) if discount_rate else Decimal(0)
            ids.line += 1
            my_lines.append(
                {
                    "id": ids.line,
                    "order_id": oid,
                    "line_no": n,
                    "product_id": pid,
                    "sku": sku,
                    "qty": qty,
                    "price": price,
                    "discount": d,
                    "amount": price * qty - d,
                }
            )
            total += price * qty
            disc += d
        self.lines.extend(my_lines)
        self.orders.append(
            {
                "id": oid,
                "source": "demo",
                "external_id": f"R{oid:09d}",
                "customer_id": cust,
                "outlet_id": outlet,
                "channel_id": channel,
                "placed_at": when,
                "status": "completed",
                "total": total,
                "discount": disc,
                "paid": total - disc,
                "promo_code": "SALE15" if promo else None,
                "points_redeemed": 0,
                "points_earned": 0,
                "created_at": when,
            }
        )
        self.counts["orders"] += 1
        self.counts["lines"] += k
        if rng.random() < 0.03:
            line = rng.choice(my_lines)
            ids.ret += 1
            back = when + timedelta(days=rng.randint(1, 14))
            self.returns.append(
                {
                    "id": ids.ret,
                    "source": "demo",
                    "external_id": f"V{ids.ret:08d}",
                    "order_id": oid,
                    "returned_at": back,
                    "amount": line["amount"],
                    "reason": "не подошёл размер",
                    "created_at": back,
                }
            )
            self.rlines.append(
                {"return_id": ids.ret, "order_line_id": line["id"], "qty": line["qty"], "amount": line["amount"]}
            )
            self.counts["returns"] += 1
        if len(self.lines) > 200_000:
            self.flush()


def shuffle_ids(people: list[DemoPerson], rng: random.Random) -> list[DemoPerson]:
    """The chunk's cards with their ids dealt out at random, so the planted duplicates (made last) sit among the
    rest instead of being the newest cards, the first page of the customer list."""
    ids = [p.id for p in people]
    dealt = dict(zip(ids, rng.sample(ids, len(ids)), strict=True))
    for p in people:
        p.id = dealt[p.id]
        if p.duplicate_of is not None:
            p.duplicate_of = dealt.get(p.duplicate_of, p.duplicate_of)
    return sorted(people, key=lambda p: p.id)


def closing_time(day: date) -> datetime:
    """The demo's last moment of ``day``: the shops close at midnight in Moscow."""
    return datetime.combine(day, time(21, 0), tzinfo=UTC)


def write_orders(
    session: Session,
    rng: random.Random,
    people: list[DemoPerson],
    products: list[tuple[int, Decimal, str]],
    by_city: dict[str | None, list[int]],
    all_stores: list[int],
    eshop_id: int,
    channels: dict[str, int],
    counts: dict[str, int],
    ids: OrderIds,
    progress: Progress | None,
    end_dt: datetime,
) -> None:
    w = OrderWriter(session, rng, products, counts, ids)
    before = counts["orders"]
    for p in people:
        rate = rng.gammavariate(0.9, 4.0) / 365.0  # purchases a day while alive; mean ~3.6 a year
        dropout = rng.betavariate(1.2, 4.0)
        discount_lover = rng.random() < 0.15
        promo_hunter = rng.random() < 0.07
        home = by_city.get(p.city) or all_stores
        online = p.source == "eshop" or rng.random() < 0.15
        t = datetime.combine(p.signup, time(rng.randint(9, 20), rng.randint(0, 59)), tzinfo=UTC)
        first = True
        while t < end_dt:
            if first or rng.random() < season(t.date()) / 1.7:
                if online and rng.random() < 0.7:
                    outlet, channel = eshop_id, channels["app" if rng.random() < 0.3 else "eshop"]
                else:
                    outlet = rng.choice(home) if rng.random() < 0.85 else rng.choice(all_stores)
                    channel = channels["store"]
                promo = (promo_hunter and rng.random() < 0.6) or rng.random() < 0.05
                lover = discount_lover and rng.random() < 0.7
                rate_d = (0.3 if promo_hunter else rng.choice((0.1, 0.15, 0.2))) if lover or promo else 0.0
                w.add(p.id, t, outlet, channel, rate_d, promo)
                first = False
                if rng.random() < dropout:
                    break
            t += timedelta(
                days=min(rng.expovariate(rate), 10_000.0) if rate > 0 else 10_000, minutes=rng.randint(0, 600)
            )
    w.flush()
    if progress:
        progress("orders", counts["orders"] - before)


def write_anonymous(
    session: Session,
    rng: random.Random,
    products: list[tuple[int, Decimal, str]],
    all_stores: list[int],
    channels: dict[str, int],
    counts: dict[str, int],
    ids: OrderIds,
    start_dt: datetime,
    end_dt: datetime,
) -> None:
    """Receipts without a card: about 18% of the chain's receipts."""
    w = OrderWriter(session, rng, products, counts, ids)
    span = (end_dt - start_dt).total_seconds()
    for _ in range(int(counts["orders"] * 0.18)):
        when = start_dt + timedelta(seconds=span * math.sqrt(rng.random()))
        w.add(None, when, rng.choice(all_stores), channels["store"], 0.0 if rng.random() < 0.9 else 0.1, False)
        counts["anonymous"] += 1
    w.flush()
