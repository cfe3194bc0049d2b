"""Task reminders (issue 18): shortly before a task is due its assignee gets one e-mail in their language, through
the e-mail channel against a real SMTP server on loopback; a busy server is tried again next round; a done task,
a far one and a deactivated assignee's get none; a reschedule arms the reminder again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import create_user
from klientura.channels import SmtpChannel, SmtpSettings
from klientura.sales import TaskIn, TaskUpdate, complete_task, create_task, update_task
from klientura.worker import remind
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
