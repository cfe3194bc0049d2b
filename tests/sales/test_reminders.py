"""Task reminders (issue 18): shortly before a task is due its assignee gets one e-mail in their language, through
the e-mail channel against a real SMTP server on loopback; a busy server is tried again next round; a done task,
a far one and a deactivated assignee's get none; a reschedule arms the reminder again; an assignee who gave their
Telegram chat gets it there (a local server plays the Bot API)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM, Actor
from klientura.auth import create_user, set_my_telegram, set_telegram
from klientura.channels import SmtpChannel, SmtpSettings, TelegramChannel, TelegramSettings
from klientura.kit.errors import Forbidden, ValidationFailed
from klientura.sales import TaskIn, TaskUpdate, complete_task, create_task, update_task
from klientura.worker import remind
from tests.channels.conftest import Peer
from tests.channels.test_smtp import Sink

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")


def test_one_reminder_per_task_in_the_assignees_language(app_session: Session, smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    ru = create_user(app_session, SYSTEM, "olga@shop.ru", "Ольга", "manager", "password123")
    en = create_user(app_session, SYSTEM, "john@shop.ru", "John", "manager", "password123", locale="en")
    busy = create_user(app_session, SYSTEM, "busy@shop.ru", "Busy", "manager", "password123")
    gone = create_user(app_session, SYSTEM, "gone@shop.ru", "Gone", "manager", "password123")

    def task(user: int, title: str, minutes: int, deal: bool = False) -> int:
        made = create_task(
            app_session, SYSTEM, TaskIn(title=title, due_at=NOW + timedelta(minutes=minutes), assignee_id=user)
        )
        return made.id

    soon = task(ru.id, "Позвонить «Ромашке»", 10)
    task(en.id, "Call Romashka", 5)
    task(busy.id, "Busy one", 5)
    task(gone.id, "Nobody's", 5)
    far = task(ru.id, "Завтра", 60 * 24)
    done = task(ru.id, "Уже сделано", 3)
    complete_task(app_session, SYSTEM, done, "готово")
    task(ru.id, "Вчерашнее", -60 * 24)  # long overdue when first seen: no reminder any more
    gone.is_active = False  # deactivated after the task was given: it waits to be delegated
    app_session.commit()
    channels = {"email": SmtpChannel(SmtpSettings(port=port, sender="crm@shop.ru"))}
    counts = remind(app_session, channels, NOW, public_url="https://crm.shop.ru", zone=MOSCOW)
    assert counts == {"sent": 2, "retry": 1, "failed": 0}
    subjects = {str(m["To"]): str(m["Subject"]) for m in sink.received}
    assert subjects == {
        "olga@shop.ru": "Напоминание: Позвонить «Ромашке» в 12:10",
        "john@shop.ru": "Reminder: Call Romashka at 12:05",
    }
    again = remind(app_session, channels, NOW + timedelta(minutes=1), public_url="", zone=MOSCOW)
    assert again == {"sent": 0, "retry": 1, "failed": 0}  # once each; the busy server's is tried again
    update_task(app_session, SYSTEM, soon, TaskUpdate(due_at=NOW + timedelta(minutes=20)))
    update_task(app_session, SYSTEM, far, TaskUpdate(title="Завтра, в силе"))
    app_session.commit()
    rearmed = remind(app_session, channels, NOW + timedelta(minutes=10), public_url="", zone=MOSCOW)
    assert rearmed["sent"] == 1 and str(sink.received[-1]["Subject"]).endswith("12:20")
    channels["email"].close()


def test_a_user_who_gave_their_telegram_chat_is_reminded_there(
    app_session: Session, smtp: tuple[Sink, int], peer: tuple[Peer, str]
) -> None:
    sink, port = smtp
    state, url = peer
    tg = create_user(app_session, SYSTEM, "tg@shop.ru", "Тимур", "manager", "password123")
    mail = create_user(app_session, SYSTEM, "mail@shop.ru", "Мария", "manager", "password123")
    set_telegram(app_session, SYSTEM, tg, " 123456789 ")
    with pytest.raises(ValidationFailed) as bad:
        set_telegram(app_session, SYSTEM, mail, "@maria")
    assert bad.value.key == "user.telegram_chat"
    for user, title in ((tg, "Встреча с «Лютиком»"), (mail, "Отправить КП")):
        create_task(app_session, SYSTEM, TaskIn(title=title, due_at=NOW + timedelta(minutes=5), assignee_id=user.id))
    app_session.commit()
    channels = {
        "email": SmtpChannel(SmtpSettings(port=port, sender="crm@shop.ru")),
        "telegram": TelegramChannel(TelegramSettings(token="1:T", base_url=url)),
    }
    assert remind(app_session, channels, NOW, public_url="", zone=MOSCOW) == {"sent": 2, "retry": 0, "failed": 0}
    (path, _headers, body), *_rest = state.requests
    assert path == "/bot1:T/sendMessage"
    sent = json.loads(body)
    assert sent["chat_id"] == "123456789" and "Встреча с «Лютиком» в 12:05" in sent["text"]
    assert [str(m["To"]) for m in sink.received] == ["mail@shop.ru"]  # the other one by e-mail
    for channel in channels.values():
        channel.close()


def test_an_api_key_has_no_telegram(app_session: Session) -> None:
    key = Actor(type="api_key", id=1, name="api-key:pos", role="integration", scopes=frozenset({"*"}))
    with pytest.raises(Forbidden) as refused:
        set_my_telegram(app_session, key, "1")
    assert refused.value.key == "user.telegram_for_users"
