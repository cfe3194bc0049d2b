from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, login, shot, wait_until

pytestmark = pytest.mark.browser


def test_login_rejects_a_wrong_password_then_lets_in(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    page.goto(f"{base}/customers")
    assert "/login" in page.url
    page.fill("input[name=email]", "admin@test.local")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".flash.error").inner_text() == "Неверный e-mail или пароль."
    shot(page, "login-error")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/customers")
    assert page.locator("h1").inner_text().startswith("Клиенты")


def test_customer_list_searches_live_and_filters(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "admin@test.local")
    assert page.locator("#rows tr").count() == 3
    shot(page, "customers-list")
    page.fill("#q", "8 916 111-22-33")  # HTMX re-renders the rows as one types
    wait_until(page, "document.querySelectorAll('#rows tr').length === 1")
    assert "Смирнова Анна Петровна" in page.locator("#rows").inner_text()
    page.fill("#q", "")
    page.select_option("select[name=tag]", "vip")
    wait_until(page, "document.querySelectorAll('#rows tr').length === 1")
    page.fill("#q", "никого такого")
    wait_until(page, "document.querySelector('#rows').innerText.includes('Никто не подходит')")


def test_card_shows_totals_timeline_and_takes_edits(page: Any, live: dict[str, Any]) -> None:
    base, anna = live["base"], live["ids"]["anna"]
    login(page, base, "admin@test.local")
    page.goto(f"{base}/customers/{anna}")
    totals = page.locator("#totals").inner_text()
    assert "3\xa0000,00\xa0₽" in totals and totals.startswith("1\nЗаказы")
    assert "R-100" in page.locator("#timeline").inner_text()
    segments = page.locator("#segments")
    assert "на 15 апр. 2026" in segments.inner_text()
    assert segments.locator("[data-family=temperature] b").inner_text() == "Горячий"
    assert segments.locator("[data-family=lifecycle] b").inner_text() == "Ушедший новый"
    assert "Купил один раз и не вернулся" in segments.inner_text()
    assert "дней с последней покупки: 45" in page.locator("#rfm-detail").inner_text()
    shot(page, "customer-card")
    page.fill("#identities input[name=value]", "12-34")
    page.click("#identities button[type=submit]")
    assert "недействительный номер телефона" in page.locator(".flash.error").inner_text()  # the reason translated
    page.fill("#tags input[name=tag][required]", "Постоянный")
    page.click("#tags form.filters button[type=submit]")
    assert page.locator(".flash.ok").inner_text() == "Тег добавлен."
    assert "постоянный" in page.locator("#tags").inner_text()
    page.goto(f"{base}/customers/{anna}?edit=1")
    page.fill("#f-city", "Санкт-Петербург")
    page.fill("#f-postcode", "190 000")
    page.fill("#f-address", "Невский пр., 28")
    page.click("#profile button[type=submit]")
    assert page.locator(".flash.ok").inner_text() == "Сохранено."
    profile = page.locator("#profile").inner_text()
    assert "Санкт-Петербург" in profile and "190000" in profile and "Невский пр., 28" in profile
    page.goto(f"{base}/customers/{anna}?edit=1")
    page.fill("#f-postcode", "у реки")
    page.click("#profile button[type=submit]")
    assert "не почтовый индекс" in page.locator(".flash.error").inner_text()
    shot(page, "customer-postal-address")


def test_a_bounced_address_is_shown_and_can_be_tried_again(page: Any, live: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from klientura.customers import Identity, mark_bounced
    from klientura.db import make_session_factory, session_scope

    base, anna = live["base"], live["ids"]["anna"]
    with session_scope(make_session_factory(live["url"])) as s:
        phone = s.scalars(select(Identity).where(Identity.customer_id == anna, Identity.kind == "phone")).first()
        assert phone is not None
        assert mark_bounced(s, "sms", phone.value, "sms.ru 202: неправильный номер", datetime(2026, 4, 10, tzinfo=UTC))
        phone_id = phone.id
    login(page, base, "admin@test.local")
    page.goto(f"{base}/customers/{anna}")
    shown = page.locator(f"#bounced-{phone_id}").inner_text()
    assert "сообщения не доходят с 10 апр. 2026" in shown and "неправильный номер" in shown
    shot(page, "customer-card-bounced")
    page.click(f"#bounced-{phone_id} button")
    assert page.locator(".flash.ok").inner_text() == "Сообщения снова идут на этот адрес."
    assert page.locator(f"#bounced-{phone_id}").count() == 0


def test_duplicates_merge_and_unmerge(page: Any, live: dict[str, Any]) -> None:
    base, anna, twin = live["base"], live["ids"]["anna"], live["ids"]["twin"]
    login(page, base, "admin@test.local")
    page.goto(f"{base}/duplicates")
    page.click("text=Искать дубли заново")
    assert "Найдено возможных дублей: 1." in page.locator(".flash.ok").inner_text()
    shot(page, "duplicates")
    assert "встроенными весами" in page.locator("#model-line").inner_text()  # two cards: too few to learn from
    page.click("text=Сравнить")
    evidence = page.locator("#evidence").inner_text()
    assert "одна и та же дата рождения\t+14" in evidence and "разные телефоны\t-" in evidence  # the page's language
    shot(page, "duplicates-compare")
    page.click("text=Модель →")
    page.wait_for_url(f"{base}/duplicates/model")
    assert "слишком мала" in page.locator("#model-summary").inner_text()
    weights = page.locator("#weights").inner_text()
    assert "Фамилия" in weights and "та же фамилия" in weights and "индексы одного района" in weights
    shot(page, "duplicates-model")
    page.locator("#thresholds input[value='0.999']").check()  # the strictest: the pair (weaker) drops out
    page.click("text=Взять этот порог и найти дубли заново")
    page.wait_for_url(f"{base}/duplicates/model")
    assert "Порог 0.999" in page.locator(".flash.ok").inner_text()
    assert "выбрал" in page.locator("#model-summary").inner_text()
    page.click("text=Вернуть порог по умолчанию")
    page.wait_for_url(f"{base}/duplicates/model")
    assert "самый мягкий" in page.locator("#model-summary").inner_text()
    page.goto(f"{base}/duplicates")
    page.click("text=Сравнить")
    page.locator("form[action='/duplicates/merge']").first.locator("button").click()
    page.wait_for_url(f"{base}/customers/{anna}")
    timeline = page.locator("#timeline").inner_text()
    assert "R-100" in timeline and "R-101" in timeline  # the twin's order moved to the survivor
    shot(page, "card-after-merge")
    page.click("text=Разъединить")
    page.wait_for_url(f"{base}/customers/{twin}")
    assert "R-101" in page.locator("#timeline").inner_text()
    assert "R-100" not in page.locator("#timeline").inner_text()


def test_import_preview_and_report(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    csv_path = live["folder"] / "clients.csv"
    csv_path.write_bytes(
        "ФИО;Телефон;E-mail;Дата рождения\n"
        "Кузнецов Олег;8 912 000-11-22;oleg@example.com;01.02.1980\n"
        '=HYPERLINK("http://evil.example/");12-34;;\n'
        "Смирнова Анна;+7 916 111 22 33;;30.02.1985\n".encode("cp1251")
    )
    login(page, base, "admin@test.local")
    page.goto(f"{base}/imports")
    page.set_input_files("input[name=file]", str(csv_path))
    page.click("text=Предпросмотр")
    trial = page.locator("#trial").inner_text()
    assert "будет создано" in trial and "будет отклонено" in trial
    assert "12-34" in page.locator("#rejections").inner_text()
    assert "30.02.1985" in page.locator("#notes").inner_text()  # Anna is kept, without the impossible date
    assert page.locator("select[name='map:Телефон']").input_value() == "phone"
    shot(page, "import-preview")
    page.click("#run-import")
    page.wait_for_url(f"{base}/imports/*")
    summary = page.locator("#summary").inner_text()
    assert "Импорт завершён." in page.locator(".flash.ok").inner_text()
    assert summary.split()[:2] == ["3", "строк"]
    assert "телефон: недействительный номер телефона: '12-34'" in page.locator("#rejections").inner_text()
    assert "дата рождения: не дата: '30.02.1985'" in page.locator("#notes").inner_text()
    shot(page, "import-report")
    rejected = page.request.get(page.url + "/rejections.csv").text()  # the rejected rows, with no live formula
    assert '\'=HYPERLINK(""http://evil.example/"")' in rejected and ";=" not in rejected


def test_english_and_manager_scope(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "manager@test.local")
    page.goto(f"{base}/customers?lang=en")
    assert page.locator("h1").inner_text().startswith("Customers")
    assert "Nobody matches these filters." in page.locator("#rows").inner_text()  # owns no one yet
    page.goto(f"{base}/customers/{live['ids']['anna']}")
    assert page.locator("h1").inner_text() == "Not found"
    assert page.locator("text=Import").count() == 0  # a manager cannot import


def test_a_long_import_shows_its_progress_then_the_report(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    rows = 60_000
    path = live["folder"] / "big.csv"
    lines = ["Фамилия;Имя;Телефон;Дата рождения"]
    lines += [
        f"Фамилия{i % 500};Имя{i % 70};8 (95{i // 100_000}) {i // 100 % 1000:03d}-{i % 100:02d}-{i % 97:02d};"
        f"{1 + i % 28:02d}.{1 + i % 12:02d}.19{50 + i % 50}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    login(page, base, "admin@test.local")
    page.goto(f"{base}/imports")
    page.set_input_files("input[name=file]", str(path))
    page.click("text=Предпросмотр")
    page.click("#run-import")
    page.wait_for_url(f"{base}/imports/jobs/*")
    bar = page.locator("#progress [role=progressbar]")
    assert page.locator("h1").inner_text() == "Импорт: big.csv"
    assert bar.count() == 1 and f"/ {rows:,}".replace(",", "\u00a0") in page.locator("#progress").inner_text()
    wait_until(
        page,
        "() => Number(document.querySelector('#progress [role=progressbar]')?.getAttribute('aria-valuenow') || 0) > 0",
        timeout=30,
    )
    shot(page, "import-progress")
    page.wait_for_url(re.compile(r".*/imports/\d+$"), timeout=120_000)
    assert "Импорт завершён." in page.locator(".flash.ok").inner_text()
    assert page.locator("#summary").inner_text().replace("\u00a0", "").split()[:2] == ["60000", "строк"]


def _settled(page: Any) -> None:
    """htmx has swapped and wired the new content (a change fired before that would go unheard)."""
    wait_until(page, "!document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')")


def test_segment_builder_live_size_save_and_export(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "admin@test.local")
    page.click("header.top >> text=Сегменты")
    assert "Сегментов пока нет." in page.locator("table").inner_text()
    page.click("text=+ Новый сегмент")
    assert page.locator("#preview").inner_text().startswith("0 из 3")  # nobody is a champion in this tiny base
    page.select_option("select[name=c0_type]", "orders")
    page.wait_for_selector("select[name=c0_field] >> option[value=count]", state="attached")
    _settled(page)
    page.fill("input[name=c0_value]", "1")
    page.press("input[name=c0_value]", "Tab")
    wait_until(page, "document.querySelector('#preview-size')?.textContent === '2'")
    _settled(page)
    page.select_option("select[name=c0_outlets]", label="Москва, Тверская")  # only Anna bought there
    wait_until(page, "document.querySelector('#preview-size')?.textContent === '1'")
    _settled(page)
    page.select_option("select[name=c0_outlets]", [])  # any outlet again
    wait_until(page, "document.querySelector('#preview-size')?.textContent === '2'")
    _settled(page)
    page.click("#add-condition")
    page.wait_for_selector("select[name=c1_type]")
    _settled(page)
    page.select_option("select[name=c1_type]", "tag")
    page.wait_for_selector("input[name=c1_value][placeholder=vip]")
    _settled(page)
    page.fill("input[name=c1_value]", "vip")
    page.press("input[name=c1_value]", "Tab")
    wait_until(page, "document.querySelector('#preview-size')?.textContent === '1'")
    shot(page, "segment-builder")
    page.fill("input[name=name]", "VIP с покупками")
    page.click("button[type=submit] >> text=Сохранить сегмент")
    page.wait_for_url(f"{base}/segments/*")
    assert page.locator(".flash.ok").inner_text() == "Сегмент сохранён."
    assert "Смирнова Анна Петровна" in page.locator("#members").inner_text()
    shot(page, "segment-page")
    page.click("#members >> text=Смирнова Анна Петровна")
    assert "VIP с покупками" in page.locator("#member-of").inner_text()
    page.go_back()
    csv = page.request.get(page.url + "/export?format=csv").text()
    # the page's export speaks the page's language: the header and the groups (the API's keeps the machine names)
    assert csv.startswith("\ufeffКарточка;Фамилия;Имя") and "Смирнова" in csv and "Горячий" in csv
    page.goto(f"{base}/segments")
    assert "VIP с покупками" in page.locator("table").inner_text()
    page.click("text=+ Новый сегмент")
    page.select_option("select[name=c0_type]", "orders")
    page.wait_for_selector("select[name=c0_field] >> option[value=count]", state="attached")
    _settled(page)
    page.fill("input[name=c0_value]", "много")
    page.press("input[name=c0_value]", "Tab")
    page.wait_for_selector("#preview .flash.error")
    assert "число" in page.locator("#preview").inner_text()


def test_the_base_page_shows_families_the_rfm_map_and_migrations(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "analyst@test.local")
    page.click("header.top >> text=База")
    temperature = page.locator("#family-temperature").inner_text()
    assert "Горячий" in temperature and "Холодный" in temperature and "Совершил хотя бы одну покупку" in temperature
    assert "Ушедший новый" in page.locator("#family-lifecycle").inner_text()
    cells = page.locator("#rfm-map td")
    assert cells.count() == 25
    assert sum(int(c.locator("b").inner_text().replace("\xa0", "")) for c in cells.all()) == 2  # two buyers by then
    assert "на 15 апр. 2026" in page.locator("h1").inner_text()
    page.fill("input[name=start]", "2026-02-15")
    page.fill("input[name=end]", "2026-04-15")
    page.click("#migration button[type=submit]")
    matrix = page.locator("#migration table").inner_text().lower()
    assert "новые за период" in matrix  # both bought after 15 February
    page.wait_for_selector("#temperature-trend .main-svg")
    shot(page, "the-base")


def test_dashboard_kpis_against_the_previous_period_and_charts(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "analyst@test.local")
    page.goto(f"{base}/dashboard?start=2026-03-01&end=2026-04-30")
    assert page.locator("[data-kpi=orders] b").inner_text() == "2"
    assert page.locator("[data-kpi=revenue] b").inner_text() == "3\xa0700,00\xa0₽"
    assert page.locator("[data-kpi=average_check] b").inner_text() == "1\xa0850,00\xa0₽"
    assert page.locator("[data-kpi=identified_share] b").inner_text() == "100.0%"
    assert "В сравнении с" in page.locator("#period").inner_text()
    page.wait_for_selector("#revenue-chart .main-svg")  # Plotly drew it, from its own packaged script
    page.wait_for_selector("#cohort-chart .main-svg")
    page.wait_for_selector("#cohort-revenue-chart .main-svg")
    shot(page, "dashboard")
    page.goto(f"{base}/dashboard?start=2026-03-01&end=2026-03-31")
    assert page.locator("[data-kpi=orders] b").inner_text() == "1"


def test_thresholds_are_explained_edited_and_validated(page: Any, live: dict[str, Any]) -> None:
    base = live["base"]
    login(page, base, "admin@test.local")
    page.goto(f"{base}/analytics")
    page.click("text=Пороги сегментов")
    assert (
        "Клиент новый, если первая покупка была не раньше стольких дней назад"
        in page.locator("#section-lifecycle").inner_text()
    )
    assert "Чемпионы" in page.locator("table.rules").inner_text()
    page.fill("#lifecycle-new_days", "45")
    page.fill("#rfm-frequency", "2, 4, 6, 10")
    page.click("#thresholds button[type=submit]")
    assert page.locator(".flash.ok").inner_text().startswith("Сохранено.")
    assert page.locator("#lifecycle-new_days").input_value() == "45"
    assert page.locator("#rfm-frequency").input_value() == "2, 4, 6, 10"
    shot(page, "thresholds")
    page.fill("#lifecycle-lost_factor", "1")  # below active_factor (1.5)
    page.click("#thresholds button[type=submit]")
    assert "порог ухода должен быть больше порога активности" in page.locator(".flash.error").inner_text()
    assert page.locator("#lifecycle-new_days").input_value() == "45"  # nothing of the bad save was kept
