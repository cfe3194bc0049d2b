"""Companies (issue 18, first part): one per INN — checked by its digits, also under concurrent requests; a
manager sees and changes only their own; contacts are customer cards with a position and a role."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.db import make_session_factory, writing
from klientura.sales import Company, CompanyIn, create_company
from tests.api.conftest import login
from tests.conftest import fresh_store
from tests.factories import SHOP

SBER = "7707083893"


def test_a_company_per_inn_with_its_contacts(api: TestClient) -> None:
    bad = api.post("/api/v1/companies", json={"name": "Опечатка", "inn": "7707083894"})
    assert bad.status_code == 422 and bad.json()["code"] == "inn.checksum"
    assert api.post("/api/v1/companies", json={"name": "   "}).json()["code"] == "company.name_needed"
    r = api.post(
        "/api/v1/companies",
        json={"name": "  ПАО   Сбербанк ", "inn": f"ИНН {SBER}", "kpp": "773601001", "phone": "8 495 500-55-50"},
    )
    assert r.status_code == 201, r.text
    company = r.json()["company"]
    assert (company["name"], company["inn"], company["phone"]) == ("ПАО Сбербанк", SBER, "+74955005550")
    again = api.post("/api/v1/companies", json={"name": "Сбер", "inn": SBER})
    assert again.status_code == 200 and again.json() == {"company": company, "created": False}
    assert api.get("/api/v1/companies", params={"inn": SBER}).json()["items"] == [company]
    contact = api.post(
        f"/api/v1/companies/{company['id']}/contacts",
        json={"customer": {"full_name": "Грефова Анна", "phone": "+79161234567"}, "position": "закупщик"},
    )
    assert contact.status_code == 201 and contact.json()["name"] == "Грефова Анна"
    # the person is one card, whatever company they are linked to
    other = api.post("/api/v1/companies", json={"name": "ООО Ромашка", "inn": "7710140679"}).json()["company"]
    api.post(
        f"/api/v1/companies/{other['id']}/contacts", json={"customer": {"phone": "8 916 123-45-67"}, "role": "ЛПР"}
    )
    people = [api.get(f"/api/v1/companies/{c['id']}/contacts").json()[0]["customer_id"] for c in (company, other)]
    assert people[0] == people[1]
    assert api.patch(f"/api/v1/companies/{company['id']}", json={"city": "Москва"}).json()["city"] == "Москва"


def test_a_manager_sees_only_their_own_companies(
    client: TestClient, app_session: Session, users: dict[str, int]
) -> None:
    manager = login(client, "manager@test.local")
    mine = manager.post("/api/v1/companies", json={"name": "Моя", "inn": SBER, "owner_id": users["admin"]})
    assert mine.status_code == 422  # a manager cannot hand a company to someone else
    mine = manager.post("/api/v1/companies", json={"name": "Моя", "inn": SBER}).json()["company"]
    assert mine["owner_id"] == users["manager"]
    other = login(client, "manager2@test.local")
    taken = other.post("/api/v1/companies", json={"name": "Чужая", "inn": SBER})
    assert taken.status_code == 409 and taken.json()["params"] == {"value": SBER} and "Моя" not in taken.text
    assert other.get(f"/api/v1/companies/{mine['id']}").status_code == 404
    assert other.get("/api/v1/companies").json()["items"] == []
    admin = login(client, "admin@test.local")
    assert admin.get(f"/api/v1/companies/{mine['id']}").status_code == 200


def test_concurrent_creates_of_one_inn_make_one_company(backend: str, tmp_path: Path) -> None:
    with fresh_store(backend, tmp_path) as url:
        factory = make_session_factory(url)
        barrier, results, errors = threading.Barrier(8), [], []

        def worker(i: int) -> None:
            with writing(), factory() as session:  # as a POST's transaction begins
                try:
                    barrier.wait()
                    company, _created = create_company(session, SYSTEM, CompanyIn(name=f"Сбер {i}", inn=SBER), SHOP)
                    session.commit()
                    results.append(company.id)
                except Exception as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with factory() as session:
            count = session.scalar(select(func.count()).select_from(Company))
        factory.kw["bind"].dispose()
    assert errors == [] and len(set(results)) == 1 and count == 1
