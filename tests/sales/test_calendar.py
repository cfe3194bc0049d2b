"""The calendar feed (issue 18): a user's secret iCalendar address lists their tasks for Google, Yandex or Outlook;
a new address turns the old one off; a deactivated user's feed answers nothing; a week's calendar shows a manager
their tasks and a head their team's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import actor_for_user, create_team, create_user, set_active, set_team, user_by_email
from klientura.sales import TaskIn, calendar_tasks, create_task, issue_feed


def test_the_feed_lists_a_users_tasks_and_a_new_address_turns_the_old_off(
    client: TestClient, app_session: Session, users: dict[str, int]
) -> None:
    manager = user_by_email(app_session, "manager@test.local")
    me = actor_for_user(manager)
    due = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    create_task(
        app_session, me, TaskIn(kind="meeting", title="Встреча; с «Ромашкой», обсудить КП", due_at=due, minutes=90)
    )
    other = actor_for_user(user_by_email(app_session, "manager2@test.local"))
    create_task(app_session, other, TaskIn(title="Чужая задача", due_at=due))
    token = issue_feed(app_session, me)
    app_session.commit()
    r = client.get(f"/calendar/{token}.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Встреча; с «Ромашкой», обсудить КП"]  # escaped, read back whole
    assert events[0].decoded("dtstart") == due and events[0].decoded("dtend") == due + timedelta(minutes=90)
    again = issue_feed(app_session, me)
    app_session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{again}.ics").status_code == 200
    set_active(app_session, SYSTEM, manager, False, datetime.now(UTC))
    app_session.commit()
    assert client.get(f"/calendar/{again}.ics").status_code == 404
    assert client.get("/calendar/short.ics").status_code == 404


def test_a_week_shows_a_manager_theirs_and_a_head_their_teams(app_session: Session, users: dict[str, int]) -> None:
    head = create_user(app_session, SYSTEM, "head@test.local", "Head", "head", "password123")
    team = create_team(app_session, SYSTEM, "Опт", head.id)
    set_team(app_session, SYSTEM, team.id, head_id=head.id, members=[users["manager"]])
    m2 = user_by_email(app_session, "manager2@test.local")
    due = datetime(2026, 12, 2, 12, tzinfo=UTC)
    for user, title in ((users["manager"], "Моя"), (m2.id, "Чужая")):
        create_task(app_session, SYSTEM, TaskIn(title=title, due_at=due, assignee_id=user))
    week = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC))
    manager = actor_for_user(user_by_email(app_session, "manager@test.local"))
    assert [t.title for t in calendar_tasks(app_session, manager, *week)] == ["Моя"]
    assert [t.title for t in calendar_tasks(app_session, actor_for_user(head), *week)] == ["Моя"]
    assert sorted(t.title for t in calendar_tasks(app_session, SYSTEM, *week)) == ["Моя", "Чужая"]
    assert calendar_tasks(app_session, manager, week[1], week[1] + timedelta(days=7)) == []
