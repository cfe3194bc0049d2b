"""The demo's inbox (issue 19): on top of the demo chain and its wholesale department, two weeks of requests by
every channel land on cards (people already in the base on their own cards), most answered through their channel,
the latest waiting, some past their time."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from klientura.auth import User
from klientura.campaigns.models import OutboxMessage
from klientura.config import Settings
from klientura.conversations import Conversation, Message, sla_of
from klientura.customers import Customer
from klientura.db import make_session_factory, session_scope
from klientura.demo import build, inbox, wholesale
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
            assert {t.channel for t in talks} == {"telegram", "vk", "form", "call"}
            waiting = [t for t in talks if t.waiting_since is not None and t.status == "open"]
            assert waiting and any(t.sla_due_at is not None and t.sla_due_at < SHOP.now() for t in waiting)
            manager = s.scalar(select(User.id).where(User.email == "manager@klientura.local"))
            assert any(t.assignee_id == manager for t in waiting)  # who logs in as the manager has requests to answer
            out = s.scalar(select(func.count()).select_from(Message).where(Message.direction == "out"))
            assert out == made["answered"]
            statuses = set(s.scalars(select(OutboxMessage.status).where(OutboxMessage.source.like("conversation:%"))))
            assert statuses == {"sent"}
            new_cards = s.scalar(select(func.count()).select_from(Customer)) - cards
            assert new_cards < made["conversations"]  # known people's forms and calls landed on their cards
        factory.kw["bind"].dispose()
