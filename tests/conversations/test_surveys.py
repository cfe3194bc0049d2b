"""Surveys (issue 19): the review request carries the person's NPS link; the link opens a page without login (a
score in the address only preselects: nothing is written by the GET), the answer is kept with the order, outlet
and staff member, answering again changes it, a detractor's answer makes one call-back task for the outlet's
manager; a forged link is a 404, a score off the scale a 422 with nothing written. The report's NPS and CSAT by
outlet, staff member and month against hand-counted figures and a second computation."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import campaigns, catalog, conversations
from klientura.audit import SYSTEM
from klientura.auth import create_user
from klientura.campaigns import OutboxMessage
from klientura.conversations import SurveyAnswer
from klientura.orders import LineIn, Order, OrderIn, ingest_order
from klientura.sales import Task
from tests import factories
from tests.factories import SHOP

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _order(session: Session, customer_id: int, outlet: str, staff: str, at: datetime = T0) -> int:
    data = OrderIn(external_id=f"S-{factories.sequence()}", customer_id=customer_id, placed_at=at, outlet=outlet,
                   staff=staff, lines=[LineIn(sku=None, qty=Decimal(1), price=Decimal("990"))])  # fmt: skip
    return ingest_order(session, SYSTEM, data, shop=SHOP).order.id


@pytest.fixture
def web(app_factory: Any) -> Any:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        yield client


def _links(web: TestClient) -> campaigns.Links:
    return campaigns.Links("http://testserver", web.app.state.settings.key("links"))  # type: ignore[attr-defined]


def _count(session: Session, table: Any) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_the_review_requests_link_is_answered_without_login(web: TestClient, app_session: Session) -> None:
    links = _links(web)
    manager = create_user(app_session, SYSTEM, "tver@test.local", "Управляющая Тверской", "manager", "password123")
    buyer = factories.customer(app_session, first_name="Анна", email="anna@example.com", consents={"email": True})
    order_id = _order(app_session, buyer, "Тверская", "Кассир Петров")
    outlet = app_session.scalars(select(catalog.Outlet).where(catalog.Outlet.name == "Тверская")).one()
    catalog.set_outlet_manager(app_session, SYSTEM, outlet.id, manager.id)
    campaigns.update_scenario(app_session, SYSTEM, "feedback", {"enabled": True, "holdout_share": 0, "delay_hours": 0,
                              "quiet_from": None, "quiet_until": None}, T0 - timedelta(hours=1))  # fmt: skip
    sending = campaigns.Sending(links, "Europe/Moscow", "ru", "RUB")
    campaigns.run_scenarios(app_session, T0 + timedelta(hours=1), sending)
    (queued,) = app_session.scalars(select(OutboxMessage).where(OutboxMessage.source == "scenario:feedback"))
    text = campaigns.compose(app_session, queued, links, {}).text  # the ready text has the link now
    app_session.commit()
    url = re.search(r"http://testserver(/survey/\S+)", text)
    assert url is not None, text
    path = url[1]

    page = web.get(path + "?score=3")
    assert page.status_code == 200 and "Тверская" in page.text and 'value="3" required checked' in page.text
    assert _count(app_session, SurveyAnswer) == 0  # a GET writes nothing
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    refused = web.post(path, data={"score": "11", "comment": "", "csrf_token": token})
    assert refused.status_code == 422 and _count(app_session, SurveyAnswer) == 0
    sent = web.post(path, data={"score": "3", "comment": "Долго ждала на кассе", "csrf_token": token})
    assert sent.status_code == 200 and "Спасибо" in sent.text
    answer = app_session.scalars(select(SurveyAnswer)).one()
    assert (answer.kind, answer.score, answer.order_id, answer.outlet_id, answer.staff, answer.source) == (
        "nps",
        3,
        order_id,
        outlet.id,
        "Кассир Петров",
        "scenario:feedback",
    )
    task = app_session.get_one(Task, answer.task_id)
    assert task.assignee_id == manager.id and task.customer_id == buyer and task.note == "Долго ждала на кассе"
    again = web.post(path, data={"score": "9", "comment": "Перезвонили, всё решили", "csrf_token": token})
    assert again.status_code == 200
    app_session.expire_all()
    answer = app_session.scalars(select(SurveyAnswer)).one()  # one per link: changed
    assert (answer.score, answer.comment) == (9, "Перезвонили, всё решили") and _count(app_session, Task) == 1
    assert "Изменить ответ" in web.get(path).text or "Change my answer" in web.get(path).text
    forged = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert (
        web.get(forged).status_code == 404
        and web.post(forged, data={"score": "5", "csrf_token": token}).status_code == 404
    )
    sample = web.get("/survey/" + campaigns.SAMPLE)
    assert sample.status_code == 200 and _count(app_session, SurveyAnswer) == 1


def _nps_second(scores: list[int]) -> tuple[float, float, float]:
    """A second computation, written apart: NPS as the mean of +1/0/−1 per answer, its adjusted-Wald interval from
    the weighted mean and variance of the answers with ¾ promoter, 1½ passive and ¾ detractor added."""
    values = [1 if s >= 9 else (-1 if s <= 6 else 0) for s in scores]
    weighted = [(v, 1.0) for v in values] + [(1, 0.75), (0, 1.5), (-1, 0.75)]
    total = sum(w for _v, w in weighted)
    mean = sum(v * w for v, w in weighted) / total
    variance = sum(w * (v - mean) ** 2 for v, w in weighted) / total
    half = 1.96 * math.sqrt(variance / total)
    plain = sum(values) / len(values)
    return round(100 * plain, 1), round(100 * max(-1, mean - half), 1), round(100 * min(1, mean + half), 1)


def test_the_report_against_hand_counts(session: Session) -> None:
    a = factories.customer(session, email="a@example.com")
    answers = [  # (kind, score, outlet, staff, month)
        *[("nps", s, "Ленина", "Иванова", 10) for s in (10, 9, 8, 6, 0)],
        *[("nps", s, "Тверская", "Петров", 11) for s in (9, 9, 10)],
        *[("csat", s, "Ленина", "Иванова", 11) for s in (5, 4, 3, 2, 1)],
    ]
    for n, (kind, score, outlet, staff, month) in enumerate(answers):
        order = _order(session, a, outlet, staff, datetime(2026, month, 10, 9, tzinfo=UTC))
        row = session.get_one(Order, order)
        session.add(SurveyAnswer(key=f"k{n}", kind=kind, customer_id=a, order_id=order, outlet_id=row.outlet_id,
                                 staff=staff, score=score, answered_at=datetime(2026, month, 10, 9, tzinfo=UTC)))  # fmt: skip
    session.flush()
    zone = ZoneInfo("Europe/Moscow")
    span = {"start": datetime(2026, 10, 1, tzinfo=UTC), "end": datetime(2026, 12, 1, tzinfo=UTC), "zone": zone}
    total, by_outlet = conversations.survey_report(session, SYSTEM, "nps", "outlet", **span)
    # Ленина: promoters 10, 9; detractors 6, 0 → NPS 0; adjusted: p = d = 2.75 / 8 → √(0.6875 / 8) = 0.2932
    # → ±57.5. Тверская: three promoters → NPS 100; adjusted p = 3.75 / 6, d = 0.75 / 6 → 50 ± 56.6 → −6.6 … 100
    # (not "100 ± 0"). All eight: P 5, D 2 → 37.5
    assert [(r.key, r.answers, r.promoters, r.passives, r.detractors, r.score, r.low, r.high) for r in by_outlet] == [
        ("Ленина", 5, 2, 1, 2, 0.0, -57.5, 57.5), ("Тверская", 3, 3, 0, 0, 100.0, -6.6, 100.0)]  # fmt: skip
    assert (total.answers, total.score) == (8, 37.5)
    for r, scores in zip(by_outlet, ([10, 9, 8, 6, 0], [9, 9, 10]), strict=True):
        assert (r.score, r.low, r.high) == _nps_second(scores)
    assert (total.score, total.low, total.high) == _nps_second([10, 9, 8, 6, 0, 9, 9, 10])
    _total, months = conversations.survey_report(session, SYSTEM, "nps", "month", **span)
    assert [(r.key, r.answers) for r in months] == [("2026-10", 5), ("2026-11", 3)]
    total, staff = conversations.survey_report(session, SYSTEM, "csat", "staff", **span)
    # CSAT: satisfied 5 and 4 of five → 40 %; Agresti–Coull: (2 + 1.92) / 8.84 = 0.4435 ± 1.96·0.1671 → 11.6 … 77.1
    assert [(r.key, r.score, r.low, r.high) for r in staff] == [("Иванова", 40.0, 11.6, 77.1)]


def test_the_report_over_the_api(api: TestClient, app_session: Session) -> None:
    a = factories.customer(app_session, email="b@example.com")
    for n, score in enumerate((10, 3)):
        app_session.add(SurveyAnswer(key=f"api{n}", kind="nps", customer_id=a, score=score, staff="Орлова",
                                     answered_at=datetime.now(UTC) - timedelta(days=1)))  # fmt: skip
    app_session.commit()
    got = api.get("/api/v1/surveys/report", params={"by": "staff"}).json()
    assert got["total"]["answers"] == 2 and got["total"]["score"] == 0.0
    assert [(r["key"], r["promoters"], r["detractors"]) for r in got["rows"]] == [("Орлова", 1, 1)]
    assert api.get("/api/v1/surveys/report", params={"kind": "x"}).status_code == 422
