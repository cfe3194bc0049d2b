"""The rule-based bot (issue 19): on for Telegram, a new conversation starts with it; a keyword's rule answers
(«доставк» matches «доставку»), the first answer asks a person without a phone for it once, a number they send is
added to their card with thanks, nobody waits for a manager while the bot answers; "оператор" — or a message no rule
answers — hands over: the bot says so and is quiet from then on, and the first-response clock runs. Off, or a
conversation begun before it was on: the bot says nothing. The rules and settings are an admin's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, Actor
from klientura.auth import SCOPES
from klientura.campaigns import OutboxMessage
from klientura.conversations import Inbound, Message, Sla, receive
from klientura.conversations import bot as bots
from klientura.customers import Identity
from klientura.kit.errors import KlienturaError
from klientura.kit.worktime import WorkCalendar
from tests.factories import NOW, SHOP

SLA = Sla(WorkCalendar.parse("mon-sun 00:00-24:00", "Europe/Moscow"), {"telegram": 15}, locale="ru", away=True)
n = iter(range(1, 10_000))


def _say(session: Session, text: str, chat: int = 7001) -> Any:
    update = next(n)
    inbound = Inbound(channel="telegram", peer=str(chat), provider_id=f"b{update}", text=text,
                      identities={"telegram": str(chat)}, lead_channel="message")  # fmt: skip
    talk, _m, _o = receive(session, SHOP, inbound, repeat_days=180, sla=SLA)
    session.flush()
    return talk


def _answers(session: Session, talk_id: int) -> list[str]:
    return [m.text for m in session.scalars(select(Message).where(Message.conversation_id == talk_id,
                                                                  Message.direction == "out").order_by(Message.id))]  # fmt: skip


@pytest.fixture
def bot(session: Session) -> None:
    bots.set_bot(session, SYSTEM, "telegram", enabled=True, ask_phone=True, handover_words=[], handover_text="",
                 phone_text="")  # fmt: skip
    bots.add_rule(session, SYSTEM, "*", ["доставк", "привез"], "Доставляем за 1–2 дня, по Москве бесплатно от 3000 ₽.")
    bots.add_rule(session, SYSTEM, "telegram", ["часы работы", "когда открыт"], "Мы открыты с 10 до 21 каждый день.")


def test_the_bot_answers_asks_the_phone_and_hands_over(session: Session, bot: None) -> None:
    talk = _say(session, "Здравствуйте! Сколько стоит доставку сделать?")
    assert talk.bot_state == "asked" and talk.waiting_since is None and talk.sla_due_at is None
    assert _answers(session, talk.id) == ["Доставляем за 1–2 дня, по Москве бесплатно от 3000 ₽.\n\n" + bots.PHONE_TEXT]
    _say(session, "Мой номер 8 916 555-44-33")
    phones = session.scalars(select(Identity.value).where(Identity.customer_id == talk.customer_id,
                                                          Identity.kind == "phone")).all()  # fmt: skip
    assert phones == ["+79165554433"] and _answers(session, talk.id)[-1] == bots.THANKS_TEXT
    _say(session, "А когда открыты в субботу?")  # a phrase: its words begin the message's words
    assert _answers(session, talk.id)[-1] == "Мы открыты с 10 до 21 каждый день."  # no second ask for the phone
    assert talk.waiting_since is None
    _say(session, "Позовите оператора, пожалуйста")
    assert talk.bot_state == "human" and talk.waiting_since == NOW and talk.sla_due_at == NOW + timedelta(minutes=15)
    assert _answers(session, talk.id)[-1] == bots.HANDOVER_TEXT
    before = len(_answers(session, talk.id))
    _say(session, "Доставка в Химки есть?")  # handed over: the bot is quiet, a person answers
    assert len(_answers(session, talk.id)) == before and talk.bot_state == "human"
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"conversation:{talk.id}")).all()
    assert len(sent) == before and {m.channel for m in sent} == {"telegram"}


def test_no_rule_hands_over_and_an_old_conversation_stays_with_people(session: Session, bot: None) -> None:
    talk = _say(session, "Хочу вернуть товар", chat=7002)
    assert talk.bot_state == "human" and _answers(session, talk.id) == [bots.HANDOVER_TEXT]
    assert talk.waiting_since == NOW
    bots.set_bot(session, SYSTEM, "telegram", enabled=False, ask_phone=True, handover_words=[], handover_text="",
                 phone_text="")  # fmt: skip
    quiet = _say(session, "Про доставку вопрос", chat=7003)
    assert quiet.bot_state is None and _answers(session, quiet.id) == []


def test_keywords_and_settings(session: Session) -> None:
    said = bots.words("Ёлки, ДОСТАВКУ привезёте?")
    assert said == ["елки", "доставку", "привезете"]
    assert bots.matches("доставк", said) and bots.matches("Привез", said) and not bots.matches("доставка", said)
    assert bots.matches("елки доставк", said) and not bots.matches("доставк елки", said)
    manager = Actor(type="user", id=5, name="m", role="manager", scopes=frozenset(SCOPES))
    with pytest.raises(KlienturaError):
        bots.add_rule(session, manager, "*", ["цена"], "Смотрите прайс")
    with pytest.raises(KlienturaError) as empty:
        bots.add_rule(session, SYSTEM, "*", ["  ", "!!"], "Ответ")
    assert empty.value.code.key == "bot.rule_empty"


def test_a_head_sees_who_wrote_in_an_unassigned_conversation(session: Session) -> None:
    from klientura import customers
    from klientura.auth import create_user
    from klientura.conversations import inbox, people_of

    head = create_user(session, SYSTEM, "head@t.local", "Head", "head", "password123")
    inbound = Inbound(channel="telegram", peer="8101", provider_id="h1", text="Здравствуйте",
                      identities={"telegram": "8101", "first_name": "Нина", "last_name": "Белова"},
                      lead_channel="message")  # fmt: skip
    receive(session, SHOP, inbound, repeat_days=180, sla=None)
    actor = Actor(type="user", id=head.id, name="head", role="head", scopes=frozenset(SCOPES))
    talks = inbox(session, actor, "unassigned")
    assert len(talks) == 1 and talks[0].assignee_id is None
    assert customers.names_of(session, actor, [talks[0].customer_id]) == {}  # the card is nobody's yet
    assert people_of(session, actor, talks) == {talks[0].customer_id: "Белова Нина"}


def test_handing_a_conversation_out_hands_its_request_with_it(session: Session) -> None:
    """Issue 20: a request nobody had goes to whom its conversation is given (the managers' figures credit it to
    them); a request deleted meanwhile does not stop the conversation being handed out."""
    from klientura.auth import create_user
    from klientura.conversations import assign
    from klientura.sales import Lead, delete_lead

    seller = create_user(session, SYSTEM, "seller@t.local", "Seller", "manager", "password123")
    first = receive(session, SHOP, Inbound(channel="telegram", peer="8201", provider_id="a1", text="Есть доставка?",
                                           identities={"telegram": "8201"}, lead_channel="message"),
                    repeat_days=180, sla=None)[0]  # fmt: skip
    assert first.lead_id is not None and session.get_one(Lead, first.lead_id).owner_id is None
    assign(session, SYSTEM, first.id, seller.id)
    assert session.get_one(Lead, first.lead_id).owner_id == seller.id
    second = receive(session, SHOP, Inbound(channel="telegram", peer="8202", provider_id="a2", text="Цена?",
                                            identities={"telegram": "8202"}, lead_channel="message"),
                     repeat_days=180, sla=None)[0]  # fmt: skip
    assert second.lead_id is not None
    delete_lead(session, SYSTEM, second.lead_id)
    assert assign(session, SYSTEM, second.id, seller.id).assignee_id == seller.id
