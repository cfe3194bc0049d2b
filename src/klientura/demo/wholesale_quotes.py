"""The wholesale department's quotes: the company's template filled in, and for the deals that reached "КП
отправлено" (or a later open stage) their products from the catalogue and a proposal in PDF — most sent, a few
answered, some in a second version — made through the sales services as a manager would."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select

from klientura import catalog, sales
from klientura.audit import SYSTEM
from klientura.auth import User, actor_for_user
from klientura.db import Session
from klientura.kit.shop import Shop
from klientura.sales import Deal, LineIn, LinesIn, QuoteIn, Stage, TemplateIn

TEMPLATE = TemplateIn(
    seller="ООО «Клиентура Опт»",
    inn="7704211201",
    kpp="770401001",
    address="119021, Москва, ул. Льва Толстого, 16",
    phone="+7 495 000-00-00",
    email="opt@klientura-demo.ru",
    bank="АО «Демобанк»",
    bik="044525225",
    account="40702810400000012345",
    corr_account="30101810400000000225",
    intro="Благодарим за интерес к нашей продукции. Предлагаем поставку на следующих условиях:",
    terms="Оплата: 100% предоплата по счёту. Отгрузка со склада в Москве в течение 3 рабочих дней после оплаты.",
    signer="Петров П. П.",
    signer_position="Коммерческий директор",
    valid_days=14,
)


def quotes(session: Session, rng: random.Random, shop: Shop, docs: sales.Documents, *, count: int = 150) -> int:
    """Lines and quotes for up to ``count`` of the latest open deals at or past the quote stage; how many quotes."""
    sales.set_template(session, SYSTEM, TEMPLATE, docs)
    products = [p for p in catalog.list_products(session, limit=500) if p.price and p.price > 0]
    if not products:
        return 0
    quote_stage = select(Stage.pipeline_id, Stage.position).where(Stage.name == "КП отправлено").subquery()
    deals = session.scalars(
        select(Deal)
        .join(Stage, Stage.id == Deal.stage_id)
        .join(quote_stage, quote_stage.c.pipeline_id == Deal.pipeline_id)
        .where(Deal.status == "open", Stage.position >= quote_stage.c.position, Deal.owner_id.is_not(None))
        .order_by(Deal.id.desc())
        .limit(count)
    ).all()
    made = 0
    for deal in deals:
        owner = session.get(User, deal.owner_id)
        if owner is None:
            continue
        actor = actor_for_user(owner)
        chosen = rng.sample(products, k=min(len(products), rng.randint(2, 4)))
        share = deal.amount / len(chosen)
        lines = [
            LineIn(
                product_id=p.id,
                quantity=Decimal(max(1, round(share / p.price))),
                discount=Decimal(rng.choice((0, 0, 3, 5, 10))),
            )
            for p in chosen
            if p.price
        ]
        sales.set_lines(session, actor, deal.id, LinesIn(lines=lines, reason="спецификация к КП"))
        for version in range(2 if rng.random() < 0.2 else 1):
            quote = sales.create_quote(session, actor, deal.id, QuoteIn(), shop, docs)
            made += 1
            if rng.random() < 0.8 or version == 0:
                quote.status, quote.sent_at = "sent", shop.now()  # as if e-mailed: the demo sends no mail
        if rng.random() < 0.1:
            sales.decide_quote(session, actor, quote, rng.choice(("accepted", "declined")), shop)
    return made
