"""Quotes and documents (issue 18): a deal's lines from the catalogue set its amount (hand-counted, VAT within, in
the history); a proposal is rendered from them with the company's template to a PDF whose Cyrillic reads back —
requisites, the totals in figures and in Russian words; versions supersede each other; sent by e-mail through the
outbox to a real SMTP server on loopback with the same PDF attached; accepted, it moves the deal on. Files attach
to deals within the size limit and are seen only by those who see the deal; the timeline shows all of it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from klientura import catalog, worker
from klientura.audit import SYSTEM
from klientura.catalog import ProductIn
from klientura.channels import SmtpChannel, SmtpSettings
from klientura.sales import in_words
from tests.api.conftest import login
from tests.channels.test_smtp import Sink
from tests.sales.test_deals import _pipeline

TEMPLATE = {
    "seller": "ООО «Ромашка»",
    "inn": "7707083893",
    "kpp": "773601001",
    "address": "Москва, ул. Вавилова, 19",
    "bank": "ПАО Сбербанк",
    "bik": "044525225",
    "account": "40702810400000012345",
    "corr_account": "30101810400000000225",
    "intro": "Благодарим за интерес к нашей продукции.",
    "terms": "Оплата 100% по счёту, отгрузка в течение 5 рабочих дней.",
    "signer": "Иванов И. И.",
    "signer_position": "Генеральный директор",
    "valid_days": 14,
}
LINES = [
    {"sku": "TEA-1", "quantity": "3", "discount": "10", "vat_rate": 20},  # 3 × 12 500 − 10% = 33 750.00, VAT 5 625.00
    {"name": "Монтаж", "quantity": "2.5", "price": "1999.99", "unit": "ч"},  # 4 999.975 → 4 999.98, VAT 833.33
    {"name": "Доставка", "price": "1500", "vat_rate": None},  # 1 500.00, no VAT
]


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\xa0", " ")


def test_totals_in_russian_words() -> None:
    assert in_words(Decimal("40249.98"), "RUB") == "Сорок тысяч двести сорок девять рублей 98 копеек"
    assert in_words(Decimal("1.01"), "RUB") == "Один рубль 01 копейка"
    assert in_words(Decimal("2000000"), "RUB") == "Два миллиона рублей 00 копеек"


def test_lines_a_quote_in_pdf_sent_accepted_and_on_the_timeline(
    api: TestClient, app_session: Session, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    catalog.upsert_product(app_session, SYSTEM, ProductIn(sku="TEA-1", name="Чай «Улун», ящик", price=Decimal(12500)))
    app_session.commit()
    assert api.put("/api/v1/quote-template", json=TEMPLATE).status_code == 200
    p = _pipeline(api)
    company = api.post("/api/v1/companies", json={"name": "ООО «Лютик»", "inn": "7728168971"}).json()
    deal = api.post(
        "/api/v1/deals",
        json={
            "pipeline_id": p["id"],
            "title": "Поставка чая",
            "company_id": company["company"]["id"] if "company" in company else company["id"],
            "customer": {"full_name": "Закупкина Ольга", "email": "olga@lutik.ru"},
        },
    ).json()
    url = f"/api/v1/deals/{deal['id']}"
    assert api.post(f"{url}/quotes", json={}).json()["code"] == "quote.no_lines"

    r = api.put(f"{url}/lines", json={"lines": LINES, "reason": "спецификация"})
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["vat"]) == ("40249.98", "6458.33")
    assert [x["total"] for x in r.json()["lines"]] == ["33750.00", "4999.98", "1500.00"]
    assert api.get(url).json()["amount"] == "40249.98"
    history = api.get(f"{url}/history").json()
    assert (history[-1]["kind"], history[-1]["amount"], history[-1]["reason"]) == ("amount", "40249.98", "спецификация")
    bad = api.put(f"{url}/lines", json={"lines": [{"sku": "NOPE"}]})
    assert (bad.status_code, bad.json()["code"]) == (422, "deal.line.product_unknown")

    first = api.post(f"{url}/quotes", json={}).json()
    second = api.post(f"{url}/quotes", json={}).json()
    assert (first["version"], second["version"]) == (1, 2)
    assert second["number"] == f"КП-{deal['id']}-2" and second["total"] == "40249.98"
    assert api.get(f"/api/v1/quotes/{first['id']}").json()["status"] == "superseded"
    pdf = api.get(f"/api/v1/quotes/{second['id']}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = _text(pdf.content)
    for expected in (
        f"Коммерческое предложение № КП-{deal['id']}-2",
        "ООО «Ромашка»",
        "ИНН 7707083893",
        "Кому: ООО «Лютик», ИНН 7728168971",
        "Чай «Улун», ящик (TEA-1)",
        "Итого: 40 249,98 руб.",
        "В том числе НДС 20%: 6 458,33 руб.",
        "Сорок тысяч двести сорок девять рублей 98 копеек",
        "ПАО Сбербанк",
        "Генеральный директор Иванов И. И.",
    ):
        assert expected in text, expected

    stale = api.post(f"/api/v1/quotes/{first['id']}/send", json={})
    assert (stale.status_code, stale.json()["code"]) == (409, "quote.superseded")
    sent = api.post(f"/api/v1/quotes/{second['id']}/send", json={})
    assert (sent.json()["status"], sent.json()["sent_to"]) == ("sent", "olga@lutik.ru")
    channel = SmtpChannel(SmtpSettings(port=port, sender="crm@romashka.ru"))
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert worker.deliver(app_session, {"email": channel}, lambda: later)["sent"] == 1
    channel.close()
    mail = sink.received[0]
    assert str(mail["Subject"]).startswith(f"Коммерческое предложение № КП-{deal['id']}-2")
    attached = [part for part in mail.iter_attachments()]
    assert [a.get_filename() for a in attached] == [f"КП-{deal['id']}-2.pdf"]
    assert attached[0].get_content() == pdf.content  # the very PDF the deal keeps
    assert "/q/" in mail.get_body(("plain",)).get_content()  # the client's link to accept it

    accepted = api.post(f"/api/v1/quotes/{second['id']}/decision", json={"decision": "accepted"})
    assert accepted.json()["status"] == "accepted"
    assert api.get(url).json()["stage_id"] == p["Переговоры"]  # moved on from Контакт
    again = api.post(f"/api/v1/quotes/{second['id']}/decision", json={"decision": "declined"})
    assert (again.status_code, again.json()["code"]) == (409, "quote.decided")

    assert api.post(f"{url}/notes", json={"text": "Созвонились, ждут счёт"}).status_code == 201
    kinds = [e["kind"] for e in api.get(f"{url}/timeline").json()]
    assert {"created", "change", "quote", "stage", "note"} <= set(kinds)


def test_files_within_the_limit_seen_by_those_who_see_the_deal(
    api: TestClient, client: TestClient, users: dict[str, int]
) -> None:
    p = _pipeline(api)
    deal = api.post(
        "/api/v1/deals",
        json={
            "pipeline_id": p["id"],
            "title": "Сделка",
            "customer": {"phone": "+79161112233"},
            "owner_id": users["manager"],
        },
    ).json()
    url = f"/api/v1/deals/{deal['id']}/files"
    r = api.post(url, files={"file": ("../../Договор поставки.pdf", b"%PDF-1.4 test", "application/pdf")})
    assert r.status_code == 201, r.text
    assert (r.json()["name"], r.json()["size"]) == ("Договор поставки.pdf", 13)
    got = api.get(f"/api/v1/files/{r.json()['id']}")
    assert got.content == b"%PDF-1.4 test" and "attachment" in got.headers["content-disposition"]
    big = api.post(url, files={"file": ("big.bin", b"x" * (2**20 + 1), "application/octet-stream")})
    assert (big.status_code, big.json()["code"]) == (413, "file.too_large")
    empty = api.post(url, files={"file": ("empty.txt", b"", "text/plain")})
    assert (empty.status_code, empty.json()["code"]) == (422, "file.empty")
    api.headers.pop("Authorization")
    other = login(client, "manager2@test.local")
    assert other.get(f"/api/v1/files/{r.json()['id']}").status_code == 404  # not their deal
    assert other.post(url, files={"file": ("x.txt", b"x", "text/plain")}).status_code == 404
    client.post("/api/v1/auth/logout")
    owner = login(client, "manager@test.local")
    assert owner.get(f"/api/v1/files/{r.json()['id']}").status_code == 200
    assert owner.delete(f"/api/v1/files/{r.json()['id']}").status_code == 204
    assert owner.get(url).json() == []
    assert owner.get(f"/api/v1/files/{r.json()['id']}").status_code == 404


def test_a_lost_deals_lines_stay_as_they_were(api: TestClient) -> None:
    p = _pipeline(api)
    deal = api.post(
        "/api/v1/deals", json={"pipeline_id": p["id"], "title": "Сделка", "customer": {"phone": "+79161112234"}}
    ).json()
    api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": p["Проиграна"], "lost_reason": "Дорого"})
    r = api.put(f"/api/v1/deals/{deal['id']}/lines", json={"lines": [{"name": "X", "price": "1"}]})
    assert (r.status_code, r.json()["code"]) == (409, "deal.lost")
