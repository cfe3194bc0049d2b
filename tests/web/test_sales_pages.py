"""The sales pages in Chromium: the kanban board (exact counts and sums, a drag to another stage moves the deal, a
drop on "lost" asks the reason from the list and cancelling moves nothing), the deal's page (a probability override
with its reason lands in the history, a task added), the manager's day and the leads (converted into a deal)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from klientura import catalog, sales
from klientura.audit import SYSTEM
from klientura.auth import actor_for_user
from klientura.auth.service import create_user
from klientura.catalog import ProductIn
from klientura.config import Settings
from klientura.customers import CustomerIn
from klientura.db import make_session_factory, session_scope
from klientura.kit.shop import Shop
from klientura.migrations import upgrade
from klientura.sales import CompanyIn, Deal, DealHistory, DealIn, LeadIn, PipelineIn, Quote
from tests.factories import SHOP
from tests.web.conftest import PASSWORD, serving, shot, wait_until

pytestmark = pytest.mark.browser
FUNNEL = {
    "name": "Опт",
    "stages": [
        {"name": "Контакт", "probability": 10},
        {"name": "Переговоры", "probability": 30},
        {"name": "КП отправлено", "probability": 50},
        {"name": "Выиграна", "kind": "won"},
        {"name": "Проиграна", "kind": "lost"},
    ],
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("sales")
    url = f"sqlite:///{folder / 'sales.db'}"
    upgrade(url)
    with session_scope(make_session_factory(url)) as s:
        manager = create_user(s, SYSTEM, "manager@test.local", "Мария Продажина", "manager", PASSWORD)
        create_user(s, SYSTEM, "admin@test.local", "Админ", "admin", PASSWORD)
        pipeline = sales.create_pipeline(s, SYSTEM, PipelineIn.model_validate(FUNNEL))
        stages = {st.name: st.id for st in sales.read_pipeline(s, pipeline).stages}
        sales.set_lost_reasons(s, SYSTEM, ["Дорого", "Выбрали конкурента"])
        me = actor_for_user(manager)
        for i in range(45):  # more than a column shows: the count and sum are still all of them
            sales.create_deal(
                s,
                me,
                DealIn(
                    pipeline_id=pipeline.id,
                    title=f"Поставка №{i + 1}",
                    amount=Decimal(1000 + i),
                    customer=CustomerIn(full_name=f"Закупщик {i + 1}", phone=f"+7916300{i:04d}"),
                ),
                SHOP,
            )
        sales.create_deal(
            s,
            me,
            DealIn(
                pipeline_id=pipeline.id,
                stage_id=stages["Переговоры"],
                title="Чай для сети кофеен",
                amount=Decimal("250000"),
                customer=CustomerIn(full_name="Кофейнова Ольга", phone="+79163100001"),
            ),
            SHOP,
        )
        sales.submit_request(
            s,
            SYSTEM,
            LeadIn(
                customer=CustomerIn(full_name="Новикова Ирина", phone="+79163200001"), channel="form", text="Прайс?"
            ),
            SHOP,
            repeat_days=180,
        )
        catalog.upsert_product(s, SYSTEM, ProductIn(sku="TEA-1", name="Чай «Улун», ящик", price=Decimal(12500)))
        romashka, _new = sales.create_company(
            s, me, CompanyIn(name="ООО «Ромашка»", city="Москва", inn="7707083893"), SHOP
        )
        sales.create_company(s, me, CompanyIn(name="Ромашка ООО", city="москва"), SHOP)
        sales.create_deal(
            s,
            me,
            DealIn(
                pipeline_id=pipeline.id,
                stage_id=stages["Переговоры"],
                title="Ромашке чай",
                amount=Decimal(5000),
                company_id=romashka.id,
            ),
            SHOP,
        )
    settings = Settings(
        database_url=url, secret_key="sales-test", upload_dir=folder / "uploads", files_dir=folder / "files"
    )
    with serving(settings) as base:
        yield {"base": base, "url": url, "stages": stages, "manager": manager.id}


def _login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/customers")


def _deal(url: str, title: str) -> Deal:
    with session_scope(make_session_factory(url)) as s:
        deal = s.scalars(select(Deal).where(Deal.title == title)).one()
        s.expunge(deal)
        return deal


def test_the_board_counts_and_a_drag_moves_a_deal_and_lost_asks_why(page: Any, live: dict[str, Any]) -> None:
    base, stages = live["base"], live["stages"]
    _login(page, base, "manager@test.local")
    page.goto(f"{base}/sales")
    first = page.locator(f"#stage-{stages['Контакт']}")
    assert first.locator(".count").inner_text() == "45"
    assert first.locator(".sum").inner_text().replace("\u00a0", " ").startswith("45 990")  # 1000+…+1044
    assert first.locator("article.deal").count() == 30 and "15" in first.locator(".more").inner_text()
    shot(page, "sales-board")
    deal = _deal(live["url"], "Чай для сети кофеен")
    page.drag_and_drop(f"#deal-{deal.id}", f"#stage-{stages['КП отправлено']}")
    page.wait_for_selector(".flash.ok")
    assert _deal(live["url"], "Чай для сети кофеен").stage_id == stages["КП отправлено"]
    assert page.locator(f"#stage-{stages['КП отправлено']} .count").inner_text() == "1"
    page.drag_and_drop(f"#deal-{deal.id}", f"#stage-{stages['Проиграна']}")
    assert page.locator("#lost-dialog").is_visible()
    shot(page, "sales-lost-dialog")
    page.click("#lost-cancel")
    assert not page.locator("#lost-dialog").is_visible()
    assert _deal(live["url"], "Чай для сети кофеен").status == "open"  # cancelled: nothing moved
    page.drag_and_drop(f"#deal-{deal.id}", f"#stage-{stages['Проиграна']}")
    page.click("#lost-confirm")  # no reason chosen: the browser keeps the dialog open
    assert page.locator("#lost-dialog").is_visible()
    page.select_option("#lost-reason", "Выбрали конкурента")
    page.click("#lost-confirm")
    page.wait_for_selector(".flash.ok")
    lost = _deal(live["url"], "Чай для сети кофеен")
    assert lost.status == "lost" and lost.lost_reason == "Выбрали конкурента"
    assert page.locator(f"#deal-{deal.id}").count() == 0


def test_the_deal_page_the_day_and_the_leads(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    _login(page, base, "manager@test.local")
    deal = _deal(live["url"], "Поставка №7")
    page.goto(f"{base}/sales/deals/{deal.id}")
    page.fill("#edit-form input[name=probability]", "75")
    page.fill("#edit-form input[name=reason]", "бюджет согласован")
    page.click("#edit-form button")
    page.wait_for_selector(".flash.ok")
    assert "75%" in page.locator("#deal-facts").inner_text()
    assert "бюджет согласован" in page.locator("#history").inner_text()
    shop = Shop.of(Settings())  # the server's shop and its real clock
    now = shop.now().astimezone(shop.zone)
    due = min(now + timedelta(hours=1), now.replace(hour=23, minute=59)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#task-form input[name=title]", "Позвонить закупщику")
    page.fill("#task-form input[name=due]", due)
    page.click("#task-form button")
    page.wait_for_selector(".flash.ok")
    assert "Позвонить закупщику" in page.locator("#tasks").inner_text()
    shot(page, "sales-deal")
    with session_scope(make_session_factory(live["url"])) as s:
        kinds = [h.kind for h in s.scalars(select(DealHistory).where(DealHistory.deal_id == deal.id))]
    assert kinds == ["create", "probability"]
    page.goto(f"{base}/sales/day")
    assert "Позвонить закупщику" in page.locator("#today").inner_text()
    assert "Поставка №7" not in page.locator("#no-next-step").inner_text()  # it has its next step now
    assert "Поставка №8" in page.locator("#no-next-step").inner_text()
    with session_scope(make_session_factory(live["url"])) as s:
        open_deals = len(s.scalars(select(Deal.id).where(Deal.status == "open")).all())
    assert page.locator("#idle-count").inner_text() == str(open_deals - 1)  # all but the one with its task
    shot(page, "sales-day")
    page.goto(f"{base}/sales/calendar")
    assert "Позвонить закупщику" in page.locator("#calendar").inner_text()
    page.click("#feed-form button")
    page.wait_for_selector(".flash.ok")
    address = re.search(r"https?://\S+\.ics", page.locator(".flash.ok").inner_text())
    assert address is not None
    shot(page, "sales-calendar")
    feed = page.request.get(address.group(0))
    assert feed.status == 200 and "Позвонить закупщику" in feed.text()
    page.fill("#telegram-form input[name=chat_id]", "123456789")
    page.click("#telegram-form button")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#telegram-form input[name=chat_id]").input_value() == "123456789"
    page.goto(f"{base}/sales/day")
    page.click("#today button")
    page.wait_for_selector(".flash.ok")
    page.goto(f"{base}/sales/leads")
    assert "Прайс?" not in page.locator("#leads").inner_text()  # nobody's lead: not the manager's to see
    _login(page, base, "admin@test.local")  # an administrator (or a head) hands it out or qualifies it
    page.goto(f"{base}/sales/leads")
    wait_until(page, "document.querySelectorAll('#leads tbody tr').length >= 1")
    assert "Прайс?" in page.locator("#leads").inner_text()
    shot(page, "sales-leads")
    page.click("#leads a:has-text('Прайс?')")  # the lead's own page
    assert "Новикова Ирина" in page.locator("#lead-facts").inner_text()
    assert page.locator("#lead-actions form[action$='/convert']").count() == 1
    shot(page, "sales-lead")
    page.goto(f"{base}/sales/leads")
    page.fill("#leads input[name=amount]", "12000")
    page.locator("#leads form[action$='/convert'] button").click()
    page.wait_for_url(f"{base}/sales/deals/*")
    assert "Прайс?" in page.locator("#deal-title").inner_text()


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_products_a_quote_a_file_a_note_and_the_clients_answer(page: Any, live: dict[str, Any]) -> None:
    base, stages = live["base"], live["stages"]
    _login(page, base, "admin@test.local")
    page.goto(f"{base}/sales/quote-template")
    page.fill("#template-form input[name=seller]", "ООО «Ромашка»")
    page.fill("#template-form input[name=inn]", "7707083893")
    page.fill("#template-form input[name=bik]", "044525225")
    page.set_input_files(
        "#template-form input[name=logo]", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.click("#template-form button")
    page.wait_for_selector(".flash.ok")
    shot(page, "sales-quote-template")
    _login(page, base, "manager@test.local")
    deal = _deal(live["url"], "Поставка №9")
    page.goto(f"{base}/sales/deals/{deal.id}")
    rows = page.locator("#lines-form tbody tr.blank")
    rows.nth(0).locator("input[name=line_sku]").fill("TEA-1")
    rows.nth(0).locator("input[name=line_qty]").fill("2")
    rows.nth(0).locator("input[name=line_discount]").fill("10")
    rows.nth(1).locator("input[name=line_name]").fill("Монтаж")
    rows.nth(1).locator("input[name=line_price]").fill("5000")
    page.click("#lines-form button")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#lines-total").inner_text().replace("\u00a0", " ").startswith("27 500")  # 22 500 + 5 000
    assert "27 500" in page.locator("#deal-facts").inner_text().replace("\u00a0", " ")  # the amount follows
    assert page.locator("#lines-form input[name=line_discount]").first.input_value() == "10"  # not 1E+1
    page.click("#quote-form button")
    page.wait_for_selector(".flash.ok")
    link = page.locator("#quotes a").first
    assert link.inner_text() == f"КП-{deal.id}-1"
    pdf = page.request.get(base + str(link.get_attribute("href")))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.set_input_files(
        "#file-form input[name=file]",
        files=[{"name": "Реквизиты.txt", "mimeType": "text/plain", "buffer": "ИНН 7728168971".encode()}],
    )
    page.click("#file-form button")
    page.wait_for_selector(".flash.ok")
    assert "Реквизиты.txt" in page.locator("#files").inner_text()
    page.fill("#note-form input[name=text]", "Клиент просит отсрочку")
    page.click("#note-form button")
    page.wait_for_selector(".flash.ok")
    assert "Клиент просит отсрочку" in page.locator("#timeline").inner_text()
    shot(page, "sales-deal-documents")
    with session_scope(make_session_factory(live["url"])) as s:
        token = s.scalars(select(Quote.token).where(Quote.deal_id == deal.id)).one()
    page.context.clear_cookies()  # the client: nobody signed in
    page.goto(f"{base}/q/{token}")
    assert "27 500" in page.locator("#quote-link").inner_text().replace("\u00a0", " ")
    page.click("#quote-link button[value=accepted]")
    page.wait_for_selector("#answer")
    shot(page, "sales-quote-link")
    assert _deal(live["url"], "Поставка №9").stage_id == stages["Переговоры"]  # accepted: the next stage
    page.goto(f"{base}/q/{token}")
    assert page.locator("#quote-link button").count() == 0  # answered once: no buttons any more
    assert page.request.get(f"{base}/q/not-a-token").status == 404
    _login(page, base, "manager@test.local")  # the person's card shows the deal, its quote and a note
    deal = _deal(live["url"], "Поставка №9")
    page.goto(f"{base}/customers/{deal.customer_id}")
    card = page.locator("#timeline").inner_text()
    assert f"КП-{deal.id}-1" in card and "Поставка №9" in card  # the deal's history and quote on the card
    page.fill("#note-form input[name=text]", "Предпочитает звонки после обеда")
    page.click("#note-form button")
    page.wait_for_selector(".flash.ok")
    assert "Предпочитает звонки после обеда" in page.locator("#timeline").inner_text()
    shot(page, "sales-customer-timeline")


def test_the_deal_list_a_saved_view_and_the_company_page(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    _login(page, base, "manager@test.local")
    page.goto(f"{base}/sales/deals")
    page.fill("#deal-filters input[name=q]", "Поставка №4")
    page.click("#deal-filters button")
    titles = page.locator("#deal-list tbody td:first-child").all_inner_texts()
    assert sorted(titles) == sorted(["Поставка №4", *(f"Поставка №{n}" for n in range(40, 46))])
    page.fill("#view-form input[name=name]", "Четвёрки")
    page.click("#view-form button")
    page.wait_for_selector(".flash.ok")
    page.goto(f"{base}/sales/deals")
    with session_scope(make_session_factory(live["url"])) as s:
        mine = len(s.scalars(select(Deal.id).where(Deal.owner_id == live["manager"])).all())
    assert page.locator("#deal-list tbody tr").count() == min(mine, 50)  # the manager's own deals only
    assert page.locator("#next-page").count() == (1 if mine > 50 else 0)
    page.click("#views a:has-text('Четвёрки')")
    page.wait_for_url("**q=*")
    assert page.locator("#deal-list tbody tr").count() == 7
    shot(page, "sales-deal-list")
    page.goto(f"{base}/sales/companies")
    page.click("#companies a:has-text('ООО «Ромашка»')")
    assert "Ромашке чай" in page.locator("#deals").inner_text()
    assert "Ромашка ООО" in page.locator("#similar").inner_text()  # the same name in the same city
    page.fill("#contact-form input[name=full_name]", "Лютикова Анна")
    page.fill("#contact-form input[name=phone]", "+7 916 555-44-33")
    page.fill("#contact-form input[name=position]", "Закупщик")
    page.click("#contact-form button")
    page.wait_for_selector(".flash.ok")
    assert (
        "Лютикова Анна" in page.locator("#contacts").inner_text()
        and "Закупщик" in page.locator("#contacts").inner_text()
    )
    page.fill("#note-form input[name=text]", "Головной офис в Москве")
    page.click("#note-form button")
    page.wait_for_selector(".flash.ok")
    timeline = page.locator("#timeline").inner_text()
    assert "Головной офис в Москве" in timeline and "Ромашке чай" in timeline
    shot(page, "sales-company")
    page.goto(f"{base}/sales/companies/duplicates")
    assert "Ромашка ООО" in page.locator("#company-pairs").inner_text()
