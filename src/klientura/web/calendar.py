"""The calendar: a week or a month of tasks (a manager's, a head's team's), and each user's secret iCalendar
address that Google, Yandex or Outlook calendars subscribe to."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import icalendar
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from klientura import auth, sales
from klientura.deps import SessionDep, ShopDep
from klientura.kit.bounds import Id
from klientura.web import flash
from klientura.web.render import WebActorDep, gettext_for, page_router, render
from klientura.web.sales import assignable, user_names

router = page_router(read="sales:read", write="sales:read")
FEED_DAYS = 30  # done tasks stay in the feed this long


def _base(request: Request) -> str:
    public: str | None = request.app.state.settings.public_url
    return (public or str(request.base_url)).rstrip("/")


def _span(view: str, day: date) -> tuple[date, date]:
    """The days a week's or a month's grid shows: whole weeks from a Monday."""
    if view == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first - timedelta(days=first.weekday()), last + timedelta(days=7 - last.weekday())
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


@router.get("/sales/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    view: str = "week",
    day: date | None = None,
    user: Id | None = None,
) -> HTMLResponse:
    view = "month" if view == "month" else "week"
    today = shop.today()
    shown = day or today
    first, stop = _span(view, shown)
    people = assignable(session, actor)
    who = user if user is not None else (actor.id if len(people) <= 1 else None)
    tasks = sales.calendar_tasks(session, actor, shop.start_of(first), shop.start_of(stop), assignee_id=who)
    by_day: dict[date, list[Any]] = {}
    for task in tasks:
        by_day.setdefault(task.due_at.astimezone(shop.zone).date(), []).append(task)
    days = [first + timedelta(days=i) for i in range((stop - first).days)]
    if view == "month":
        start = shown.replace(day=1)
        previous, following = (start - timedelta(days=1)).replace(day=1), (start + timedelta(days=32)).replace(day=1)
    else:
        previous, following = shown - timedelta(days=7), shown + timedelta(days=7)
    message, kind = flash.pop(request)
    return render(
        request,
        "sales/calendar.html",
        {
            "nav": "sales",
            "view": view,
            "shown": shown,
            "today": today,
            "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
            "by_day": by_day,
            "previous": previous,
            "following": following,
            "who": who,
            "people": people,
            "users": user_names(session),
            "zone": shop.zone,
            "now": shop.now(),
            "telegram": me.telegram_chat_id if (me := auth.get_user(session, actor.id or 0)) else None,
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.post("/sales/calendar/feed")
def new_feed(request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        token = sales.issue_feed(session, actor)
        address = f"{_base(request)}/calendar/{token}.ics"
        return "/sales/calendar", _("Your calendar address (shown once; a new one replaces it): %(url)s") % {
            "url": address
        }

    return flash.perform(request, session, work, "/sales/calendar")


@router.post("/sales/calendar/telegram")
def set_telegram(
    request: Request, session: SessionDep, actor: WebActorDep, chat_id: str = Form("")
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        user = auth.set_my_telegram(session, actor, chat_id)
        said = _("Reminders go to your Telegram") if user.telegram_chat_id else _("Reminders go by e-mail")
        return "/sales/calendar#telegram", said

    return flash.perform(request, session, work, "/sales/calendar#telegram")


@router.get("/calendar/{token}.ics", openapi_extra={"x-permission": "public"})
def feed(token: str, request: Request, session: SessionDep, shop: ShopDep) -> Response:
    """The secret address itself: no session, the token is the key; an unknown one is a plain 404."""
    found = sales.feed_tasks(session, token, shop.now() - timedelta(days=FEED_DAYS))
    if found is None:
        return Response("not found\n", status_code=404, media_type="text/plain")
    name, tasks = found
    base, stamp = _base(request), shop.now()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Klientura//sales tasks//RU")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Klientura: {name}")
    for task in tasks:
        event = icalendar.Event()
        event.add("uid", f"task-{task.id}@klientura")
        event.add("dtstamp", stamp)
        event.add("dtstart", task.due_at)
        event.add("dtend", task.due_at + timedelta(minutes=task.minutes or 30))
        event.add("summary", ("✓ " if task.done_at else "") + task.title)
        lines = [task.note or "", task.result or ""]
        if task.deal_id:
            event.add("url", f"{base}/sales/deals/{task.deal_id}")
            lines.append(f"{base}/sales/deals/{task.deal_id}")
        event.add("description", "\n".join(x for x in lines if x))
        event.add("categories", [task.kind])
        cal.add_component(event)
    return Response(
        cal.to_ical(),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="klientura.ics"'},
    )
