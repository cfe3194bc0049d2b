"""The card's postal address (issue 21: e-shops deliver, and the duplicate finder compares where people live): given
through the API, edited, imported from a file whose headers say Индекс / Область / Адрес, refused when unreadable,
erased with the person."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.customers import find_by_identity
from klientura.imports import run_import
from tests.factories import SHOP

PROBLEM = "application/problem+json"


def test_given_read_edited_and_refused_through_the_api(api: TestClient) -> None:
    r = api.post("/api/v1/customers", json={"phone": "+79161234567", "full_name": "Петрова Анна",
                                            "postcode": " 123 456 ", "region": "московская   область",
                                            "city": "Химки", "address": "ул. Ленина,   д. 5, кв. 12 "})  # fmt: skip
    assert r.status_code == 201, r.text
    card = r.json()["customer"]
    assert (card["postcode"], card["region"], card["address"]) == (
        "123456",
        "Московская область",
        "ул. Ленина, д. 5, кв. 12",
    )
    cid = r.json()["customer_id"]
    moved = api.patch(f"/api/v1/customers/{cid}", json={"address": "пр. Мира, 1", "postcode": "141400"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["address"], moved.json()["postcode"]) == ("пр. Мира, 1", "141400")
    bad = api.post("/api/v1/customers", json={"phone": "+79161234568", "postcode": "дом у реки"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["code"] == "customer.postcode.unreadable" and "дом у реки" in bad.json()["detail"]
    long_address = api.patch(f"/api/v1/customers/{cid}", json={"address": "д" * 301})
    assert long_address.status_code == 422 and long_address.headers["content-type"] == PROBLEM


def test_imported_from_russian_headers_with_a_row_report(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(
        "ФИО;Телефон;Индекс;Область;Город;Адрес доставки\n"
        "Сидоров Пётр;+7 903 111 22 33;630099;Новосибирская обл;Новосибирск;ул. Фрунзе, 5\n"
        "Кто-то Ещё;+7 903 111 22 34;не помню;;;\n",
        encoding="utf-8",
    )
    report = run_import(session, SYSTEM, path, "customers", shop=SHOP)
    assert (report.created, report.rejected, report.noted) == (2, 0, 1)  # the person kept, the postcode left out
    assert report.notes[0].row_no == 3 and "не помню" in report.notes[0].reason
    other = find_by_identity(session, SYSTEM, "phone", "+79031112234", "RU")
    assert other is not None and other.postcode is None
    petr = find_by_identity(session, SYSTEM, "phone", "+79031112233", "RU")
    assert petr is not None
    assert (petr.postcode, petr.region, petr.city, petr.address) == ("630099", "Новосибирская обл", "Новосибирск",
                                                                     "ул. Фрунзе, 5")  # fmt: skip


def test_erased_with_the_person(api: TestClient) -> None:
    r = api.post("/api/v1/customers", json={"phone": "+79161230000", "full_name": "Иванова Мария",
                                            "postcode": "101000", "address": "Мясницкая, 1"})  # fmt: skip
    cid = r.json()["customer_id"]
    assert api.post(f"/api/v1/customers/{cid}/erase", json={"confirm": cid}).status_code == 200
    card = api.get(f"/api/v1/customers/{cid}").json()["customer"]
    assert card["erased_at"] and (card["postcode"], card["address"]) == (None, None)
