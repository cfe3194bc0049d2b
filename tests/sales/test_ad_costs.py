"""`klientura import ad-costs` (issue 20): Yandex Direct's report with its title and totals, VK Ads' statistics, a
generic file; rows of the same day and campaign summed; a re-import changing nothing and a corrected one replacing the
figures; refusals named by the file's own line; a file that does not say its source refused as a whole. And the API's
entry, list and removal of a day's spend."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from klientura.cli import app
from klientura.db import command_session
from klientura.sales import AdCost

DIRECT = """Отчёт Яндекс Директ «Расходы по кампаниям»
Период: 01.11.2026 - 03.11.2026
День;Кампания;№ Кампании;Показы;Клики;CTR (%);Расход (руб.);Ср. цена клика (руб.)
01.11.2026;Поиск - Москва;7001;10 200;310;3,04;4 512,30;14,56
01.11.2026;Поиск - Москва;7001;800;20;2,5;300,00;15
02.11.2026;РСЯ;7002;55 000;420;0,76;3 100,00;7,38
xx.11.2026;РСЯ;7002;1;1;1;1;1
03.11.2026;РСЯ;7002;45 000;380;0,84;-;
Итого;;;111 000;1 130;;7 912,30;
"""
VK = """Дата,Кампания,Показы,Клики,Потрачено ₽
2026-11-01,Ретаргетинг,12000,150,"1 250,50"
2026-11-02,Ретаргетинг,9000,-1,900
"""
GENERIC = "date,campaign,cost\n2026-11-01,spring,100\n"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'ads.db'}"
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", url)
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


def _run(tmp_path: Path, name: str, text: str, *extra: str) -> dict[str, object]:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(app, ["import", "ad-costs", str(file), "--json", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _costs(url: str) -> dict[tuple[date, str, str], tuple[Decimal, int | None, int | None]]:
    with command_session(url) as s:
        return {(c.day, c.source, c.campaign): (c.cost, c.clicks, c.impressions) for c in s.scalars(select(AdCost))}


def test_direct_and_vk_exports(store: str, tmp_path: Path) -> None:
    report = _run(tmp_path, "direct.csv", DIRECT)
    assert (report["total"], report["created"], report["rejected"]) == (5, 3, 1)
    assert [(r["row"], r["code"]) for r in report["rejections"]] == [(7, "date.invalid")]  # type: ignore[union-attr]
    assert _costs(store) == {
        (date(2026, 11, 1), "yandex", "Поиск - Москва"): (Decimal("4812.30"), 330, 11000),  # two rows of the day
        (date(2026, 11, 2), "yandex", "РСЯ"): (Decimal("3100.00"), 420, 55000),
        (date(2026, 11, 3), "yandex", "РСЯ"): (Decimal("0.00"), 380, 45000),  # '-': nothing spent
    }
    again = _run(tmp_path, "direct.csv", DIRECT)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    corrected = _run(tmp_path, "direct.csv", DIRECT.replace("3 100,00", "3 200,00"))
    assert (corrected["updated"], corrected["unchanged"]) == (1, 2)
    assert _costs(store)[date(2026, 11, 2), "yandex", "РСЯ"][0] == Decimal("3200.00")

    vk = _run(tmp_path, "vk.csv", VK)
    assert (vk["created"], vk["rejected"]) == (1, 1)  # -1 clicks is no count
    assert _costs(store)[date(2026, 11, 1), "vk", "Ретаргетинг"] == (Decimal("1250.50"), 150, 12000)


def test_a_file_must_say_its_source(store: str, tmp_path: Path) -> None:
    file = tmp_path / "generic.csv"
    file.write_text(GENERIC, encoding="utf-8")
    r = CliRunner().invoke(app, ["import", "ad-costs", str(file)])
    assert r.exit_code != 0 and "Источник" in r.output
    report = _run(tmp_path, "generic.csv", GENERIC, "--source", "Google")
    assert report["created"] == 1 and (date(2026, 11, 1), "google", "spring") in _costs(store)
    nothing = tmp_path / "nothing.csv"
    nothing.write_text("a,b\n1,2\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["import", "ad-costs", str(nothing)])
    assert r.exit_code != 0 and "Расход" in r.output


def test_the_api_enters_lists_and_removes_a_day(api: TestClient) -> None:
    client, headers = api, {}
    body = {"day": "2026-11-05", "source": " Yandex ", "campaign": "Поиск", "cost": "1500.00", "clicks": 40}
    made = client.put("/api/v1/ad-costs", json=body, headers=headers)
    assert made.status_code == 200, made.text
    assert (made.json()["source"], made.json()["cost"]) == ("yandex", "1500.00")
    again = client.put("/api/v1/ad-costs", json={**body, "cost": "1600"}, headers=headers)
    assert again.json()["id"] == made.json()["id"] and again.json()["cost"] == "1600.00"
    listed = client.get("/api/v1/ad-costs?date_from=2026-11-01&date_to=2026-11-30", headers=headers).json()
    assert [c["id"] for c in listed] == [made.json()["id"]]
    bad = client.put("/api/v1/ad-costs", json={**body, "cost": "-5"}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.delete(f"/api/v1/ad-costs/{made.json()['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/ad-costs/{made.json()['id']}", headers=headers).status_code == 404
