"""Build the demo retail chain into the store: seeded, reproducible, fast enough for a million cards.

Each customer gets a purchase rate (gamma across the base) and drops out after any purchase with a
probability of their own (beta across the base) — the buy-till-you-die story — with seasonal peaks
(December, 8 March, Black Friday), a home outlet, discount habits, promo purchases and returns.
Anonymous receipts and a share of planted duplicate cards with typos complete the picture.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

from klientura.audit import SYSTEM, record
from klientura.auth import create_user
from klientura.catalog import Category, Outlet, Product, SalesChannel
from klientura.customers import Consent, Customer, CustomerTag, Identity, Tag
from klientura.db import Session, bulk_insert, utcnow
from klientura.demo.catalog_data import ADJECTIVES, BRANDS, CATEGORIES, ESHOP, OUTLETS
from klientura.demo.events import write_events
from klientura.demo.loyalty import enrol
from klientura.demo.people import DemoPerson, make_duplicate, make_person, new_phone
from klientura.orders import Order, OrderLine, Return, ReturnLine

SPAN_DAYS = 1080  # about three years of history, ending on the day the demo is built
DEMO_PASSWORD = "klientura-demo"
USERS = [("admin@klientura.local", "Администратор", "admin"), ("marketer@klientura.local", "Мария Маркетолог", "marketer"),
         ("manager@klientura.local", "Максим Менеджер", "manager"), ("analyst@klientura.local", "Анна Аналитик", "analyst")]  # fmt: skip
Progress = Callable[[str, int], None]


@dataclass
class DemoSummary:
    customers: int
    duplicates: int
    orders: int
    lines: int
    anonymous: int
    returns: int
    duplicate_pairs: list[tuple[int, int]]
    events: int = 0
    never_bought: int = 0
    members: int = 0


def _season(d: date) -> float:
    m, day = d.month, d.day
    factor = {12: 1.7, 1: 0.8, 2: 1.0, 3: 1.15, 6: 0.85, 7: 0.8, 8: 0.9, 11: 1.25}.get(m, 1.0)
    if (m == 3 and 1 <= day <= 8) or (m == 2 and day >= 18):
        factor *= 1.6
    if m == 11 and 20 <= day <= 30:
        factor *= 1.6
    return factor


def _catalog(session: Session, rng: random.Random) -> list[tuple[int, Decimal, str]]:
    products: list[tuple[int, Decimal, str]] = []
    for code, (name, (lo, hi), cost_share, kinds) in CATEGORIES.items():
        cat = Category(code=code, name=name)
        session.add(cat)
        session.flush()
        for i in range(36):
            price = Decimal(round(rng.uniform(lo, hi) / 10) * 10 - 1)
            p = Product(sku=f"{code[:3].upper()}-{i + 1:04d}", name=f"{rng.choice(kinds)} {rng.choice(ADJECTIVES)}",
                        category_id=cat.id, brand=rng.choice(BRANDS), price=price,
                        cost=(price * Decimal(str(round(cost_share * rng.uniform(0.8, 1.2), 3)))).quantize(Decimal("0.01")))  # fmt: skip
            session.add(p)
            session.flush()
            products.append((p.id, price, p.sku))
    return products


def build(
    session: Session, *, end: date, customers: int = 20_000, seed: int = 42, duplicate_share: float = 0.015,
    progress: Progress | None = None,
) -> DemoSummary:  # fmt: skip
    """Write the demo chain into an empty store, its history running up to ``end`` (the day it is built: a
    dashboard's "last 30 days" then shows a working shop). Flushes; the caller commits."""
    start = end - timedelta(days=SPAN_DAYS)
    start_dt, end_dt = datetime.combine(start, time(9, 0), tzinfo=UTC), closing_time(end)
    if session.scalar(select(func.count()).select_from(Customer)):
        raise ValueError("the store already holds customers; the demo needs an empty store")
    rng = random.Random(seed)
    for email, name, role in USERS:
        create_user(session, SYSTEM, email, name, role, DEMO_PASSWORD)
    manager_id = 3
    products = _catalog(session, rng)
    outlet_ids = []
    for code, name, city in [*OUTLETS, ESHOP]:
        o = Outlet(code=code, name=name, city=city, kind="eshop" if code == "eshop" else "store")
        session.add(o)
        session.flush()
        outlet_ids.append((o.id, city))
    channels = {}
    for code, name in (("store", "Розница"), ("eshop", "Интернет-магазин"), ("app", "Мобильное приложение")):
        ch = SalesChannel(code=code, name=name)
        session.add(ch)
        session.flush()
        channels[code] = ch.id
    tags = {}
    for name in ("vip", "оптовик", "сотрудник"):
        t = Tag(name=name)
        session.add(t)
        session.flush()
        tags[name] = t.id
    eshop_id = outlet_ids[-1][0]
    by_city: dict[str | None, list[int]] = {}
    for oid, city in outlet_ids[:-1]:
        by_city.setdefault(city, []).append(oid)
    all_stores = [oid for oid, _ in outlet_ids[:-1]]

    phones: set[str] = set()
    emails: set[str] = set()
    mailboxes: set[str] = set()
    span = (end - start).days
    pairs: list[tuple[int, int]] = []
    counts = {"orders": 0, "lines": 0, "anonymous": 0, "returns": 0, "events": 0, "never_bought": 0}
    ids = _Ids()
    erng = random.Random(seed + 1)  # its own stream: events and non-buyers leave the other draws as they were
    chunk = 50_000
    for lo in range(1, customers + 1, chunk):
        hi = min(customers, lo + chunk - 1)
        n_dup = int((hi - lo + 1) * duplicate_share)
        people: list[DemoPerson] = []
        for pid in range(lo, hi - n_dup + 1):
            signup = start + timedelta(days=int(span * rng.random() ** 1.3))
            people.append(make_person(rng, pid, signup, phones, mailboxes))
        originals = len(people)
        for pid in range(hi - n_dup + 1, hi + 1):
            orig = people[rng.randrange(originals)]
            signup = min(end, orig.signup + timedelta(days=rng.randint(30, 400)))
            people.append(make_duplicate(rng, pid, orig, signup, phones))
        people = _shuffle_ids(people, random.Random(seed * 1_000_003 + lo))
        pairs += [(p.duplicate_of, p.id) for p in people if p.duplicate_of is not None]
        for p in people:
            if p.email is not None:
                if p.email in emails:
                    p.email = None
                else:
                    emails.add(p.email)
            if p.phone is None and p.email is None:
                p.phone = new_phone(rng, phones)
        _write_people(session, people, tags, manager_id, rng, progress)
        non_buyers = {p.id for p in people if erng.random() < 0.12}  # registered, never bought (yet)
        counts["never_bought"] += len(non_buyers)
        buyers = [p for p in people if p.id not in non_buyers]
        _write_orders(
            session, rng, buyers, products, by_city, all_stores, eshop_id, channels, counts, ids, progress, end_dt
        )
        counts["events"] += write_events(session, erng, people, non_buyers, end_dt)
    _write_anonymous(session, rng, products, all_stores, channels, counts, ids, start_dt, end_dt)
    _fix_sequences(session)
    points = enrol(session, random.Random(seed + 2), end_dt)
    counts["members"] = points["members"]
    record(session, SYSTEM, "demo.build", "demo", seed, None, {"customers": customers, **counts})
    return DemoSummary(customers=customers, duplicates=len(pairs), duplicate_pairs=pairs, **counts)


def _chunks(rows: list[dict[str, Any]], n: int = 20_000) -> list[list[dict[str, Any]]]:
    return [rows[i : i + n] for i in range(0, len(rows), n)]


def _write_people(session: Session, people: list[DemoPerson], tags: dict[str, int], manager_id: int,
                  rng: random.Random, progress: Progress | None) -> None:  # fmt: skip
    now = utcnow()
    crows, irows, consents, ctags = [], [], [], []
    for p in people:
        created = datetime.combine(p.signup, time(10, 0), tzinfo=UTC)
        crows.append({"id": p.id, "last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name,
                      "gender": p.gender, "birth_date": p.birth_date, "city": p.city, "timezone": "Europe/Moscow",
                      "preferred_channel": "sms" if p.phone else "email", "acquisition_source": p.source,
                      "owner_id": manager_id if rng.random() < 0.02 else None,
                      "attributes": {"demo_duplicate_of": p.duplicate_of} if p.duplicate_of else {},
                      "created_at": created, "updated_at": now})  # fmt: skip
        for kind, value in (("phone", p.phone), ("email", p.email), ("card", p.card)):
            if value:
                irows.append({"customer_id": p.id, "kind": kind, "value": value, "raw": value, "source": "demo",
                              "is_primary": True, "created_at": created})  # fmt: skip
        for ch, granted in p.consents.items():
            consents.append(
                {"customer_id": p.id, "channel": ch, "granted": granted, "source": "demo", "changed_at": created}
            )
        for t in p.tags:
            ctags.append({"customer_id": p.id, "tag_id": tags[t]})
    for model, rows in ((Customer, crows), (Identity, irows), (Consent, consents), (CustomerTag, ctags)):
        for chunk in _chunks(rows):
            bulk_insert(session, model, chunk)
            if progress and model is Customer:
                progress("customers", len(chunk))


@dataclass
class _Ids:
    order: int = 0
    line: int = 0
    ret: int = 0


class _OrderWriter:
    def __init__(self, session: Session, rng: random.Random, products: list[tuple[int, Decimal, str]],
                 counts: dict[str, int], ids: _Ids) -> None:  # fmt: skip
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
            for chunk in _chunks(rows):
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
            my_lines.append({"id": ids.line, "order_id": oid, "line_no": n, "product_id": pid, "sku": sku, "qty": qty,
                             "price": price, "discount": d, "amount": price * qty - d})  # fmt: skip
            total += price * qty
            disc += d
        self.lines.extend(my_lines)
        self.orders.append({"id": oid, "source": "demo", "external_id": f"R{oid:09d}", "customer_id": cust,
                            "outlet_id": outlet, "channel_id": channel, "placed_at": when, "status": "completed",
                            "total": total, "discount": disc, "paid": total - disc, "promo_code": "SALE15" if promo else None,
                            "points_redeemed": 0, "points_earned": 0, "created_at": when})  # fmt: skip
        self.counts["orders"] += 1
        self.counts["lines"] += k
        if rng.random() < 0.03:
            line = rng.choice(my_lines)
            ids.ret += 1
            back = when + timedelta(days=rng.randint(1, 14))
            self.returns.append({"id": ids.ret, "source": "demo", "external_id": f"V{ids.ret:08d}", "order_id": oid,
                                 "returned_at": back, "amount": line["amount"], "reason": "не подошёл размер",
                                 "created_at": back})  # fmt: skip
            self.rlines.append(
                {"return_id": ids.ret, "order_line_id": line["id"], "qty": line["qty"], "amount": line["amount"]}
            )
            self.counts["returns"] += 1
        if len(self.lines) > 200_000:
            self.flush()


def _shuffle_ids(people: list[DemoPerson], rng: random.Random) -> list[DemoPerson]:
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


def _write_orders(session: Session, rng: random.Random, people: list[DemoPerson], products: list[tuple[int, Decimal, str]],
                  by_city: dict[str | None, list[int]], all_stores: list[int], eshop_id: int, channels: dict[str, int],
                  counts: dict[str, int], ids: _Ids, progress: Progress | None, end_dt: datetime) -> None:  # fmt: skip
    w = _OrderWriter(session, rng, products, counts, ids)
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
            if first or rng.random() < _season(t.date()) / 1.7:
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


def _write_anonymous(session: Session, rng: random.Random, products: list[tuple[int, Decimal, str]],
                     all_stores: list[int], channels: dict[str, int], counts: dict[str, int], ids: _Ids,
                     start_dt: datetime, end_dt: datetime) -> None:  # fmt: skip
    """Receipts without a card: about 18% of the chain's receipts."""
    w = _OrderWriter(session, rng, products, counts, ids)
    span = (end_dt - start_dt).total_seconds()
    for _ in range(int(counts["orders"] * 0.18)):
        when = start_dt + timedelta(seconds=span * math.sqrt(rng.random()))
        w.add(None, when, rng.choice(all_stores), channels["store"], 0.0 if rng.random() < 0.9 else 0.1, False)
        counts["anonymous"] += 1
    w.flush()


def _fix_sequences(session: Session) -> None:
    """Rows were written with explicit ids; PostgreSQL's sequences must move past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("customers", "orders", "order_lines", "returns"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))")
        )
