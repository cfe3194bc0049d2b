"""Surveys in Chromium (issue 19): a person opens their NPS link, picks a score, writes a comment and sends it; the
head of the shop sees NPS by outlet with the interval, assigns the outlet's manager."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from klientura import campaigns, catalog
from klientura.audit import SYSTEM
from klientura.config import Settings
from klientura.conversations import SurveyAnswer
from klientura.db import make_session_factory, session_scope, utcnow
from klientura.orders import LineIn, OrderIn, ingest_order
from tests.factories import SHOP
from tests.web.conftest import login, shot


def test_a_person_answers_and_the_head_reads_nps(page: Any, live: dict[str, Any]) -> None:
    base, url, ids = live["base"], live["url"], live["ids"]
    links = campaigns.Links(base, Settings(database_url=url, secret_key="live-test").key("links"))
    with session_scope(make_session_factory(url)) as s:
        data = OrderIn(external_id="NPS-1", customer_id=None, placed_at=utcnow() - timedelta(days=3),
                       outlet="Пятницкая", staff="Соколова", lines=[LineIn(sku=None, qty=Decimal(1), price=Decimal(500))],
                       customer={"phone": "+79165550101", "first_name": "Лев"})  # type: ignore[arg-type]  # fmt: skip
        made = ingest_order(s, SYSTEM, data, shop=SHOP).order
        link = links.survey("nps", made.customer_id or 0, f"order:{made.id}", "scenario:feedback")
    page.goto(link)
    assert "Пятницкая" in page.inner_text(".survey")
    page.click("label.score:has(input[value='6'])")
    page.fill("textarea[name=comment]", "Не нашёл нужный размер")
    shot(page, "survey-answer")
    page.click("#survey-form button")
    page.wait_for_selector("text=Спасибо")
    with session_scope(make_session_factory(url)) as s:
        answer = s.scalars(select(SurveyAnswer)).one()
        assert (answer.score, answer.staff, answer.comment) == (6, "Соколова", "Не нашёл нужный размер")
        assert answer.task_id is not None  # a detractor: someone calls back
    login(page, base, "admin@test.local")
    page.goto(f"{base}/surveys")
    assert "Пятницкая" in page.inner_text("#survey-rows") and "-100" in page.inner_text("#survey-rows")
    outlet = f"#outlet-{made.outlet_id}"
    page.select_option(f"{outlet} select", str(ids["manager"]))
    page.click(f"{outlet} button")
    page.wait_for_selector("#flash")
    shot(page, "surveys-report")
    with session_scope(make_session_factory(url)) as s:
        assert s.get_one(catalog.Outlet, made.outlet_id).manager_id == ids["manager"]
