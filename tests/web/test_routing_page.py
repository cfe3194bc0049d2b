"""Routing in Chromium (issue 19): an admin sets the rule for every request (in turn, every team), gives a manager
their own hours and marks two days away; the page shows who is on duty; a new person's request then goes to the
manager on duty (the store shows it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from klientura import sales
from klientura.audit import SYSTEM
from klientura.db import make_session_factory, session_scope, utcnow
from klientura.kit.clock import fixed_clock
from klientura.kit.shop import Shop
from klientura.kit.worktime import WorkCalendar
from tests.web.conftest import login, shot


def test_an_admin_sets_routing_and_duty(page: Any, live: dict[str, Any]) -> None:
    base, url, ids = live["base"], live["url"], live["ids"]
    login(page, base, "admin@test.local")
    page.goto(f"{base}/sales/routing")
    page.select_option("#rule-form select[name=mode]", "round_robin")
    page.click("#rule-form button")
    page.wait_for_selector("#rule-\\*")
    assert "In turn" in page.inner_text("#rule-\\*") or "По очереди" in page.inner_text("#rule-\\*")
    row = f"#duty-{ids['manager']}"
    page.fill(f"{row} input[name=hours]", "mon-sun 00:00-24:00")
    page.click(f"{row} form[action$='/duty/{ids['manager']}'] button")
    page.wait_for_selector(f"{row} .badge.launched")  # on duty at any hour now
    soon = (utcnow() + timedelta(days=3)).date()
    page.fill(f"{row} input[name=first]", soon.isoformat())
    page.fill(f"{row} input[name=last]", (soon + timedelta(days=1)).isoformat())
    page.click(f"{row} form[action$='/days-off/{ids['manager']}']:not(:has(input[name=back])) button")
    page.wait_for_selector(f"{row} .day-off")
    assert page.locator(f"{row} .day-off").count() == 2
    page.fill(f"{row} input[name=hours]", "пн-пт 9-18")  # not a working time: said, nothing saved
    page.click(f"{row} form[action$='/duty/{ids['manager']}'] button")
    page.wait_for_selector(".flash.error")
    shot(page, "sales-routing")
    with session_scope(make_session_factory(url)) as s:
        duty = s.get_one(sales.Duty, ids["manager"])
        assert (duty.hours, duty.takes_requests) == ("mon-sun 00:00-24:00", True)
        rule = s.scalars(select(sales.RoutingRule)).one()
        assert (rule.source, rule.mode, rule.team_id) == ("*", "round_robin", None)
        roster = sales.Roster(WorkCalendar.parse("mon-fri 09:00-18:00", "Europe/Moscow"))
        at = utcnow()
        shop = Shop("RU", "Europe/Moscow", "RUB", fixed_clock(at))
        data = sales.LeadIn.model_validate({"customer": {"phone": "+79169990001"}, "channel": "form"})
        owner = sales.submit_request(s, SYSTEM, data, shop, repeat_days=180, roster=roster).owner_id
        on_duty = {p.user_id for p in sales.roster(s, roster, at) if p.on_duty}
        assert owner in on_duty and ids["manager"] in on_duty
