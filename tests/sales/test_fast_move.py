"""The fast move (:mod:`klientura.sales.fast_move`) writes exactly what :func:`klientura.sales.move_deal` writes.

Twin deals, each moved through the same stages — one by the fast path, the other by the ORM path: the history
entries, the audit entries, the deals themselves and the answers must be the same but for ids and moments. Every
move the fast path does not handle falls back with nothing written (closing, reopening, the same stage, another
pipeline's stage, an archived stage, a deleted deal, a user's session); the endpoint then takes the ORM path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from klientura import asyncdb
from klientura.audit import SYSTEM, Actor, AuditEntry
from klientura.auth import SCOPES
from klientura.customers import CustomerIn
from klientura.db import make_session_factory
from klientura.sales import (
    Deal,
    DealHistory,
    DealIn,
    Fallback,
    MoveIn,
    PipelineIn,
    create_deal,
    create_pipeline,
    deal_read,
    fast_move,
    move_deal,
    read_pipeline,
    set_lost_reasons,
)
from tests.conftest import fresh_store
from tests.factories import SHOP
from tests.sales.test_pipelines import FUNNEL

KEY = Actor(type="api_key", id=7, name="api-key:1c", role="integration", scopes=frozenset(SCOPES))


@pytest.fixture
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the fast move is PostgreSQL's (SQLite takes the ORM path)")
    with fresh_store("postgresql", tmp_path) as found:
        yield found


async def _fast(url: str, deal_id: int, stage_id: int, reason: str | None = None) -> Any:
    pool = await asyncdb.open_pool(url, size=1)
    assert pool is not None
    try:
        async with asyncdb.connection(pool) as conn:
            return await fast_move(conn, KEY, deal_id, MoveIn(stage_id=stage_id, lost_reason=reason), datetime.now(UTC))
    finally:
        await pool.close()


def _rows(session: Any, deal_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    history = [
        (h.actor_id, h.actor_name, h.from_stage_id, h.to_stage_id, h.owner_id, h.amount, h.probability, h.kind)
        for h in session.scalars(select(DealHistory).where(DealHistory.deal_id == deal_id).order_by(DealHistory.id))
    ]
    audit = [
        (a.actor_type, a.actor_id, a.actor_name, a.action, a.before, a.after)
        for a in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "deal", AuditEntry.entity_id == str(deal_id))
        )
    ]
    return history, audit


def test_the_fast_move_writes_what_the_orm_path_writes(url: str) -> None:
    factory = make_session_factory(url)
    with factory() as s:
        pipeline = create_pipeline(s, SYSTEM, PipelineIn.model_validate(FUNNEL))
        other = create_pipeline(s, SYSTEM, PipelineIn.model_validate({**FUNNEL, "name": "Другая"}))
        stages = {st.name: st.id for st in read_pipeline(s, pipeline).stages}
        foreign = read_pipeline(s, other).stages[1].id
        set_lost_reasons(s, SYSTEM, ["Дорого"])
        twins = []
        for _side in ("fast", "orm"):
            made = create_deal(
                s,
                SYSTEM,
                DealIn(
                    pipeline_id=pipeline.id,
                    title="Поставка",
                    amount=Decimal("1500.50"),
                    probability=35,  # an override: the history's probability is the deal's, not the stage's
                    customer=CustomerIn(phone=f"+7916000000{len(twins)}"),
                ),
                SHOP,
            )
            twins.append(made.id)
        s.commit()
    fast, orm = twins
    answers = []
    for name in ("Переговоры", "КП отправлено", "Контакт"):
        answers.append(asyncio.run(_fast(url, fast, stages[name])))
        with factory() as s:
            answers.append(deal_read(s, move_deal(s, KEY, orm, MoveIn(stage_id=stages[name]))))
            s.commit()
    twin_fields = {"id", "customer_id", "created_at"}  # the twins' own
    for a, b in zip(answers[::2], answers[1::2], strict=True):
        assert a.model_dump(exclude=twin_fields) == b.model_dump(exclude=twin_fields)
    with factory() as s:
        assert _rows(s, fast) == _rows(s, orm)  # every history and audit entry, field by field
        a, b = s.get_one(Deal, fast), s.get_one(Deal, orm)
        assert (a.stage_id, a.status, a.amount, a.probability) == (b.stage_id, b.status, b.amount, b.probability)
        before = s.scalar(select(func.count()).select_from(DealHistory))
        touched = s.get_one(Deal, fast).updated_at
        same = asyncio.run(_fast(url, fast, stages["Контакт"]))  # the stage it is in: the deal, nothing written
        assert same.model_dump(exclude=twin_fields) == deal_read(
            s, move_deal(s, KEY, orm, MoveIn(stage_id=stages["Контакт"]))
        ).model_dump(exclude=twin_fields)
        for stage, reason in (
            (stages["Выиграна"], None),  # closing: the pipeline's roles
            (stages["Проиграна"], "Дорого"),  # lost: its reason
            (foreign, None),  # another pipeline's stage
        ):
            with pytest.raises(Fallback):
                asyncio.run(_fast(url, fast, stage, reason))
        with pytest.raises(Fallback):
            asyncio.run(_fast(url, 10**6, stages["Переговоры"]))  # no such deal
        s.expire_all()
        assert s.scalar(select(func.count()).select_from(DealHistory)) == before  # nothing written
        assert s.get_one(Deal, fast).stage_id == stages["Контакт"]
        assert s.get_one(Deal, fast).updated_at == touched
    factory.kw["bind"].dispose()


def test_a_users_session_takes_the_orm_path(url: str) -> None:
    user = Actor(type="user", id=1, name="Анна", role="admin", scopes=frozenset())

    async def attempt() -> None:
        pool = await asyncdb.open_pool(url, size=1)
        assert pool is not None
        try:
            async with asyncdb.connection(pool) as conn:
                await fast_move(conn, user, 1, MoveIn(stage_id=1), datetime.now(UTC))
        finally:
            await pool.close()

    with pytest.raises(Fallback):
        asyncio.run(attempt())
