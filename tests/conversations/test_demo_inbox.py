"""The demo's inbox (issue 19): on top of the demo chain and its wholesale department, two weeks of requests by
every channel land on cards (people already in the base on their own cards), most answered through their channel,
the latest waiting, some past their time."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from klientura import campaigns
from klientura.audit import SYSTEM
from klientura.auth import User
from klientura.campaigns.models import OutboxMessage
from klientura.config import Settings
from klientura.conversations import Conversation, Message, SurveyAnswer, sla_of, survey_report
from klientura.customers import Customer
from klientura.db import make_session_factory, session_scope
from klientura.demo import build, feedback, inbox, wholesale
from tests.conftest import fresh_store
from tests.factories import SHOP


def test_the_demo_inbox(backend: str, tmp_path: Path) -> None:
    with fresh_store(backend, tmp_path) as url:
        factory = make_session_factory(url)
        with session_scope(factory) as s:
            build(s, end=date(2026, 11, 30), customers=200, seed=7)
        with session_scope(factory) as s:
            wholesale(s, end=date(2026, 11, 30), seed=7, deals=300)
        with session_scope(factory) as s:
            cards = s.scalar(select(func.count()).select_from(Customer))
            sla = sla_of(Settings(away_answer=False))
            made = inbox(s, random.Random(3), SHOP, sla, count=120)
        with session_scope(factory) as s:
            talks = list(s.scalars(select(Conversation)))
            assert made["conversations"] == len(talks) or made["conversations"] > len(talks)  # some join one
            assert 60 <= made["conversations"] <= 120 and made["answered"] >= 20 and made["closed"] >= 5
            assert {t.channel for t in talks} == {"telegram", "vk", "form", "call", "email"}
            waiting = [t for t in talks if t.waiting_since is not None and t.status == "open"]
            assert waiting and any(t.sla_due_at is not None and t.sla_due_at < SHOP.now() for t in waiting)
            manager = s.scalar(select(User.id).where(User.email == "manager@klientura.local"))
            assert any(t.assignee_id == manager for t in waiting)  # who logs in as the manager has requests to answer
            said = [m.data for m in s.scalars(select(Message).where(Message.direction == "out"))]
            assert sum(1 for d in said if not d.get("bot")) == made["answered"]
            assert any(d.get("bot") for d in said)  # the Telegram bot answered what its rules cover
            statuses = set(s.scalars(select(OutboxMessage.status).where(OutboxMessage.source.like("conversation:%"))))
            assert statuses == {"sent"}
            new_cards = s.scalar(select(func.count()).select_from(Customer)) - cards
            assert new_cards < made["conversations"]  # known people's forms and calls landed on their cards
        with session_scope(factory) as s:
            links = campaigns.Links("http://127.0.0.1:8000", "demo")
            given = feedback(s, random.Random(5), SHOP, links, count=80)  # at most one a receipt of the last 90 days
            assert 30 <= given <= 80
        with session_scope(factory) as s:
            answers = list(s.scalars(select(SurveyAnswer)))
            assert len(answers) == given and all(a.staff and a.outlet_id for a in answers)
            recent = [a for a in answers if a.answered_at >= SHOP.now() - timedelta(days=14)]
            assert all((a.task_id is not None) == (a.score <= 6) for a in recent)  # the late ones' calls are made
            assert all(a.task_id is None for a in answers if a not in recent)
            total, rows = survey_report(s, SYSTEM, "nps", "outlet", start=SHOP.now() - timedelta(days=120),
                                        end=SHOP.now() + timedelta(days=1), zone=SHOP.zone)  # fmt: skip
            assert total.answers == given and len(rows) >= 2
        factory.kw["bind"].dispose()
