"""Eighteen months of the wholesale department's deals, simulated: each deal steps through its pipeline's stages at
a pace and rate of its own (some skip a stage, some are lost and a few reopened), its history written as it
happened; won deals are paid by an order of their customer (or still awaiting payment); open deals have their next
step planned (some overdue, some none); recent requests wait as leads. Three managers game their numbers the ways
heads of sales know: one closes deals as won that are never paid, one reopens lost deals to keep a full pipeline,
one sets every probability to 90 %."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import func, select

from klientura.catalog import Product
from klientura.db import Session, bulk_insert
from klientura.demo.wholesale import LOST_REASONS, SPAN_DAYS, Department
from klientura.orders import Order, OrderLine
from klientura.sales import Deal, DealHistory, DealOrder, Lead, Task

MEDIAN = {"Опт": 180_000, "Монтаж и сервис": 60_000, "Тендеры": 900_000}
SHARE = {"Опт": 0.7, "Монтаж и сервис": 0.22, "Тендеры": 0.08}
ADVANCE = {"Опт": 0.74, "Монтаж и сервис": 0.8, "Тендеры": 0.62}  # the chance a deal goes on from each stage
WIN = {"Опт": 0.55, "Монтаж и сервис": 0.65, "Тендеры": 0.3}  # at the last open stage
TITLES = {
    "Опт": ("Поставка чая", "Поставка кофе", "Посуда для сети", "Поставка сиропов", "Квартальный контракт"),
    "Монтаж и сервис": ("Монтаж оборудования", "Сервисный договор", "Ремонт кофемашин", "Установка стоек"),
    "Тендеры": ("Тендер на поставку", "Конкурс 44-ФЗ", "Запрос котировок"),
}


@dataclass
class _Rows:
    deals: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    lots: list[tuple[int, str, Decimal]] = field(default_factory=list)  # the goods invoiced: product, sku, price


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(6, 14), rng.randint(0, 59)), tzinfo=UTC)  # 9:00-17:59 Moscow


def simulate(
    session: Session, rng: random.Random, dept: Department, *, end: date, count: int = 25_000
) -> dict[str, int]:
    """Write the deals with their history, tasks, paying orders and the recent leads; the counts."""
    ids = {
        "deal": _next(session, Deal),
        "history": _next(session, DealHistory),
        "task": _next(session, Task),
        "order": _next(session, Order),
        "line": _next(session, OrderLine),
        "lead": _next(session, Lead),
    }
    rows = _Rows()
    # the catalogue's dearer goods, sold by the lot: an invoice's line carries the goods' cost, so its margin is not
    # its whole revenue
    lots = select(Product.id, Product.sku, Product.price).where(Product.cost.is_not(None), Product.price > 0)
    found = session.execute(lots.order_by(Product.price.desc()).limit(40))
    rows.lots = [(pid, sku, price) for pid, sku, price in found if price is not None]
    start = end - timedelta(days=SPAN_DAYS)
    now = datetime.combine(end, time(15), tzinfo=UTC)
    names = list(SHARE)
    for n in range(count):
        name = rng.choices(names, [SHARE[x] for x in names])[0]
        company, owner, cards = rng.choice(dept.companies)
        team = dept.teams[name]
        if owner not in team or rng.random() < 0.1:
            owner = rng.choice(team)
        created = start + timedelta(days=int(SPAN_DAYS * rng.random() ** 0.85))
        _deal(rng, dept, rows, ids, name, company, rng.choice(cards), owner, created, now, n)
    for model, batch in (
        (Deal, rows.deals),
        (DealHistory, rows.history),
        (Task, rows.tasks),
        (Order, rows.orders),
        (OrderLine, rows.lines),
        (DealOrder, rows.links),
    ):
        for lo in range(0, len(batch), 5000):
            bulk_insert(session, model, batch[lo : lo + 5000])
    _leads(session, rng, dept, rows, ids, now)
    return {k: len(getattr(rows, k)) for k in ("deals", "history", "tasks", "orders", "leads")}


def _next(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def _deal(
    rng: random.Random,
    dept: Department,
    rows: _Rows,
    ids: dict[str, int],
    name: str,
    company: int,
    card: int,
    owner: int,
    created: date,
    now: datetime,
    n: int,
) -> None:
    stages = dept.pipelines[name]
    open_ids = [stages[s] for s in stages if s not in ("id", "won", "lost", "Выиграна", "Проиграна")]
    deal_id = ids["deal"] + n
    amount = Decimal(int(rng.lognormvariate(0, 0.7) * MEDIAN[name] / 100) * 100 + 100)
    optimist = owner == dept.suspicious["optimist"]
    t = _at(created, rng)
    history: list[tuple[datetime, int | None, int, str | None, str]] = [(t, None, open_ids[0], None, "create")]
    at, status, lost_from, reason = 0, "open", 0, None
    reopened = False
    pace = rng.lognormvariate(1.6, 0.9)  # days a stage takes: most a few, some deals stall for weeks
    if owner == dept.suspicious["dumps"] and rng.random() < 0.25:  # thrown away minutes after it came, "other"
        status, reason = "lost", "Другое"
        history.append((t + timedelta(minutes=rng.randint(1, 8)), open_ids[0], stages["lost"], reason, "move"))
        pace = 10_000.0  # and never looked at again
    elif owner == dept.suspicious["unpaid"] and rng.random() < 0.15:  # a win typed in: no stage passed, never paid
        status = "won"
        history.append((t + timedelta(hours=rng.uniform(1, 30)), open_ids[0], stages["won"], None, "move"))
    while True:
        step = t + timedelta(days=rng.expovariate(1 / pace), hours=rng.uniform(0, 6))
        if step >= now:
            break
        t = step
        if status == "lost":  # a few lost deals are reopened; one manager does it by habit
            habit = owner == dept.suspicious["reopens"]
            if reopened or rng.random() > (0.5 if habit else 0.04):
                break
            reopened, status, at = True, "open", lost_from
            history.append((t, stages["lost"], open_ids[at], None, "move"))
            continue
        if status == "won" and owner == dept.suspicious["reopens"] and rng.random() < 0.25:
            again = t + timedelta(days=rng.uniform(1, 5))  # the same sale counted twice: reopened, won again
            if again < now:
                history.append((t, stages["won"], open_ids[at], None, "move"))
                history.append((again, open_ids[at], stages["won"], None, "move"))
            break
        if status != "open":
            break
        last = at == len(open_ids) - 1
        go_on = rng.random() < (WIN[name] if last else ADVANCE[name])
        if go_on and last:
            status = "won"
            history.append((t, open_ids[at], stages["won"], None, "move"))
        elif go_on:
            nxt = min(at + (2 if rng.random() < 0.1 else 1), len(open_ids) - 1)  # some skip a stage
            history.append((t, open_ids[at], open_ids[nxt], None, "move"))
            at = nxt
        else:
            status, lost_from, reason = "lost", at, rng.choice(LOST_REASONS)
            history.append((t, open_ids[at], stages["lost"], reason, "move"))
    stage = stages["won"] if status == "won" else stages["lost"] if status == "lost" else open_ids[at]
    probability = 90 if optimist and status == "open" else None
    closed = history[-1][0] if status != "open" else None
    rows.deals.append(
        {
            "id": deal_id,
            "pipeline_id": stages["id"],
            "stage_id": stage,
            "status": status,
            "title": rng.choice(TITLES[name]),
            "customer_id": card,
            "company_id": company,
            "amount": amount,
            "probability": probability,
            "expected_close": (history[-1][0] + timedelta(days=rng.randint(7, 45))).date()
            if status == "open"
            else None,
            "owner_id": owner,
            **_source(rng, name),
            "lost_reason": reason if status == "lost" else None,
            "created_at": history[0][0],
            "updated_at": history[-1][0],
            "closed_at": closed,
        }
    )
    for when, frm, to, why, kind in history:
        _history(rows, ids, deal_id, when, frm, to, why, kind, owner, amount, dept.probabilities[to])
    if probability is not None:
        _history(rows, ids, deal_id, history[-1][0], stage, stage, None, "probability", owner, amount, probability)
    if status == "won" and closed is not None:
        _paid(rng, dept, rows, ids, deal_id, card, amount, closed, now, owner)
    if status == "open":
        _next_step(rng, rows, ids, deal_id, card, owner, now)


CAMPAIGNS = {"Опт": ("опт-поиск", "опт-рся"), "Монтаж и сервис": ("монтаж-поиск",), "Тендеры": ("опт-поиск",)}


def _source(rng: random.Random, pipeline: str) -> dict[str, str | None]:
    """Where the deal came from: Yandex Direct's deals carry the campaign's UTM tags (the ad spend is per campaign)."""
    source = rng.choice(("Сайт", "Звонок", "Выставка", "Рекомендация", "Яндекс.Директ"))
    if source != "Яндекс.Директ":
        return {"source": source, "utm_source": None, "utm_campaign": None}
    return {"source": source, "utm_source": "yandex", "utm_campaign": rng.choice(CAMPAIGNS[pipeline])}


def _history(
    rows: _Rows,
    ids: dict[str, int],
    deal_id: int,
    when: datetime,
    frm: int | None,
    to: int,
    why: str | None,
    kind: str,
    owner: int,
    amount: Decimal,
    probability: int,
) -> None:
    rows.history.append(
        {
            "id": ids["history"] + len(rows.history),
            "deal_id": deal_id,
            "at": when,
            "actor_id": owner,
            "actor_name": "demo",
            "from_stage_id": frm,
            "to_stage_id": to,
            "owner_id": owner,
            "amount": amount,
            "probability": probability,
            "reason": why,
            "kind": kind,
        }
    )


def _paid(
    rng: random.Random,
    dept: Department,
    rows: _Rows,
    ids: dict[str, int],
    deal_id: int,
    card: int,
    amount: Decimal,
    won: datetime,
    now: datetime,
    owner: int,
) -> None:
    """Most won deals are paid within three weeks; one manager's mostly never are."""
    pays = 0.35 if owner == dept.suspicious["unpaid"] else 0.93
    placed = won + timedelta(days=rng.expovariate(1 / 6))
    if rng.random() > pays or placed >= now:
        return
    order_id = ids["order"] + len(rows.orders)
    rows.orders.append(
        {
            "id": order_id,
            "source": "b2b",
            "external_id": f"INV-{deal_id}",
            "customer_id": card,
            "channel_id": dept.channel_id,
            "placed_at": placed,
            "status": "completed",
            "total": amount,
            "discount": Decimal(0),
            "paid": amount,
            "points_redeemed": 0,
            "points_earned": 0,
            "created_at": placed,
        }
    )
    rows.links.append({"order_id": order_id, "deal_id": deal_id, "linked_at": placed, "linked_by": "demo"})
    if rows.lots:
        product, sku, price = rng.choice(rows.lots)
        qty = max(1, round(amount / price))
        each = (amount / qty).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
        rows.lines.append({"id": ids["line"] + len(rows.lines), "order_id": order_id, "line_no": 1, "product_id": product,
                           "sku": sku, "qty": Decimal(qty), "price": each, "discount": each * qty - amount,
                           "amount": amount})  # fmt: skip


def _next_step(
    rng: random.Random, rows: _Rows, ids: dict[str, int], deal_id: int, card: int, owner: int, now: datetime
) -> None:
    """Three open deals in four have their next step planned; some of those are overdue."""
    if rng.random() < 0.25:
        return
    due = now + timedelta(days=rng.uniform(-4, 8))
    kind = rng.choice(("call", "call", "meeting", "email"))
    title = {"call": "Позвонить по КП", "meeting": "Встреча у клиента", "email": "Отправить договор"}[kind]
    rows.tasks.append(
        {
            "id": ids["task"] + len(rows.tasks),
            "kind": kind,
            "title": title,
            "assignee_id": owner,
            "due_at": due.replace(minute=0, second=0, microsecond=0),
            "minutes": 60 if kind == "meeting" else None,
            "deal_id": deal_id,
            "customer_id": card,
            "created_by_id": owner,
            "created_at": now - timedelta(days=rng.uniform(1, 10)),
            "reminded_at": now if due < now else None,
        }
    )


def _leads(
    session: Session, rng: random.Random, dept: Department, rows: _Rows, ids: dict[str, int], now: datetime
) -> None:
    """The last weeks' requests: waiting to be handed out or qualified, or closed as junk."""
    for i in range(300):
        company, owner, cards = rng.choice(dept.companies)
        created = now - timedelta(days=rng.expovariate(1 / 9), hours=rng.uniform(0, 8))
        junk = rng.random() < 0.2 and created < now - timedelta(days=3)
        rows.leads.append(
            {
                "id": ids["lead"] + i,
                "customer_id": rng.choice(cards),
                "company_id": company,
                "channel": rng.choice(("form", "call", "email", "message")),
                "text": rng.choice(("Нужен прайс на опт", "Пришлите КП", "Интересует монтаж", "Перезвоните")),
                "source": rng.choice(("Сайт", "Звонок", "Яндекс.Директ")),
                "utm_source": "yandex" if rng.random() < 0.4 else None,
                "status": "closed" if junk else "open",
                "outcome": "lead",
                "owner_id": owner if rng.random() < 0.6 else None,
                "close_reason": "junk" if junk else None,
                "created_at": created,
                "closed_at": created + timedelta(hours=2) if junk else None,
            }
        )
    bulk_insert(session, Lead, rows.leads)
