"""Web forms (issue 19): made by the API, posted by a site as JSON or by a plain HTML form; each submission lands
on the person's one card, becomes a request routed by the repeat-request rule and a conversation whose reply goes
back by e-mail; spam kept out (honeypot, timing token, rate per address); consent kept with its text's version;
bad input answered with a code and nothing written; CORS only for the form's sites."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura import worker
from klientura.channels import SmtpChannel, SmtpSettings
from klientura.config import Settings
from klientura.conversations import Conversation, Message, timing_token
from klientura.customers import Customer
from klientura.db import utcnow
from klientura.sales import Lead

SECRET = Settings(secret_key="test-secret").key("forms").encode()
JSON = {"Accept": "application/json"}


def _form(api: TestClient, **extra: Any) -> dict[str, Any]:
    r = api.post("/api/v1/forms", json={"name": "Заявка на опт", **extra})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _old_token(key: str) -> str:
    return timing_token(SECRET, key, utcnow() - timedelta(seconds=30))


def _counts(session: Session) -> tuple[int, int, int, int]:
    session.expire_all()
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(t)) for t in (Customer, Lead, Conversation, Message)
    )


def test_a_form_by_the_contract_and_its_submissions_land_on_one_card(api: TestClient, app_session: Session) -> None:
    form = _form(api)
    assert [f["name"] for f in form["fields"]] == ["name", "phone", "email", "comment"]
    assert form["url"].endswith(f"/f/{form['key']}") and form["key"] in form["embed"]
    assert [f["key"] for f in api.get("/api/v1/forms").json()] == [form["key"]]
    body = {
        "name": "Иванова Мария",
        "phone": "8 (916) 555-44-33",
        "comment": "Нужна консультация по опту",
        "utm_source": "yandex",
        "utm_campaign": "tea-opt",
        "yclid": "77123",
        "_ts": _old_token(form["key"]),
    }
    first = api.post(f"/f/{form['key']}", json=body, headers=JSON)
    assert first.status_code == 201, first.text
    got = first.json()
    assert got["outcome"] == "lead" and got["deal_id"] is None
    lead = api.get(f"/api/v1/leads/{got['lead_id']}").json()
    assert (lead["channel"], lead["source"], lead["utm_source"], lead["utm_campaign"]) == (
        "form",
        "form",
        "yandex",
        "tea-opt",
    )
    assert lead["text"] == "Нужна консультация по опту"
    messages = api.get(f"/api/v1/conversations/{got['conversation_id']}/messages").json()
    assert [m["direction"] for m in messages] == ["in"]
    assert messages[0]["data"]["yclid"] == "77123" and messages[0]["data"]["form"] == "Заявка на опт"
    # the same person again, the number written another way: the same card, joined to their open request
    again = api.post(f"/f/{form['key']}", json={"phone": "+7 916 555 44 33", "comment": "Ещё вопрос"}, headers=JSON)
    assert again.status_code == 201, again.text
    assert again.json()["customer_id"] == got["customer_id"] and again.json()["outcome"] == "joined"
    assert _counts(app_session)[0] == 1
    # an ad's link without tags: the click id says where the visitor came from
    untagged = api.post(f"/f/{form['key']}", json={"phone": "+7 903 111 22 33", "gclid": "Cj0K", "_ts": body["_ts"]},
                        headers=JSON)  # fmt: skip
    assert untagged.status_code == 201, untagged.text
    assert api.get(f"/api/v1/leads/{untagged.json()['lead_id']}").json()["utm_source"] == "google"
    talk = api.get(f"/api/v1/conversations?customer_id={got['customer_id']}").json()["items"]
    assert [(c["channel"], c["peer"], c["unread"]) for c in talk] == [("form", "+79165554433", 2)]


def test_bad_input_is_refused_with_a_code_and_nothing_is_written(api: TestClient, app_session: Session) -> None:
    form = _form(api, consent_text="Согласен на обработку персональных данных", consent_version="2026-11")
    before = _counts(app_session)
    cases = [
        ({"name": "Без контакта", "_consent": "on"}, "form.required"),
        ({"phone": "+79160000001", "colour": "red", "_consent": "on"}, "form.field.unknown"),
        ({"email": "not-an-address", "_consent": "on"}, "email.invalid"),
        ({"phone": "+79160000001"}, "form.consent_needed"),
        ({"phone": "+79160000001", "_consent": "on", "_ts": "123.forged"}, "form.stale"),
        (
            {"phone": "+79160000001", "_consent": "on", "_ts": timing_token(SECRET, form["key"], utcnow())},
            "form.too_fast",
        ),
    ]
    for body, code in cases:
        r = api.post(f"/f/{form['key']}", json=body, headers=JSON)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == code, (body, r.json())
    assert api.post("/f/no-such-form", json={"phone": "+79160000001"}, headers=JSON).json()["code"] == "form.not_found"
    assert _counts(app_session) == before


def test_consent_is_kept_with_the_words_version_and_page(api: TestClient) -> None:
    form = _form(api, consent_text="Согласен получать письма", consent_version="v3", consent_channels=["email"])
    body = {"email": "Olga@Example.com", "_consent": "on", "page": "https://shop.example/opt"}
    got = api.post(f"/f/{form['key']}", json=body, headers=JSON).json()
    history = api.get(f"/api/v1/customers/{got['customer_id']}/consents").json()
    assert [(h["channel"], h["granted"], h["explicit"], h["wording"], h["place"]) for h in history] == [
        ("email", True, True, "v3", "https://shop.example/opt")
    ]
    assert history[0]["source"] == f"form:{form['key']}"


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_kept(api: TestClient, app_session: Session) -> None:
    form = _form(api)
    before = _counts(app_session)
    r = api.post(f"/f/{form['key']}", json={"phone": "+79160000002", "_hp": "http://spam.example"}, headers=JSON)
    assert r.status_code == 201 and r.json() == {"accepted": True}
    assert _counts(app_session) == before


def test_the_hosted_page_a_plain_html_post_the_thank_you_page_and_the_redirect(api: TestClient) -> None:
    form = _form(api, thanks="Спасибо, перезвоним за 15 минут")
    page = api.get(f"/f/{form['key']}")
    assert page.status_code == 200 and 'name="_ts"' in page.text and 'name="_hp"' in page.text
    data = {"name": "Петров", "phone": "+79160000003", "_ts": _old_token(form["key"]), "_hp": ""}
    thanks = api.post(f"/f/{form['key']}", data=data)
    assert thanks.status_code == 200 and "Спасибо, перезвоним за 15 минут" in thanks.text
    refused = api.post(f"/f/{form['key']}", data={"name": "Петров", "phone": "12"})
    assert refused.status_code == 422 and 'value="Петров"' in refused.text and 'id="form-error"' in refused.text
    away = _form(api, name="С переходом", redirect_url="https://shop.example/thanks")
    moved = api.post(f"/f/{away['key']}", data={"phone": "+79160000004"}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "https://shop.example/thanks"


def test_cors_only_for_the_forms_sites(api: TestClient) -> None:
    form = _form(api, origins=["https://shop.example/"])
    ok = api.options(f"/f/{form['key']}", headers={"Origin": "https://shop.example"})
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == "https://shop.example"
    assert "POST" in ok.headers["access-control-allow-methods"]
    other = api.options(f"/f/{form['key']}", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    described = api.get(f"/f/{form['key']}", headers={**JSON, "Origin": "https://shop.example"})
    assert described.headers["access-control-allow-origin"] == "https://shop.example"
    assert described.json()["token"] and described.json()["honeypot"] == "_hp"
    posted = api.post(
        f"/f/{form['key']}", json={"phone": "+79160000005"}, headers={**JSON, "Origin": "https://shop.example"}
    )
    assert posted.status_code == 201 and posted.headers["access-control-allow-origin"] == "https://shop.example"


def test_submissions_from_one_address_are_limited(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, app_factory: Any
) -> None:
    monkeypatch.setenv("KLIENTURA_FORM_RATE", "2 per minute")
    with TestClient(app_factory(), raise_server_exceptions=False) as limited:
        limited.headers.update(api.headers)
        form = _form(limited)
        for n in range(2):
            assert limited.post(f"/f/{form['key']}", json={"phone": f"+7916000001{n}"}, headers=JSON).status_code == 201
        refused = limited.post(f"/f/{form['key']}", json={"phone": "+79160000019"}, headers=JSON)
    assert refused.status_code == 429 and refused.json()["code"] == "form.throttled"
    assert int(refused.headers["retry-after"]) >= 1


def test_a_reply_goes_back_by_e_mail_through_the_outbox(
    api: TestClient, app_session: Session, smtp: Any, request: pytest.FixtureRequest
) -> None:
    sink, port = smtp
    form = _form(api)
    got = api.post(f"/f/{form['key']}", json={"email": "buyer@example.com", "comment": "Цена?"}, headers=JSON).json()
    r = api.post(f"/api/v1/conversations/{got['conversation_id']}/messages", json={"text": "Пришлём прайс сегодня"})
    assert r.status_code == 201, r.text
    assert r.json()["delivery"] == "queued"
    talk = api.get(f"/api/v1/conversations/{got['conversation_id']}").json()
    assert talk["waiting_since"] is None and talk["first_reply_at"] and talk["unread"] == 0
    channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, sender="shop@example.com"))
    request.addfinalizer(channel.close)
    assert worker.deliver(app_session, {"email": channel}, lambda: utcnow() + timedelta(seconds=1))["sent"] == 1
    app_session.commit()
    (mail,) = sink.received
    assert mail["To"] == "buyer@example.com" and mail["Subject"] == "Re: Заявка на опт"
    assert "Пришлём прайс сегодня" in mail.get_body().get_content()  # type: ignore[union-attr]
    messages = api.get(f"/api/v1/conversations/{got['conversation_id']}/messages").json()
    assert [(m["direction"], m["delivery"]) for m in messages] == [("in", None), ("out", "sent")]
