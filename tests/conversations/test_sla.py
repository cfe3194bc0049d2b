"""First-response time (issue 19): counted in the shop's working minutes from the message that started the wait,
cleared by the answer, shown as about to be missed and missed, and escalated once — to the head of the manager's
team, or to every head of sales when nobody has the conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import create_team, create_user
from klientura.conversations import Inbound, Sla, escalate, receive, reply, urgency
from klientura.customers import CustomerIn, prepare, resolve
from klientura.kit.clock import fixed_clock
from klientura.kit.shop import Shop
from klientura.kit.worktime import WorkCalendar
from klientura.sales import Task

MSK = ZoneInfo("Europe/Moscow")
SLA = Sla(WorkCalendar.parse("mon-fri 09:00-18:00", "Europe/Moscow"), {"telegram": 15, "form": 60})


def _at(*args: int) -> Shop:
    return Shop("RU", "Europe/Moscow", "RUB", fixed_clock(datetime(*args, tzinfo=MSK).astimezone(UTC)))


def _message(session: Session, shop: Shop, chat: int, update: int) -> Inbound:
    inbound = Inbound(channel="telegram", peer=str(chat), provider_id=str(update), text="Добрый вечер",
                      identities={"telegram": str(chat)}, lead_channel="message")  # fmt: skip
    receive(session, shop, inbound, repeat_days=180, sla=SLA)
    return inbound


def test_the_answer_is_due_in_working_minutes_and_the_reply_clears_it(session: Session) -> None:
    from klientura.conversations import Conversation

    friday_evening = _at(2026, 12, 4, 17, 55)
    _message(session, friday_evening, 1, 1)
    talk = session.scalars(select(Conversation).where(Conversation.peer == "1")).one()
    assert talk.sla_due_at == datetime(2026, 12, 7, 9, 10, tzinfo=MSK)  # Monday, ten minutes after opening
    _message(session, _at(2026, 12, 5, 11, 0), 1, 2)  # more from the person: the wait began on Friday
    assert talk.sla_due_at == datetime(2026, 12, 7, 9, 10, tzinfo=MSK)
    assert urgency(talk, datetime(2026, 12, 7, 9, 0, tzinfo=MSK), SLA) is None  # ten working minutes left of 15
    assert urgency(talk, datetime(2026, 12, 7, 9, 8, tzinfo=MSK), SLA) == "soon"  # the last fifth
    assert urgency(talk, datetime(2026, 12, 7, 9, 11, tzinfo=MSK), SLA) == "missed"
    reply(session, SYSTEM, talk.id, "Здравствуйте! Отвечаем", datetime(2026, 12, 7, 9, 5, tzinfo=MSK))
    assert (talk.waiting_since, talk.sla_due_at, urgency(talk, datetime(2026, 12, 8, tzinfo=MSK), SLA)) == (
        None,
        None,
        None,
    )


def test_a_late_answer_is_escalated_once_to_the_head_of_the_team(session: Session) -> None:
    from klientura.conversations import Conversation

    head = create_user(session, SYSTEM, "head@sla.local", "Глава", "head", "password123")
    manager = create_user(session, SYSTEM, "m@sla.local", "Менеджер", "manager", "password123")
    other_head = create_user(session, SYSTEM, "head2@sla.local", "Глава 2", "head", "password123")
    team = create_team(session, SYSTEM, "Опт", head.id)
    manager.team_id = team.id
    resolve(session, SYSTEM, prepare(CustomerIn(telegram="2", owner_id=manager.id), shop=_at(2026, 12, 7, 9, 0)))
    monday = _at(2026, 12, 7, 10, 0)
    _message(session, monday, 2, 10)  # the card's owner: the manager
    _message(session, monday, 3, 11)  # nobody's
    late = datetime(2026, 12, 7, 10, 16, tzinfo=MSK)
    assert escalate(session, late - timedelta(minutes=2), locale="ru") == 0  # not yet
    assert escalate(session, late, locale="ru") == 2
    assert escalate(session, late + timedelta(hours=1), locale="ru") == 0  # once
    mine = session.scalars(select(Conversation).where(Conversation.peer == "2")).one()
    tasks = {(t.assignee_id, t.customer_id) for t in session.scalars(select(Task).where(Task.title.like("%telegram%")))}
    nobodys = session.scalars(select(Conversation).where(Conversation.peer == "3")).one()
    assert tasks == {(head.id, mine.customer_id), (head.id, nobodys.customer_id), (other_head.id, nobodys.customer_id)}
    title = session.scalars(
        select(Task.title).where(Task.customer_id == mine.customer_id, Task.assignee_id == head.id)
    ).first()
    assert title is not None and f"№{mine.id}" in title and "telegram" in title  # in the shop's language


def test_a_message_out_of_hours_is_answered_with_when_to_expect_an_answer(session: Session) -> None:
    from klientura.campaigns.models import OutboxMessage
    from klientura.conversations import Conversation, Message

    away = Sla(SLA.calendar, SLA.minutes, locale="ru", away=True)
    inbound = Inbound(channel="telegram", peer="77", provider_id="u-77", text="Вы работаете?",
                      identities={"telegram": "77"}, lead_channel="message")  # fmt: skip
    receive(session, _at(2026, 12, 5, 22, 0), inbound, repeat_days=180, sla=away)  # Saturday night
    again = Inbound(**{**inbound.__dict__, "provider_id": "u-78", "text": "Алло?"})
    receive(session, _at(2026, 12, 5, 22, 5), again, repeat_days=180, sla=away)  # the same wait: once
    talk = session.scalars(select(Conversation).where(Conversation.peer == "77")).one()
    texts = [(m.direction, m.text) for m in session.scalars(select(Message).where(Message.conversation_id == talk.id))]
    assert [d for d, _t in texts] == ["in", "out", "in"]
    assert "понедельник, 7 декабря, 09:00" in texts[1][1]
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"conversation:{talk.id}")).one()
    assert (sent.channel, sent.to) == ("telegram", "77")
    assert talk.waiting_since is not None and talk.first_reply_at is None  # an automatic answer is not the answer
    receive(session, _at(2026, 12, 7, 10, 0), Inbound(**{**inbound.__dict__, "provider_id": "u-79"}), repeat_days=180,
            sla=away)  # fmt: skip
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"conversation:{talk.id}")).all() == [
        sent
    ]
