"""The fast request (:mod:`klientura.sales.fast_lead`) writes exactly what :func:`klientura.sales.submit_request`
writes.

Twin people, each sending the same requests — one twin's by the fast path, the other's by the ORM path: the cards,
identities, leads, tasks, task events, audit entries and answers must be the same but for ids, phones and moments.
Every request the fast path does not take falls back with nothing written: a recently won deal (a repeat deal is
the ORM path's), a value the card lacks, an identity of another card, a key already answered, a user's session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from klientura import asyncdb
from klientura.audit import SYSTEM, Actor, AuditEntry
from klientura.auth import SCOPES, IdempotencyRecord, create_user
from klientura.customers import Customer, Identity
from klientura.db import make_session_factory, utcnow
from klientura.sales import (
    CompanyIn,
    ContactIn,
    Deal,
    DealIn,
    Fallback,
    Lead,
    LeadIn,
    LeadOutcome,
    MoveIn,
    PipelineIn,
    Task,
    TaskEvent,
    add_contact,
    create_company,
    create_deal,
    create_pipeline,
    fast_lead,
    move_deal,
    read_pipeline,
    submit_request,
)
from tests.conftest import fresh_store
from tests.factories import SHOP
from tests.sales.test_pipelines import FUNNEL

KEY = Actor(type="api_key", id=7, name="api-key:1c", role="integration", scopes=frozenset(SCOPES))
DAYS = 180


@pytest.fixture
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the fast request is PostgreSQL's (SQLite takes the ORM path)")
    with fresh_store("postgresql", tmp_path) as found:
        yield found


def _fast(url: str, data: LeadIn, idem: tuple[str, str] | None = None) -> LeadOutcome:
    async def run() -> LeadOutcome:
        pool = await asyncdb.open_pool(url, size=1)
        assert pool is not None
        try:
            async with asyncdb.connection(pool) as conn:
                return await fast_lead(conn, KEY, data, shop=SHOP, repeat_days=DAYS, idem=idem)
        finally:
            await pool.close()

    return asyncio.run(run())


def _orm(factory: Any, data: LeadIn) -> LeadOutcome:
    with factory() as s:
        out = submit_request(s, KEY, data, SHOP, repeat_days=DAYS)
        s.commit()
    return out


def _request(phone: str, **extra: Any) -> LeadIn:
    return LeadIn.model_validate(
        {"customer": {"phone": phone, **extra}, "channel": "form", "text": " Пришлите  прайс ", "utm_source": "ya"}
    )


def _card(s: Any, customer_id: int, deal: int | None) -> dict[str, Any]:
    """What the requests wrote about one person, their own ids and phone replaced by what they stand for."""
    leads = list(s.scalars(select(Lead).where(Lead.customer_id == customer_id).order_by(Lead.id)))
    names = {lead.id: f"lead{n}" for n, lead in enumerate(leads)} | {deal: "deal", None: None}
    tasks = list(s.scalars(select(Task).where(Task.customer_id == customer_id).order_by(Task.id)))
    events = [
        (e.actor_id, e.actor_name, e.kind, e.from_user_id, e.to_user_id, e.due_at is not None, e.note)
        for t in tasks
        for e in s.scalars(select(TaskEvent).where(TaskEvent.task_id == t.id).order_by(TaskEvent.id))
    ]
    customer = s.get_one(Customer, customer_id)
    phone = customer.identities[0].value

    def plain(value: Any) -> Any:
        return (
            {k: names.get(v, v) if k == "deal_id" else plain(v) for k, v in value.items()}
            if isinstance(value, dict)
            else ([plain(v) for v in value] if isinstance(value, list) else value)
        )

    audits = [
        (a.actor_type, a.actor_id, a.actor_name, a.action, a.entity, plain(a.before), plain(a.after))
        for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        if (a.entity == "lead" and int(a.entity_id) in {lead.id for lead in leads})
        or (a.entity == "customer" and a.entity_id == str(customer_id))
    ]
    return {
        "card": (customer.last_name, customer.first_name, customer.owner_id, customer.attributes, customer.city),
        "identities": [(i.kind, i.value == phone, i.raw.replace(phone, "P"), i.source) for i in customer.identities],
        "leads": [
            (
                lead.company_id,
                lead.channel,
                lead.text,
                lead.source,
                lead.utm_source,
                lead.status,
                lead.outcome,
                names[lead.parent_id],
                names[lead.deal_id],
                lead.owner_id,
                lead.closed_at is None,
            )
            for lead in leads
        ],
        "tasks": [
            (t.kind, t.title, t.assignee_id, t.due_at is not None, names[t.lead_id], names[t.deal_id], t.created_by_id)
            for t in tasks
        ],
        "events": events,
        "audits": [(*a[:5], a[5], {k: v for k, v in (a[6] or {}).items() if k != "identities"}) for a in audits],
    }


def _same(a: LeadOutcome, b: LeadOutcome) -> None:
    assert (a.outcome, a.customer_created, a.owner_id, a.task_id is None, a.parent_lead_id is None) == (
        b.outcome,
        b.customer_created,
        b.owner_id,
        b.task_id is None,
        b.parent_lead_id is None,
    )


def test_the_fast_request_writes_what_the_orm_path_writes(url: str) -> None:
    factory = make_session_factory(url)
    with factory() as s:
        manager = create_user(s, SYSTEM, "m@test.local", "Мария", "manager", "password123").id
        other = create_user(s, SYSTEM, "o@test.local", "Олег", "manager", "password123").id
        pipeline = create_pipeline(s, SYSTEM, PipelineIn.model_validate(FUNNEL)).id
        s.commit()
    phones = {"fast": "+79160000001", "orm": "+79160000002"}
    deals: dict[str, int | None] = {"fast": None, "orm": None}
    ids: dict[str, int] = {}
    rounds: list[tuple[LeadOutcome, LeadOutcome]] = []

    def both(**extra: Any) -> None:
        a = _fast(url, _request(phones["fast"], **extra))
        b = _orm(factory, _request(phones["orm"], **extra))
        ids["fast"], ids["orm"] = a.customer_id, b.customer_id
        rounds.append((a, b))

    both()  # new people: a card and a lead, nobody's (an integration's)
    both()  # again: joined to the open lead
    with factory() as s:  # their cards given to a manager: the next request is routed to her, with a task
        s.execute(update(Customer).where(Customer.id.in_(ids.values())).values(owner_id=manager))
        s.execute(update(Lead).where(Lead.customer_id.in_(ids.values())).values(status="closed"))
        s.commit()
    both()  # a new lead for the card's owner, her task
    both(full_name="")  # joined again: the parent's owner's task
    with factory() as s:  # a company they are contacts of has an open deal (its own customer none), and each an own
        for side in ("fast", "orm"):
            company, _ = create_company(s, SYSTEM, CompanyIn(name=f"ООО Ромашка {side}"), SHOP)
            add_contact(s, SYSTEM, company.id, ContactIn(customer_id=ids[side]), SHOP)
            theirs = DealIn(pipeline_id=pipeline, title="Общая", company_id=company.id, owner_id=manager)
            create_deal(s, SYSTEM, theirs, SHOP)
            mine = DealIn(pipeline_id=pipeline, title="Своя", customer_id=ids[side], owner_id=other, amount=Decimal(9))
            deals[side] = create_deal(s, SYSTEM, mine, SHOP).id
        s.commit()
    both()  # attached to the person's own open deal (not the company's), a task for its owner
    for a, b in rounds:
        _same(a, b)
    assert [a.outcome for a, _ in rounds] == ["lead", "joined", "lead", "joined", "attached"]
    assert rounds[-1][0].deal_id == deals["fast"] and rounds[-1][0].owner_id == other
    with factory() as s:
        fast, orm = _card(s, ids["fast"], deals["fast"]), _card(s, ids["orm"], deals["orm"])
        assert fast["audits"] == orm["audits"], (fast["audits"], orm["audits"])
        assert fast == orm
        assert len(fast["tasks"]) == 3 and len(fast["leads"]) == 5
        assert s.scalar(select(func.count()).select_from(Customer)) == 2  # never a second card
    factory.kw["bind"].dispose()


def test_what_the_fast_path_does_not_take_falls_back_with_nothing_written(url: str) -> None:
    factory = make_session_factory(url)
    with factory() as s:
        pipeline = read_pipeline(s, create_pipeline(s, SYSTEM, PipelineIn.model_validate(FUNNEL)))
        won_stage = next(st.id for st in pipeline.stages if st.kind == "won")
        s.commit()
    known = _fast(url, _request("+79161111111", first_name="Анна"))
    assert known.customer_created and known.outcome == "lead"
    _fast(url, _request("+79162222222"))

    def counts() -> tuple[int, ...]:
        with factory() as s:
            return tuple(
                s.scalar(select(func.count()).select_from(t)) or 0
                for t in (Customer, Identity, Lead, Task, AuditEntry, IdempotencyRecord, Deal)
            )

    before = counts()
    for data in (
        _request("+79161111111", first_name="Ольга"),  # a value the card has otherwise: kept aside by the ORM path
        _request("+79162222222", first_name="Ольга"),  # a value the card lacks: filled by the ORM path
        _request("+79161111111", email="new@test.local"),  # an identity to add to the card
        LeadIn.model_validate(
            {"customer": {"phone": "+79161111111", "email": "x@test.local"}, "channel": "form"}
        ),  # new identity again, other order
        LeadIn.model_validate({"customer_id": known.customer_id, "channel": "call"}),  # a card by id
        LeadIn.model_validate({"customer": {"phone": "+79163333333", "tags": ["vip"]}, "channel": "form"}),
        LeadIn.model_validate({"customer": {"phone": "8 (916) 12"}, "channel": "form"}),  # the ORM path words it
    ):
        with pytest.raises(Fallback):
            _fast(url, data)
    assert counts() == before
    keyed = _fast(url, _request("+79161111111"), idem=("k-1", "d" * 64))  # an Idempotency-Key's answer kept
    with factory() as s:
        stored = s.get_one(IdempotencyRecord, (f"{KEY.type}:{KEY.id}", "k-1"))
        assert (stored.status_code, stored.request_hash, stored.body) == (201, "d" * 64, keyed.model_dump(mode="json"))
    before = counts()
    with pytest.raises(Fallback):  # answered already: the ORM path replays it
        _fast(url, _request("+79161111111"), idem=("k-1", "d" * 64))
    with pytest.raises(Fallback):  # the same key for a new person: no card made either (the ORM path refuses it)
        _fast(url, _request("+79166666666"), idem=("k-1", "e" * 64))
    assert counts() == before
    with factory() as s:  # a deal won lately: the request opens a repeat deal, the ORM path's work
        deal = create_deal(
            s, SYSTEM, DealIn(pipeline_id=pipeline.id, title="Было", customer_id=known.customer_id), SHOP
        )
        move_deal(s, SYSTEM, deal.id, MoveIn(stage_id=won_stage))
        s.commit()
        before = counts()
    with pytest.raises(Fallback):
        _fast(url, _request("+79161111111"))
    assert counts() == before
    with factory() as s:  # won long ago: no repeat deal, the fast path joins the open lead
        s.execute(update(Deal).values(closed_at=utcnow() - timedelta(days=DAYS + 10)))
        s.commit()
    assert _fast(url, _request("+79161111111")).outcome == "joined"
    factory.kw["bind"].dispose()


def test_one_new_person_twice_at_once_is_one_card(url: str) -> None:
    async def run() -> list[Any]:
        pool = await asyncdb.open_pool(url, size=2)
        assert pool is not None

        async def one() -> Any:
            try:
                async with asyncdb.connection(pool) as conn:
                    return await fast_lead(conn, KEY, _request("+79164444444"), shop=SHOP, repeat_days=DAYS)
            except (Fallback, asyncdb.Duplicate) as exc:
                return exc

        try:
            return list(await asyncio.gather(one(), one()))
        finally:
            await pool.close()

    for _ in range(5):
        results = asyncio.run(run())
        made = [r for r in results if isinstance(r, LeadOutcome)]
        assert made  # at least one through; a loser wrote nothing and the endpoint would take the ORM path
    factory = make_session_factory(url)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 1
        open_leads = s.scalar(select(func.count()).select_from(Lead).where(Lead.status == "open"))
        assert open_leads == 1  # the others joined it: the card's lock made them take turns
    factory.kw["bind"].dispose()


def test_a_users_session_takes_the_orm_path(url: str) -> None:
    user = Actor(type="user", id=1, name="Анна", role="admin", scopes=frozenset(SCOPES))

    async def attempt() -> None:
        pool = await asyncdb.open_pool(url, size=1)
        assert pool is not None
        try:
            async with asyncdb.connection(pool) as conn:
                await fast_lead(conn, user, _request("+79165555555"), shop=SHOP, repeat_days=DAYS)
        finally:
            await pool.close()

    with pytest.raises(Fallback):
        asyncio.run(attempt())
