"""The lifetime-value page in Chromium: a small demo chain, valued from the browser, read, refused bad input;
the customer card shows the figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from klientura import analytics
from klientura.audit import SYSTEM
from klientura.config import Settings
from klientura.db import make_session_factory, session_scope
from klientura.demo import DEMO_PASSWORD, build
from klientura.migrations import upgrade
from tests.web.conftest import serving, shot

pytestmark = pytest.mark.browser

DEMO_END = date(2026, 11, 15)  # the day the demo's history ends (it is built on that day)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("clv")
    url = f"sqlite:///{folder / 'chain.db'}"
    upgrade(url)
    with session_scope(make_session_factory(url)) as s:
        build(s, end=DEMO_END, customers=600, seed=5)
    analytics.sync(url, analytics.default_path(url), timezone="Europe/Moscow")
    with (
        session_scope(make_session_factory(url)) as s,
        analytics.Warehouse(analytics.default_path(url), url, timezone="Europe/Moscow") as wh,
    ):
        analytics.recompute(s, SYSTEM, wh, as_of=DEMO_END)  # the lifecycle and RFM breakdowns read the scores
    settings = Settings(database_url=url, secret_key="clv-test", upload_dir=folder / "uploads")
    with serving(settings) as base:
        yield {"base": base, "url": url}


def login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/customers")


def test_value_the_base_from_the_browser(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "admin@klientura.local")
    page.goto(f"{base}/clv")
    assert "База ещё не оценена" in page.inner_text("#no-run")
    page.fill("input[name=discount]", "много")
    page.click("#value-form button[type=submit]")
    assert "ставка дисконтирования — число процентов в месяц" in page.inner_text("#clv-error")
    page.fill("input[name=discount]", "1,5")
    page.fill("input[name=holdout_weeks]", "13")
    page.select_option("select[name=model]", "mbgnbd")
    page.click("#value-form button[type=submit]")
    page.wait_for_selector("#value")
    assert "Оценено клиентов" in page.inner_text(".flash.ok")
    values = [page.inner_text(f'[data-years="{y}"] b') for y in (1, 2, 3)]
    assert all("₽" in v for v in values)
    assert "MBG/NBD" in page.inner_text("#model") and "1,5" in page.inner_text("main p.muted")
    assert "Сколько стоит один пункт удержания" in page.inner_text("#retention")
    check = page.inner_text("#check")
    assert "модель ожидала" in check and "клиенты сделали" in check
    page.wait_for_selector("#tracking-chart .main-svg")
    page.wait_for_selector("#frequency-chart .main-svg")
    for table in ("by-lifecycle", "by-acquisition_source", "by-cohort"):
        assert page.locator(f"#{table} tbody tr").count() >= 2, table
    assert page.locator("select[name=model] option:checked").inner_text() == "MBG/NBD"  # the form keeps the choice
    shot(page, "clv")
    # the card of a valued customer
    with session_scope(make_session_factory(live["url"])) as s:  # the most valuable customer
        cid = s.scalar(select(analytics.CustomerClv.customer_id).order_by(analytics.CustomerClv.clv.desc()))
    page.goto(f"{base}/customers/{cid}")
    panel = page.inner_text("#clv")
    assert "Вероятность, что клиент ещё активен" in panel and "Пожизненная ценность за 12 мес." in panel
    shot(page, "clv-card")


def test_an_analyst_reads_but_cannot_refit(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "analyst@klientura.local")
    page.goto(f"{base}/clv?lang=en")
    assert page.locator("#value-form").count() == 0
    assert page.locator("h1").inner_text().startswith("Lifetime value")
    r = page.request.post(f"{base}/clv", form={"model": "bgnbd"})
    assert r.status == 403
