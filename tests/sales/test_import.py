"""`klientura import companies|deals` (issue 18): the Russian headers of Bitrix24's and amoCRM's exports, a row
report naming each refusal (a bad INN, a lost deal without its reason, an unknown stage or owner), a dry run that
writes nothing, a re-import that changes nothing, one card per person and one company per INN, and the imported
history kept as history (stamped now, carrying the source's time)."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from klientura.audit import SYSTEM
from klientura.cli import app
from klientura.customers import Identity
from klientura.db import command_session
from klientura.sales import Company, Deal, DealHistory, PipelineIn, create_pipeline, set_lost_reasons

MSK = ZoneInfo("Europe/Moscow")  # the shop's zone: the files' dates are its days
BITRIX_COMPANIES = """ID;Название компании;ИНН;КПП;Адрес;Телефон;Ответственный
1;ПАО Сбербанк;7707083893;773601001;Москва, ул. Вавилова, 19;+7 495 500-55-50;Иван Петров
2;Опечатка;7707083894;;;;Иван Петров
3;ООО Яндекс;7736207543;;Москва, ул. Льва Толстого, 16;;ivan@shop.ru
4;Сбер ещё раз;7707083893;;;;
5;ИП Без ИНН;;;Казань;;
6;Чужой;7710140679;;;;Некто Неизвестный
"""
BITRIX_DEALS = """ID;Название сделки;Стадия сделки;Воронка;Сумма;Ответственный;Компания;ИНН;Контакт;Телефон;Причина отказа;Дата создания;Дата закрытия;Источник
101;Поставка чая;Подготовка документов;Опт;150 000,50;Иван Петров;ПАО Сбербанк;7707083893;Закупкина Ольга;+7 916 555-00-01;;01.03.2026 10:00;;Сайт
102;Поставка кофе;Сделка успешна;Опт;90000;Иван Петров;;;Закупкина Ольга;8 (916) 555-00-01;;02.03.2026;15.03.2026;Звонок
103;Посуда;Сделка провалена;Опт;5000;Иван Петров;ООО Яндекс;7736207543;;;Дорого;03.03.2026;20.03.2026;
104;Без причины;Сделка провалена;Опт;5000;Иван Петров;ООО Яндекс;7736207543;;;;03.03.2026;20.03.2026;
105;Непонятная стадия;Думаем;Опт;5000;Иван Петров;ООО Яндекс;7736207543;;;;03.03.2026;;
106;Чужой менеджер;Новая;Опт;5000;Пётр Иванов;ООО Яндекс;7736207543;;;;03.03.2026;;
107;Ни с кем;Новая;Опт;5000;Иван Петров;;;;;;03.03.2026;;
"""
AMO_DEALS = """Название сделки,Этап сделки,Бюджет,Ответственный,Компания,Основной контакт,Рабочий телефон,Причина отказа,Дата создания,Дата закрытия
Монтаж,Успешно реализовано,"45 000",ivan@shop.ru,ООО Яндекс,Монтажов Иван,+79165550099,,2026-04-01,2026-04-10
Проект,Закрыто и не реализовано,"12 000",ivan@shop.ru,,Монтажов Иван,+79165550099,Выбрали конкурента,2026-04-02,2026-04-05
"""


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'import.db'}"
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    made = runner.invoke(
        app,
        ["user", "create", "ivan@shop.ru", "--role", "manager", "--name", "Иван Петров", "--password", "password123"],
    )
    assert made.exit_code == 0, made.output
    with command_session(url) as session:
        stages = [
            {"name": "Новая", "probability": 10},
            {"name": "Подготовка документов", "probability": 40},
            {"name": "Выиграна", "kind": "won"},
            {"name": "Проиграна", "kind": "lost"},
        ]
        create_pipeline(session, SYSTEM, PipelineIn.model_validate({"name": "Опт", "stages": stages}))
        set_lost_reasons(session, SYSTEM, ["Дорого", "Выбрали конкурента"])
    return url


def _run(tmp_path: Path, kind: str, text: str, *extra: str) -> dict[str, object]:
    file = tmp_path / f"{kind}.csv"
    file.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(app, ["import", kind, str(file), "--json", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_companies_and_deals_from_bitrix24_and_amocrm(store: str, tmp_path: Path) -> None:
    dry = _run(tmp_path, "companies", BITRIX_COMPANIES, "--dry-run")
    with command_session(store) as session:
        assert session.scalar(select(func.count()).select_from(Company)) == 0  # a dry run writes nothing
    assert dry["created"] == 3 and dry["rejected"] == 2
    report = _run(tmp_path, "companies", BITRIX_COMPANIES)
    assert (report["created"], report["updated"], report["unchanged"], report["rejected"]) == (3, 0, 1, 2)
    refused = {r["row"]: r["code"] for r in report["rejections"]}  # type: ignore[union-attr]
    assert refused == {3: "inn.checksum", 7: "import.owner_unknown"}
    again = _run(tmp_path, "companies", BITRIX_COMPANIES)
    assert (again["created"], again["rejected"]) == (0, 2)

    deals = _run(tmp_path, "deals", BITRIX_DEALS)
    assert deals["mapping"]["stage"] == "Стадия сделки" and deals["mapping"]["amount"] == "Сумма"  # type: ignore[index]
    refused = {r["row"]: r["code"] for r in deals["rejections"]}  # type: ignore[union-attr]
    assert refused == {
        5: "deal.lost_reason_needed",
        6: "import.stage_unknown",
        7: "import.owner_unknown",
        8: "deal.party_needed",
    }
    assert deals["created"] == 3
    amo = _run(tmp_path, "deals", AMO_DEALS)
    assert amo["created"] == 2 and amo["rejected"] == 0, amo
    repeat = _run(tmp_path, "deals", BITRIX_DEALS)
    assert repeat["created"] == 0 and repeat["unchanged"] == 3  # re-import: found by the file's IDs
    assert _run(tmp_path, "deals", AMO_DEALS)["unchanged"] == 2  # no IDs: found by what the rows say
    with command_session(store) as session:
        rows = {d.title: d for d in session.scalars(select(Deal))}
        assert {t: (d.status, str(d.amount)) for t, d in rows.items()} == {
            "Поставка чая": ("open", "150000.50"),
            "Поставка кофе": ("won", "90000.00"),
            "Посуда": ("lost", "5000.00"),
            "Монтаж": ("won", "45000.00"),
            "Проект": ("lost", "12000.00"),
        }
        assert rows["Поставка чая"].customer_id == rows["Поставка кофе"].customer_id  # one card per person
        assert rows["Проект"].lost_reason == "Выбрали конкурента"
        assert session.scalar(select(func.count()).select_from(Identity).where(Identity.value == "+79165550001")) == 1
        assert session.scalar(select(func.count()).select_from(Company).where(Company.inn == "7707083893")) == 1
        history = session.scalars(select(DealHistory).where(DealHistory.deal_id == rows["Поставка кофе"].id)).one()
        assert history.kind == "import" and history.occurred_at is not None
        assert history.occurred_at.astimezone(MSK).date().isoformat() == "2026-03-15" and history.at.year >= 2026
        assert rows["Поставка кофе"].created_at.astimezone(MSK).date().isoformat() == "2026-03-02"
