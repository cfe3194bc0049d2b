"""The loyalty pages in Chromium on a small demo chain with its programme: effectiveness, the switch simulator,
the programme's rules (refused, then saved), the operations search, and a member's card — explained, adjusted
with a reason, an invitation code with its QR image and the page it leads to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from klientura.config import Settings
from klientura.db import make_session_factory, session_scope
from klientura.demo import DEMO_PASSWORD, build
from klientura.loyalty import LedgerEntry, LoyaltyAccount, load_programme
from klientura.migrations import upgrade
from tests.web.conftest import serving, shot

pytestmark = pytest.mark.browser

DEMO_END = date(2026, 11, 15)  # the day the demo's history ends (it is built on that day)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("loyalty")
    url = f"sqlite:///{folder / 'chain.db'}"
    upgrade(url)
    with session_scope(make_session_factory(url)) as s:
        build(s, end=DEMO_END, customers=800, seed=11)
    settings = Settings(database_url=url, secret_key="loyalty-test", upload_dir=folder / "uploads")
    with serving(settings) as base:
        yield {"base": base, "url": url}


def login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/customers")


def test_effectiveness_and_the_simulator(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "marketer@klientura.local")
    page.goto(f"{base}/loyalty")
    kpis = page.inner_text("#loyalty-kpis")
    assert "Баллы, доступные клиентам" in kpis and "Сгорание" in kpis and "%" in kpis
    page.wait_for_selector("#flows-chart .main-svg")
    assert page.locator("#members tbody tr").count() == 2
    assert "Участники" in page.inner_text("#members") and "Отток" in page.inner_text("#members")
    assert "подобранн" in page.inner_text("#matched")
    shot(page, "loyalty-dashboard")
    page.goto(f"{base}/loyalty/simulator")
    page.fill("input[name=rates]", "3/5")
    page.click("#sim-form button")
    assert "ставки начисления: по одной на уровень, всего 3" in page.inner_text("#sim-error")
    page.fill("input[name=rates]", "5/7/10")
    page.fill("input[name=kept]", "70")
    page.click("#sim-form button")
    result = page.inner_text("#sim-result")
    assert "бонусная программа" in result.lower() and "Обязательства на конец" in result and "₽" in result
    assert "70% заказов со скидкой сделали бы и по полной цене" in result
    shot(page, "loyalty-simulator")


def test_programme_rules_refused_then_saved(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "admin@klientura.local")
    page.goto(f"{base}/loyalty/settings")
    assert page.locator("#tiers input[name=tier_name]").nth(0).input_value() == "base"
    page.locator("#tiers input[name=tier_rate]").nth(2).fill("150")
    page.click("#save-programme")
    error = page.inner_text("#settings-error")
    assert "должно быть не больше 100" in error and "tiers.2.earn_percent" in error
    assert page.locator("#tiers input[name=tier_rate]").nth(2).input_value() == "150"  # the form keeps what was typed
    page.locator("#tiers input[name=tier_rate]").nth(2).fill("8")
    page.fill("input[name=welcome_bonus]", "250")
    page.locator("#multipliers input[name=m_name]").nth(0).fill("Чёрная пятница")
    page.locator("#multipliers input[name=m_factor]").nth(0).fill("2")
    page.locator("#multipliers input[name=m_starts]").nth(0).fill("2026-11-27T00:00")
    page.locator("#multipliers input[name=m_ends]").nth(0).fill("2026-11-30T00:00")
    page.click("#save-programme")
    assert "Правила программы сохранены" in page.inner_text(".flash.ok")
    with session_scope(make_session_factory(live["url"])) as s:
        p = load_programme(s)
    assert (p.welcome_bonus, str(p.tiers[2].earn_percent), p.multipliers[0].name) == (250, "8", "Чёрная пятница")
    assert str(p.max_redeem_share) == "0.3"  # shown as 30 %, kept as a share
    assert p.multipliers[0].starts.isoformat() == "2026-11-27T00:00:00+03:00"  # the shop's time zone
    shot(page, "loyalty-settings")


def test_a_members_card_explained_adjusted_and_invited(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    with session_scope(make_session_factory(live["url"])) as s:
        cid = s.scalar(
            select(LoyaltyAccount.customer_id)
            .join(LedgerEntry, LedgerEntry.account_id == LoyaltyAccount.id)
            .group_by(LoyaltyAccount.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        )
    login(page, base, "admin@klientura.local")
    page.goto(f"{base}/customers/{cid}")
    before = int(re.sub(r"\D", "", page.inner_text("#loyalty .kpi div:nth-child(3) b")))
    page.click("#explain summary")
    assert page.locator("#explain tbody tr").count() >= 3 and "приветственный" not in page.inner_text("#explain")
    page.fill("#adjust-form input[name=points]", "150")
    page.click("#adjust-form button")
    assert "причина" in page.inner_text(".flash.error")
    page.fill("#adjust-form input[name=points]", "150")
    page.fill("#adjust-form input[name=reason]", "Компенсация за задержку доставки")
    page.click("#adjust-form button")
    assert "Баллы скорректированы" in page.inner_text(".flash.ok")
    assert int(re.sub(r"\D", "", page.inner_text("#loyalty .kpi div:nth-child(3) b"))) == before + 150
    page.click("#invitation button")
    page.wait_for_selector("#invitation img.qr")
    link = page.locator("#invitation a").get_attribute("href")
    shot(page, "loyalty-card")
    page.goto(f"{base}/loyalty/operations?customer={cid}&kind=adjust")
    assert "Компенсация за задержку доставки" in page.inner_text("#ops") and "+150" in page.inner_text("#ops")
    page.goto(f"{base}/loyalty/operations?since=вчера")
    assert "нужна дата вида" in page.inner_text("#ops-error")
    shot(page, "loyalty-operations")
    page.context.clear_cookies()
    page.goto(link)
    assert "Вас пригласили" in page.inner_text("main") and link.rsplit("/", 1)[1] in page.inner_text("main")


def test_an_analyst_reads_but_cannot_change(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "analyst@klientura.local")
    page.goto(f"{base}/loyalty/settings")
    assert page.locator("#save-programme").count() == 0
    assert page.request.post(f"{base}/loyalty/settings", form={"welcome_bonus": "1"}).status == 403


def test_offers_and_gift_cards_from_the_browser(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "marketer@klientura.local")
    page.goto(f"{base}/loyalty/offers")
    assert "SALE15" not in page.inner_text("#offers") and "Распродажа −15%" in page.inner_text("#offers")  # the demo's
    page.fill("#offer-form input[name=name]", "Осенняя обувь")
    page.fill("#offer-form input[name=value]", "120")
    page.fill("#offer-form input[name=code]", "autumn")
    page.click("#create-offer")
    assert "должно быть не больше 100" in page.inner_text("#offers-error")
    assert page.locator("#offer-form input[name=name]").input_value() == "Осенняя обувь"
    page.fill("#offer-form input[name=value]", "12")
    page.fill("#offer-form input[name=min_total]", "2000")
    page.fill("#offer-form input[name=valid_until]", "2026-12-31")
    page.click("#create-offer")
    assert "Предложение «Осенняя обувь» создано, кодов: 1" in page.inner_text(".flash.ok")
    row = page.locator("#offers tbody tr", has_text="Осенняя обувь")
    assert "12%" in row.inner_text() and "от 2" in row.inner_text() and "до 31 дек. 2026" in row.inner_text()
    row.locator("button").click()
    assert "Предложение выключено" in page.inner_text(".flash.ok")
    page.fill("#gift-form input[name=amount]", "много")
    page.click("#gift-form button")
    assert "нужно число" in page.inner_text(".flash.error")
    page.fill("#gift-form input[name=amount]", "3000")
    page.click("#gift-form button")
    assert "Подарочная карта GC" in page.inner_text(".flash.ok") and "3\xa0000,00" in page.inner_text("#gift-card")
    shot(page, "loyalty-offers")
