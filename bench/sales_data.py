"""A store full of deals for the sales benchmarks: 15 managers, a pipeline of five open stages (and won, lost),
1,000 companies, ``deals`` deals spread over the stages (``open_share`` of them open), written with the store's
fastest insert (COPY on PostgreSQL)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text

SOURCES = ("Сайт", "Звонок", "Выставка", "Рекомендация", "Яндекс.Директ", "Авито", "Партнёр")
WORDS = ("Поставка", "Чай", "Кофе", "Посуда", "Сиропы", "Контракт", "Монтаж", "Сервис", "Тендер", "Квартал")


def seed(url: str, deals: int, *, open_share: float = 1.0, seed_: int = 18) -> dict[str, Any]:
    """Fill the migrated store at ``url``; the ids the benchmarks need."""
    from klientura.audit import SYSTEM
    from klientura.auth import SCOPES
    from klientura.auth.service import create_api_key, create_user
    from klientura.db import insert_rows, make_session_factory
    from klientura.sales import Company, Deal, PipelineIn, create_pipeline, read_pipeline, set_lost_reasons

    rng = random.Random(seed_)
    factory = make_session_factory(url)
    with factory() as s:
        admin = create_user(s, SYSTEM, "admin@bench.local", "Админ", "admin", "password123")
        managers = [
            create_user(s, SYSTEM, f"m{i}@bench.local", f"Менеджер {i}", "manager", "password123").id for i in range(15)
        ]
        stages = [{"name": n, "probability": p} for n, p in (("A", 10), ("B", 20), ("C", 40), ("D", 60), ("E", 80))]
        stages += [{"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}]
        pipeline = create_pipeline(s, SYSTEM, PipelineIn.model_validate({"name": "Опт", "stages": stages}))
        read = read_pipeline(s, pipeline)
        set_lost_reasons(s, SYSTEM, ["Дорого"])
        _k, key = create_api_key(s, SYSTEM, "bench", list(SCOPES))
        made = datetime(2025, 1, 1, tzinfo=UTC)
        insert_rows(
            s,
            Company,
            ("id", "name", "owner_id", "created_at", "updated_at"),
            [(i, f"ООО Компания {i}", rng.choice(managers), made, made) for i in range(1, 1001)],
        )
        s.commit()
        open_ids = [st.id for st in read.stages if st.kind == "open"]
        won = next(st.id for st in read.stages if st.kind == "won")
        lost = next(st.id for st in read.stages if st.kind == "lost")
        start = datetime(2025, 1, 1, tzinfo=UTC)
        cols = ("id", "pipeline_id", "stage_id", "status", "title", "company_id", "amount", "owner_id", "source")
        cols += ("created_at", "updated_at")
        batch: list[tuple[Any, ...]] = []
        for i in range(1, deals + 1):
            r = rng.random()
            stage, status = (
                (rng.choice(open_ids), "open")
                if r < open_share
                else ((won, "won") if r < open_share + (1 - open_share) / 3 else (lost, "lost"))
            )
            at = start + timedelta(minutes=i)
            title = f"{rng.choice(WORDS)} {rng.choice(WORDS).lower()} №{i}"
            amount = Decimal(int(rng.lognormvariate(11, 1)) // 100 * 100 + 100)
            batch.append(
                (
                    i,
                    pipeline.id,
                    stage,
                    status,
                    title,
                    rng.randint(1, 1000),
                    amount,
                    rng.choice(managers),
                    rng.choice(SOURCES),
                    at,
                    at,
                )
            )
            if len(batch) == 50_000:
                insert_rows(s, Deal, cols, batch)
                batch = []
        insert_rows(s, Deal, cols, batch)
        s.commit()
        if url.startswith("postgresql"):
            s.execute(text("SELECT setval(pg_get_serial_sequence('deals', 'id'), (SELECT max(id) FROM deals))"))
            s.execute(text("SELECT setval(pg_get_serial_sequence('companies', 'id'), 1000)"))
            s.commit()
    factory.kw["bind"].dispose()
    return {"pipeline": pipeline.id, "open_stages": open_ids, "managers": managers, "admin": admin.id, "key": key}
