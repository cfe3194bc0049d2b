"""Build the demo retail chain into the store: seeded, reproducible, fast enough for a million cards.

Each customer gets a purchase rate (gamma across the base) and drops out after any purchase with a
probability of their own (beta across the base) — the buy-till-you-die story — with seasonal peaks
(December, 8 March, Black Friday), a home outlet, discount habits, promo purchases and returns.
Anonymous receipts and a share of planted duplicate cards with typos complete the picture.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from klientura.audit import SYSTEM, record
from klientura.auth import create_user
from klientura.catalog import Category, Outlet, Product, SalesChannel
from klientura.customers import Consent, Customer, CustomerTag, Identity, Tag
from klientura.db import Session, bulk_insert, utcnow
from klientura.demo.catalog_data import ADJECTIVES, BRANDS, CATEGORIES, ESHOP, OUTLETS
from klientura.demo.events import write_events
from klientura.demo.loyalty import enrol
from klientura.demo.orders import (
    OrderIds,
    Progress,
    chunks,
    closing_time,
    shuffle_ids,
    write_anonymous,
    write_orders,
)
from klientura.demo.people import DemoPerson, make_duplicate, make_person, new_phone

SPAN_DAYS = 1080  # about three years of history, ending on the day the demo is built
DEMO_PASSWORD = "klientura-demo"
USERS = [
    ("admin@klientura.local", "Администратор", "admin"),
    ("marketer@klientura.local", "Мария Маркетолог", "marketer"),
    ("manager@klientura.local", "Максим Менеджер", "manager"),
    ("analyst@klientura.local", "Анна Аналитик", "analyst"),
]


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


def _catalog(session: Session, rng: random.Random) -> list[tuple[int, Decimal, str]]:
    products: list[tuple[int, Decimal, str]] = []
    for code, (name, (lo, hi), cost_share, kinds) in CATEGORIES.items():
        cat = Category(code=code, name=name)
        session.add(cat)
        session.flush()
        for i in range(36):
            price = Decimal(round(rng.uniform(lo, hi) / 10) * 10 - 1)
            p = Product(
                sku=f"{code[:3].upper()}-{i + 1:04d}",
                name=f"{rng.choice(kinds)} {rng.choice(ADJECTIVES)}",
                category_id=cat.id,
                brand=rng.choice(BRANDS),
                price=price,
                cost=(price * Decimal(str(round(cost_share * rng.uniform(0.8, 1.2), 3)))).quantize(Decimal("0.01")),
            )
            session.add(p)
            session.flush()
            products.append((p.id, price, p.sku))
    return products


def build(
    session: Session,
    *,
    end: date,
    customers: int = 20_000,
    seed: int = 42,
    duplicate_share: float = 0.015,
    progress: Progress | None = None,
) -> DemoSummary:
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
    ids = OrderIds()
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
        people = shuffle_ids(people, random.Random(seed * 1_000_003 + lo))
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
        write_orders(
            session, rng, buyers, products, by_city, all_stores, eshop_id, channels, counts, ids, progress, end_dt
        )
        counts["events"] += write_events(session, erng, people, non_buyers, end_dt)
    write_anonymous(session, rng, products, all_stores, channels, counts, ids, start_dt, end_dt)
    _fix_sequences(session)
    points = enrol(session, random.Random(seed + 2), end_dt)
    counts["members"] = points["members"]
    record(session, SYSTEM, "demo.build", "demo", seed, None, {"customers": customers, **counts})
    return DemoSummary(customers=customers, duplicates=len(pairs), duplicate_pairs=pairs, **counts)


def _write_people(
    session: Session,
    people: list[DemoPerson],
    tags: dict[str, int],
    manager_id: int,
    rng: random.Random,
    progress: Progress | None,
) -> None:
    now = utcnow()
    crows, irows, consents, ctags = [], [], [], []
    for p in people:
        created = datetime.combine(p.signup, time(10, 0), tzinfo=UTC)
        crows.append(
            {
                "id": p.id,
                "last_name": p.last_name,
                "first_name": p.first_name,
                "middle_name": p.middle_name,
                "gender": p.gender,
                "birth_date": p.birth_date,
                "city": p.city,
                "timezone": "Europe/Moscow",
                "preferred_channel": "sms" if p.phone else "email",
                "acquisition_source": p.source,
                "owner_id": manager_id if rng.random() < 0.02 else None,
                "attributes": {"demo_duplicate_of": p.duplicate_of} if p.duplicate_of else {},
                "created_at": created,
                "updated_at": now,
            }
        )
        for kind, value in (("phone", p.phone), ("email", p.email), ("card", p.card)):
            if value:
                irows.append(
                    {
                        "customer_id": p.id,
                        "kind": kind,
                        "value": value,
                        "raw": value,
                        "source": "demo",
                        "is_primary": True,
                        "created_at": created,
                    }
                )
        for ch, granted in p.consents.items():
            consents.append(
                {"customer_id": p.id, "channel": ch, "granted": granted, "source": "demo", "changed_at": created}
            )
        for t in p.tags:
            ctags.append({"customer_id": p.id, "tag_id": tags[t]})
    for model, rows in ((Customer, crows), (Identity, irows), (Consent, consents), (CustomerTag, ctags)):
        for chunk in chunks(rows):
            bulk_insert(session, model, chunk)
            if progress and model is Customer:
                progress("customers", len(chunk))


def _fix_sequences(session: Session) -> None:
    """Rows were written with explicit ids; PostgreSQL's sequences must move past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("customers", "orders", "order_lines", "returns"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))")
        )
