"""Campaign pages in Chromium on a small demo chain: the wizard refusing a broken template with the reason, then
saving; a customer's preview; a test send; the launch with its plan and progress; a week later the report with the
target against the control group and its chart; the list and the global control group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from klientura.audit import SYSTEM
from klientura.campaigns import Campaign, OutboxMessage, Recipient, Scenario, ScenarioEntry
from klientura.config import Settings
from klientura.customers import Customer
from klientura.db import make_session_factory, session_scope
from klientura.demo import build
from klientura.migrations import upgrade
from klientura.orders import LineIn, OrderIn, ingest_order
from tests import factories
from tests.factories import SHOP
from tests.web.conftest import serving, shot
from tests.web.test_loyalty_pages import login

pytestmark = pytest.mark.browser

DEMO_END = date(2026, 11, 15)  # the day the demo's history ends (it is built on that day)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("campaigns")
    url = f"sqlite:///{folder / 'chain.db'}"
    upgrade(url)
    with session_scope(make_session_factory(url)) as s:
        build(s, end=DEMO_END, customers=400, seed=5)
        ids = list(s.scalars(select(Customer.id).where(Customer.merged_into_id.is_(None)).order_by(Customer.id)))[:300]
        factories.static_segment(s, ids, "Постоянные")
    settings = Settings(database_url=url, secret_key="campaign-test", upload_dir=folder / "uploads")
    with serving(settings) as base:
        yield {"base": base, "url": url, "ids": ids}


def test_a_campaign_from_the_wizard_to_its_report(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "marketer@klientura.local")
    page.goto(f"{base}/campaigns")
    page.click("#new-campaign")
    page.fill("input[name=name]", "Чай к зиме")
    page.select_option("select[name=segment_id]", label="Постоянные (300)")
    page.fill("input[name=a_subject]", "{{ name }}, чай к зиме")
    page.fill("textarea[name=a_text]", "{{ nmae }}, у нас новый чай")
    page.fill("textarea[name=a_html]", "<p>{{ name }}, у нас <a href='https://shop.example.ru/tea'>новый чай</a></p>")
    page.fill("textarea[name=b_text]", "Новый чай для вас, {{ name }}")
    page.fill("input[name=holdout]", "30")
    page.click("#save-campaign")
    error = page.inner_text(".flash.error")
    assert error.startswith("вариант A, текст: поля 'nmae' нет"), error  # the reason in Russian, naming the variant
    assert page.input_value("input[name=name]") == "Чай к зиме"  # nothing typed is lost
    page.fill("textarea[name=a_text]", "{{ name }}, у нас новый чай")
    shot(page, "campaign-new")
    page.click("#save-campaign")
    page.wait_for_url(f"{base}/campaigns/*")
    campaign_id = int(page.url.rsplit("/", 1)[1])

    someone = live["ids"][0]
    page.fill("#preview input[name=customer_id]", str(someone))
    page.select_option("#preview select[name=variant]", "A")
    page.click("#show-preview")
    page.wait_for_selector("#preview-text")
    assert "у нас новый чай" in page.inner_text("#preview-text")
    page.fill("#test-send input[name=customer_id]", str(someone))
    page.fill("#test-send input[name=to]", "me@shop.example.ru")
    page.click("#test-send button")
    assert "me@shop.example.ru" in page.inner_text(".flash")

    page.click("#launch")
    assert "Запущена" in page.inner_text(".flash") or "Launched" in page.inner_text(".flash")
    plan = page.inner_text("#plan")
    assert "300" in plan
    assert "ожида" in page.inner_text("#progress") or "waiting" in page.inner_text("#progress")

    # a week passes: the campaign went out a week ago, a few of each group bought since
    with session_scope(make_session_factory(live["url"])) as s:
        launched = datetime.now(UTC) - timedelta(days=8)
        s.execute(update(Campaign).where(Campaign.id == campaign_id).values(launched_at=launched))
        s.execute(update(OutboxMessage).where(OutboxMessage.source == f"campaign:{campaign_id}").values(status="sent"))
        groups = dict(
            s.execute(select(Recipient.customer_id, Recipient.grp).where(Recipient.campaign_id == campaign_id)).all()
        )
        target = [c for c, g in groups.items() if g == "target"][:12]
        control = [c for c, g in groups.items() if g == "control"][:3]
        for n, cid in enumerate(target + control):
            ingest_order(
                s,
                SYSTEM,
                OrderIn(
                    external_id=f"W-{campaign_id}-{n}",
                    customer_id=cid,
                    outlet="Москва",
                    placed_at=launched + timedelta(days=1 + n % 5),
                    lines=[LineIn(sku="TEA-1", qty=Decimal(1), price=Decimal(900))],
                ),
                shop=SHOP,
            )
    page.reload()
    page.wait_for_selector("#campaign-chart .main-svg")
    report = page.inner_text("#report")
    assert "Целевая группа" in report or "Target group" in report
    assert "p =" in page.inner_text("#increment")
    shot(page, "campaign-report")
    page.goto(f"{base}/campaigns")
    row = page.inner_text("#campaigns tbody tr:first-child")
    assert "Чай к зиме" in row
    page.fill("#global-control input[name=share]", "5")
    page.click("#global-control button")
    assert "5%" in page.inner_text("#global-control")
    shot(page, "campaigns-list")


def test_scenarios_switched_on_edited_and_counted(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "marketer@klientura.local")
    page.goto(f"{base}/campaigns")
    page.click("#to-scenarios")
    assert page.locator("#scenarios tbody tr").count() == 7
    page.click("#scenario-welcome button.switch")
    assert "Сценарий сохранён" in page.inner_text(".flash")
    assert "Выключить" in page.inner_text("#scenario-welcome")
    page.click("#edit-birthday summary")
    page.fill("#edit-birthday textarea[name=text]", "{{ nmae }}, с праздником!")
    page.click("#edit-birthday button.save")
    assert "поля 'nmae' нет" in page.inner_text(".flash.error")  # refused with the reason, nothing changed
    page.click("#edit-birthday summary")
    page.fill("#edit-birthday textarea[name=text]", "{{ name }}, с праздником! Подарок ждёт вас.")
    page.fill("#edit-birthday input[name=delay_hours]", "9")
    page.click("#edit-birthday button.save")
    assert "через 9 ч" in page.inner_text("#scenario-birthday")
    assert page.locator("#scenarios-chart").count() == 0  # nothing has fired yet
    # a fortnight of welcomes: 30 welcomed, 30 held out; 12 and 3 of them bought within the window
    now = datetime.now(UTC)
    with session_scope(make_session_factory(live["url"])) as s:
        welcome = s.scalars(select(Scenario).where(Scenario.key == "welcome")).one()
        people = live["ids"][200:260]
        s.add_all(
            ScenarioEntry(
                scenario_id=welcome.id,
                customer_id=cid,
                trigger=f"customer:{cid}",
                at=now - timedelta(days=14),
                grp="target" if n % 2 else "control",
                channel="email",
            )
            for n, cid in enumerate(people)
        )
        s.flush()
        for n, cid in enumerate(
            [c for i, c in enumerate(people) if i % 2][:12] + [c for i, c in enumerate(people) if not i % 2][:3]
        ):
            ingest_order(
                s,
                SYSTEM,
                OrderIn(
                    external_id=f"S-{n}",
                    customer_id=cid,
                    outlet="Москва",
                    placed_at=now - timedelta(days=10),
                    lines=[LineIn(sku="TEA-1", qty=Decimal(1), price=Decimal(900))],
                ),
                shop=SHOP,
            )
    page.goto(f"{base}/scenarios")
    assert page.inner_text("#scenario-welcome td:nth-child(3)") == "30"
    page.wait_for_selector("#scenarios-chart .main-svg")
    assert "Приветствие" in page.inner_text("#scenarios-chart")
    shot(page, "scenarios")
    page.click("#scenario-welcome a")  # the scenario's whole report
    assert page.inner_text("#state") == "включён"
    rows = page.locator("#report tbody tr")
    assert rows.nth(0).inner_text().split("\t")[1:4] == ["30", "12", "40.00%"]  # welcomed: 30, 12 bought
    assert rows.nth(1).inner_text().split("\t")[1:4] == ["30", "3", "10.00%"]  # held out: 30, 3 bought
    assert "8\xa0100,00\xa0₽" in page.inner_text("#increment")  # (12 - 3) x 900
    shot(page, "scenario-welcome")
    page.goto(f"{base}/scenarios/feedback")
    assert "ещё не срабатывал" in page.inner_text("#report")
    assert page.goto(f"{base}/scenarios/nope").status == 404
