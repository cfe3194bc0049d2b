"""The demo's surveys: three months of NPS answers to the review request after a purchase — through the same signed
links and page code a customer uses — at every outlet, each receipt with its seller; one outlet and one seller
noticeably worse, so the report has something to find; each outlet with a manager who gets the detractors' calls."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from klientura import campaigns, catalog, conversations, orders
from klientura.auth import User
from klientura.db import Session
from klientura.kit.clock import fixed_clock
from klientura.kit.shop import Shop

SELLERS = ("Иванова", "Петров", "Смирнова", "Кузнецов", "Орлова", "Соколов", "Волкова", "Зайцев", "Морозова")
COMMENTS = {
    "bad": ("Долго ждал на кассе", "Не было нужного размера", "Продавец был невежлив", "Сломался товар через неделю"),
    "good": ("Всё понравилось!", "Отличный выбор и вежливые продавцы", "Быстро и удобно", ""),
}


def feedback(session: Session, rng: random.Random, shop: Shop, links: campaigns.Links, *, count: int = 600) -> int:
    """``count`` answers over the last 90 days of receipts; how many were given."""
    now = shop.now()
    outlets = catalog.list_outlets(session)
    managers = list(session.scalars(select(User.id).where(User.role.in_(("manager", "head"))).order_by(User.id)))
    for n, outlet in enumerate(outlets):
        if managers and outlet.manager_id is None:
            outlet.manager_id = managers[n % len(managers)]
    worse_outlet = outlets[0].id if outlets else None
    recent = list(
        session.scalars(
            select(orders.Order)
            .where(orders.Order.customer_id.is_not(None), orders.Order.placed_at >= now - timedelta(days=90))
            .where(orders.Order.status == "completed", orders.Order.outlet_id.is_not(None))  # the shops' receipts
            .order_by(orders.Order.id)
            .limit(count * 4)
        )
    )
    given = 0
    for order in rng.sample(recent, min(count, len(recent))):
        if order.staff is None:
            order.staff = SELLERS[((order.outlet_id or 0) * 3 + rng.randint(0, 2)) % len(SELLERS)]
        unhappy = 0.18 + (0.2 if order.outlet_id == worse_outlet else 0) + (0.15 if order.staff == "Зайцев" else 0)
        score = rng.randint(0, 6) if rng.random() < unhappy else rng.choice((7, 8, 8, 9, 9, 10, 10, 10))
        comment = rng.choice(COMMENTS["bad" if score <= 6 else "good"])
        at = min(order.placed_at + timedelta(days=3, hours=rng.randint(1, 30)), now)
        payload = campaigns.survey_payload("nps", order.customer_id or 0, f"order:{order.id}", "scenario:feedback")
        if at >= now - timedelta(days=14):  # lately: by the page's own code, a detractor's call-back task included
            at_then = Shop(shop.region, shop.timezone, shop.currency, fixed_clock(at))
            conversations.answer(session, at_then, links, links.sign(payload), score, comment, "ru")
        else:  # long ago: those calls were made; the answers only
            session.add(conversations.SurveyAnswer(key=payload[:200], kind="nps", customer_id=order.customer_id,
                                                   order_id=order.id, outlet_id=order.outlet_id, staff=order.staff,
                                                   source="scenario:feedback", score=score, comment=comment or None,
                                                   answered_at=at))  # fmt: skip
        given += 1
    return given
