"""The demo's wholesale department (issue 18), on both stores: seeded and reproducible, valid INNs, three teams under
their heads, every deal's history ending where the deal stands, won deals paid or awaiting payment, the suspicious
manager visibly so, and the sales rules still holding on what it built (a head sees their team's deals only; a new
deal goes on after the demo's ids)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from klientura.auth import actor_for_user, user_by_email
from klientura.db import make_session_factory, session_scope
from klientura.demo import build, wholesale
from klientura.kit.requisites import normalize_inn
from klientura.sales import Company, Deal, DealHistory, DealIn, DealOrder, create_deal, list_deals
from tests.conftest import fresh_store
from tests.factories import SHOP

END = date(2026, 11, 15)


def _fingerprint(url: str) -> tuple[object, ...]:
    factory = make_session_factory(url)
    with session_scope(factory) as s:
        rows = tuple(s.execute(select(Deal.status, func.count(), func.sum(Deal.amount)).group_by(Deal.status)).all())
    factory.kw["bind"].dispose()
    return rows


def test_the_wholesale_department(backend: str, tmp_path: Path) -> None:
    with fresh_store(backend, tmp_path) as url:
        factory = make_session_factory(url)
        with session_scope(factory) as s:
            build(s, end=END, customers=300, seed=7)
        with session_scope(factory) as s:
            made = wholesale(s, end=END, seed=7, deals=3000)
        assert made["companies"] == 3000 and made["deals"] == 3000 and made["leads"] == 300
        first = _fingerprint(url)
        with session_scope(factory) as s:
            for inn in s.scalars(select(Company.inn)):
                assert inn is not None and normalize_inn(inn) == inn
            last = {h.deal_id: h.to_stage_id for h in s.scalars(select(DealHistory).order_by(DealHistory.id))}
            stages = {row[0]: row[1] for row in s.execute(select(Deal.id, Deal.stage_id))}
            assert last == stages  # every history ends where its deal stands
            statuses = {row[0]: row[1] for row in s.execute(select(Deal.status, func.count()).group_by(Deal.status))}
            assert statuses["won"] > 300 and statuses["lost"] > statuses["won"] and statuses["open"] > 30
            paid = s.scalar(select(func.count()).select_from(DealOrder)) or 0
            assert 0.6 * statuses["won"] < paid < statuses["won"]  # most won deals paid, some awaiting
            head = actor_for_user(user_by_email(s, "head@klientura.local"))
            seen, _next = list_deals(s, head, limit=500)
            assert seen and {d.owner_id for d in seen} <= head.team | {head.id}
            assert len(head.team) == 6
            manager = user_by_email(s, "manager@klientura.local")
            pipeline = s.scalars(select(Deal.pipeline_id)).first()
            assert pipeline is not None
            new = create_deal(
                s,
                actor_for_user(manager),
                DealIn(pipeline_id=pipeline, title="Новая", customer={"phone": "+79990001122"}),
                SHOP,
            )
            assert new.id > 3000
        factory.kw["bind"].dispose()
    with fresh_store(backend, tmp_path / "again") as url:
        factory = make_session_factory(url)
        with session_scope(factory) as s:
            build(s, end=END, customers=300, seed=7)
        with session_scope(factory) as s:
            wholesale(s, end=END, seed=7, deals=3000)
        factory.kw["bind"].dispose()
        assert _fingerprint(url) == first  # the same seed builds the same department
