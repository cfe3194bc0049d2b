"""The demo retail chain and its wholesale department: a reproducible base for trying Klientura and for benchmarks."""

import random
from datetime import date

from klientura.auth import user_by_email
from klientura.db import Session
from klientura.demo.ad_spend import ad_spend
from klientura.demo.build import DEMO_PASSWORD, USERS, DemoSummary, build
from klientura.demo.feedback import feedback
from klientura.demo.inbox import inbox
from klientura.demo.marketing import history as marketing_history
from klientura.demo.wholesale import HEADS, build_department, fix_sequences
from klientura.demo.wholesale_deals import simulate
from klientura.demo.wholesale_quotes import quotes
from klientura.kit.shop import Shop
from klientura.sales import Documents

__all__ = [
    "DEMO_PASSWORD",
    "HEADS",
    "USERS",
    "DemoSummary",
    "ad_spend",
    "build",
    "build_department",
    "feedback",
    "fix_sequences",
    "inbox",
    "marketing_history",
    "simulate",
    "wholesale",
]


def wholesale(
    session: Session,
    *,
    end: date,
    seed: int = 42,
    deals: int = 25_000,
    docs: Documents | None = None,
    shop: Shop | None = None,
) -> dict[str, int]:
    """The demo's wholesale department into a store holding the demo chain (its manager joins the first team);
    with ``docs`` and ``shop``, the latest deals at the quote stage get their products and quotes in PDF."""
    manager = user_by_email(session, "manager@klientura.local").id
    rng = random.Random(seed + 18)
    department = build_department(session, rng, end=end, password=DEMO_PASSWORD, manager_id=manager)
    counts = simulate(session, rng, department, end=end, count=deals)
    fix_sequences(session)
    made = quotes(session, rng, shop, docs) if docs is not None and shop is not None else 0
    return {"companies": len(department.companies), **counts, "quotes": made}
