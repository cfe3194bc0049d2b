"""Campaigns over HTTP as an integration uses them, and the links a recipient follows (unsubscribe, tracking)."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import campaigns
from klientura.audit import SYSTEM
from klientura.auth import create_api_key
from klientura.campaigns import Links, OutboxMessage
from klientura.campaigns import hooks as campaigns_hooks
from klientura.config import Settings
from klientura.customers import Consent
from tests import factories
from tests.api.conftest import login
from tests.campaigns.test_campaigns import segment


def _draft(segment_id: int) -> dict[str, Any]:
    return {
        "name": "Осень",
        "segment_id": segment_id,
        "channel": "email",
        "holdout_share": 0,
        "quiet_from": None,
        "quiet_until": None,
        "global_control": False,
        "variants": [
            {
                "name": "A",
                "subject": "{{ name }}, осень",
                "text": "Привет, {{ name }}",
                "html": '<html><body><p>Привет, {{ name }}</p><a href="https://shop.example.ru/sale?a=1&amp;b=2">Скидки</a></body></html>',
            }
        ],
    }


def test_a_campaign_from_draft_to_report(api: TestClient, app_session: Session) -> None:
    ids = [
        factories.customer(app_session, first_name=f"Ольга{i}", email=f"o{i}@example.com", consents={"email": True})
        for i in range(5)
    ]
    seg = segment(app_session, ids)
    app_session.commit()
    bad = api.post(
        "/api/v1/campaigns", json={**_draft(seg), "variants": [{"name": "A", "subject": "x", "text": "{{ nmae }}"}]}
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "'nmae' is undefined" in bad.json()["detail"]
    r = api.post("/api/v1/campaigns", json=_draft(seg))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    shown = api.get(f"/api/v1/campaigns/{cid}/preview", params={"customer_id": ids[0]}).json()
    assert shown["subject"] == "Ольга0, осень" and shown["to"] == "o0@example.com" and shown["skipped"] is None
    assert (
        api.post(f"/api/v1/campaigns/{cid}/test", json={"customer_id": ids[0], "to": "me@shop.ru"}).status_code == 202
    )
    assert api.get(f"/api/v1/campaigns/{cid}/report").status_code == 409  # not launched yet
    launched = api.post(f"/api/v1/campaigns/{cid}/launch")
    assert launched.status_code == 200 and launched.json()["plan"]["target"] == 5
    assert api.post(f"/api/v1/campaigns/{cid}/launch").status_code == 409
    assert api.put(f"/api/v1/campaigns/{cid}", json=_draft(seg)).status_code == 409

    message = app_session.scalars(
        select(OutboxMessage).where(OutboxMessage.customer_id == ids[0], OutboxMessage.source == f"campaign:{cid}")
    ).one()
    sent = campaigns.compose(
        app_session, message, Links("http://testserver", Settings(secret_key="test-secret").key("links")), {}
    )
    assert sent.html is not None and "https://shop.example.ru" not in sent.html  # every link goes through us
    click = sent.html.split('href="')[1].split('"')[0].removeprefix("http://testserver")
    pixel = sent.html.split('<img src="')[1].split('"')[0].removeprefix("http://testserver")
    followed = api.get(click, follow_redirects=False)
    assert followed.status_code == 302 and followed.headers["location"] == "https://shop.example.ru/sale?a=1&b=2"
    assert api.get(click, follow_redirects=False).status_code == 302  # a second click counts once
    img = api.get(pixel)
    assert img.status_code == 200 and img.headers["content-type"] == "image/gif"
    assert api.get(click[:-3] + "xyz", follow_redirects=False).status_code == 404  # a forged link
    delivery = api.get(f"/api/v1/campaigns/{cid}/report").json()["delivery"]
    assert (delivery["opened"], delivery["clicked"], delivery["queued"]) == (1, 1, 5)

    assert sent.unsubscribe_url is not None
    link = sent.unsubscribe_url.removeprefix("http://testserver")
    page = api.get(link)
    assert page.status_code == 200 and "Отписаться" in page.text
    done = api.post(link, data={"List-Unsubscribe": "One-Click"})  # what a mail client's one-click sends
    assert done.status_code == 200 and "Вы отписались" in done.text
    consent = app_session.scalars(
        select(Consent).where(Consent.customer_id == ids[0], Consent.channel == "email")
    ).one()
    app_session.refresh(consent)
    assert consent.granted is False and consent.source == "unsubscribe"
    assert api.get(link[:-2] + "zz").status_code == 404
    again = api.post("/api/v1/campaigns", json={**_draft(seg), "name": "Зима"}).json()
    assert (
        api.get(f"/api/v1/campaigns/{again['id']}/preview", params={"customer_id": ids[0]}).json()["skipped"]
        == "no consent to email"
    )


def test_who_may_do_what(client: TestClient, app_session: Session, users: dict[str, int]) -> None:
    seg = segment(app_session, [factories.customer(app_session, email="x@example.com")])
    app_session.commit()
    analyst = login(client, "analyst@test.local")
    assert analyst.post("/api/v1/campaigns", json=_draft(seg)).status_code == 403
    assert analyst.get("/api/v1/campaigns").status_code == 200
    marketer = login(client, "marketer@test.local")
    assert marketer.post("/api/v1/campaigns", json=_draft(seg)).status_code == 201
    assert marketer.put("/api/v1/global-control", json={"share": 0.05, "days": 90}).status_code == 200
    assert marketer.put("/api/v1/global-control", json={"share": 0.9}).status_code == 422


def test_scenarios_over_http(api: TestClient) -> None:
    listed = api.get("/api/v1/scenarios").json()
    assert [s["key"] for s in listed][:2] == ["abandoned_cart", "expiring_points"] and not listed[0]["enabled"]
    bad = api.put("/api/v1/scenarios/welcome", json={"variants": [{"text": "{{ nmae }}"}]})
    assert bad.status_code == 422 and "variant A, text" in bad.json()["detail"]
    assert api.put("/api/v1/scenarios/nope", json={}).status_code == 404
    on = api.put("/api/v1/scenarios/welcome", json={"enabled": True, "delay_hours": 1, "holdout_share": 0.2})
    assert on.status_code == 200 and on.json()["enabled"] and on.json()["checked_until"] is not None
    assert on.json()["variants"][0]["subject"] == "Добро пожаловать, {{ name }}!"  # the ready text kept
    report = api.get("/api/v1/scenarios/welcome/report")
    assert report.status_code == 200 and report.json()["overall"]["target"]["customers"] == 0


def test_providers_report_delivery_through_signed_callbacks(api: TestClient, app_session: Session) -> None:
    from klientura.channels import DeliveryResult

    ids = [factories.customer(app_session, email=f"d{i}@example.com", consents={"email": True}) for i in range(3)]
    seg = segment(app_session, ids)
    app_session.commit()
    cid = api.post("/api/v1/campaigns", json=_draft(seg)).json()["id"]
    assert api.post(f"/api/v1/campaigns/{cid}/launch").status_code == 200
    messages = app_session.scalars(select(OutboxMessage).where(OutboxMessage.source == f"campaign:{cid}")).all()
    for n, m in enumerate(messages):
        campaigns.record_delivery(app_session, m, DeliveryResult("sent", provider_id=f"202611-{n}"), m.created_at)
    app_session.commit()
    given = api.get("/api/v1/delivery-hooks").json()
    hooks = {k: v["url"].removeprefix("http://testserver") for k, v in given.items()}
    secret = given["generic"]["secret"]

    def generic(payload: Any, *, stamp: int | None = None, key: str = secret, url: str = hooks["generic"]) -> Any:
        body = json.dumps(payload).encode()
        t = int(time.time()) if stamp is None else stamp  # the server's clock: the app in the tests runs on real time
        headers = {"content-type": "application/json", "x-klientura-timestamp": str(t)}
        headers["x-klientura-signature"] = campaigns_hooks.sign(key, t, body)
        return api.post(url, content=body, headers=headers)

    first = generic(
        [
            {"provider_id": "202611-0", "status": "delivered"},
            {"provider_id": "202611-1", "status": "failed", "error": "550 no such user"},
            {"provider_id": "someone-else", "status": "read"},
        ]
    )
    assert first.status_code == 200 and first.json() == {"messages": 2}, first.text
    smsru = api.post(hooks["smsru"], data={"data[]": ["sms_status\n202611-2\n103", "sms_status\n202611-0\n102"]})
    assert smsru.status_code == 200 and smsru.text == "100"  # what SMS.ru expects back
    again = generic({"provider_id": "202611-0", "status": "delivered"})  # a repeat: no change
    assert again.status_code == 200
    assert api.post(hooks["smsc"].replace("/smsc/", "/smsru/"), data={}).status_code == 422  # another provider's token
    assert generic({"status": "delivered"}).status_code == 422
    # unsigned, signed with another secret, or replayed ten minutes later: refused (issue 17, item 14)
    unsigned = api.post(hooks["generic"], json={"provider_id": "202611-0", "status": "read"})
    assert unsigned.status_code == 422 and unsigned.json()["code"] == "hook.signature"
    assert generic({"provider_id": "202611-0", "status": "read"}, key="0" * 64).json()["code"] == "hook.signature"
    stale = generic({"provider_id": "202611-0", "status": "read"}, stamp=int(time.time()) - 600)
    assert stale.status_code == 422 and stale.json()["code"] == "hook.stale"
    # a rotated address: the new one works, the old one for a day more, then never again
    rotated = api.post("/api/v1/delivery-hooks/smsru/rotate").json()["url"].removeprefix("http://testserver")
    assert rotated != hooks["smsru"]
    for url in (rotated, hooks["smsru"]):
        assert api.post(url, data={"data[]": ["sms_status\n202611-2\n103"]}).text == "100"
    api.post("/api/v1/delivery-hooks/smsru/rotate")  # the first address is two generations old now
    gone = api.post(hooks["smsru"], data={"data[]": ["sms_status\n202611-2\n103"]})
    assert gone.status_code == 422 and gone.json()["code"] == "hook.foreign"
    delivery = api.get(f"/api/v1/campaigns/{cid}/report").json()["delivery"]
    assert (delivery["sent"], delivery["delivered"], delivery["undelivered"]) == (3, 2, 1)
    app_session.expire_all()  # the callbacks changed the rows through the server's own session
    history = [e.status for e in campaigns.history(app_session, messages[1].id)]
    assert history[-1] == "failed" and "550" in (app_session.get_one(OutboxMessage, messages[1].id).last_error or "")


def test_a_preview_needs_the_card_and_its_unsubscribe_link_is_inert(
    api: TestClient, client: TestClient, app_session: Session
) -> None:
    """A key with campaigns:read previewed any customer's name and a live unsubscribe link (issue 17, item 4)."""
    anna = factories.customer(app_session, first_name="Анна", email="anna@example.com", consents={"email": True})
    seg = segment(app_session, [anna])
    _k, reader = create_api_key(app_session, SYSTEM, "campaigns only", ["campaigns:read"])
    app_session.commit()
    draft = _draft(seg)
    draft["variants"][0]["text"] = "Привет, {{ name }}. Отписаться: {{ unsubscribe_url }}"
    cid = api.post("/api/v1/campaigns", json=draft).json()["id"]
    refused = client.get(
        f"/api/v1/campaigns/{cid}/preview", params={"customer_id": anna}, headers={"Authorization": f"Bearer {reader}"}
    )
    assert refused.status_code == 403 and "Анна" not in refused.text
    shown = api.get(f"/api/v1/campaigns/{cid}/preview", params={"customer_id": anna}).json()
    assert shown["text"] == "Привет, Анна. Отписаться: http://testserver/u/sample"
    assert api.post(f"/api/v1/campaigns/{cid}/test", json={"customer_id": anna, "to": "me@shop.ru"}).status_code == 202
    test_message = app_session.scalars(select(OutboxMessage).where(OutboxMessage.source == "test")).one()
    assert test_message.text.endswith("/u/sample") and test_message.unsubscribe_url is None
    page = client.get("/u/sample")
    assert page.status_code == 200 and "никто не отписан" in page.text.lower()
    assert client.post("/u/sample", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    consent = app_session.scalars(select(Consent).where(Consent.customer_id == anna, Consent.channel == "email")).one()
    app_session.refresh(consent)
    assert consent.granted is True  # the customer is still subscribed


def test_sending_needs_the_public_address(app_factory: Any, app_session: Session, key: str) -> None:
    """Links were built from the request's Host when KLIENTURA_PUBLIC_URL was unset (issue 17, item 16): a client
    choosing the Host chose where every unsubscribe and click link of a campaign pointed."""
    from klientura.app import create_app

    anna = factories.customer(app_session, first_name="Анна", email="anna@example.com", consents={"email": True})
    seg = segment(app_session, [anna])
    app_session.commit()
    settings = Settings(database_url="sqlite://", secret_key="test-secret", public_url="")
    with TestClient(create_app(settings, session_factory=app_factory.session_factory)) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        cid = c.post("/api/v1/campaigns", json=_draft(seg)).json()["id"]
        launch = c.post(f"/api/v1/campaigns/{cid}/launch", headers={"Host": "evil.example"})
        assert launch.status_code == 422 and launch.json()["code"] == "campaign.links.no_public_url"
        test = c.post(f"/api/v1/campaigns/{cid}/test", json={"customer_id": anna, "to": "me@shop.ru"})
        assert test.status_code == 422 and c.get("/api/v1/delivery-hooks").status_code == 422
        assert c.get(f"/api/v1/campaigns/{cid}/preview", params={"customer_id": anna}).status_code == 200
