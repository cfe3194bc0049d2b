"""Forms and HTMX requests carry the session's CSRF token; cookie-authenticated API calls from another site are
refused; every answer carries the security headers; no page runs inline script (issue 17, items 2 and 5)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura import customers
from klientura.audit import SYSTEM
from klientura.auth.service import create_user
from tests.factories import customer

PASSWORD = "password123"


@pytest.fixture
def signed_in(app_factory: Any, app_session: Session) -> Any:
    create_user(app_session, SYSTEM, "admin@test.local", "Admin", "admin", PASSWORD)
    cid = customer(app_session, full_name="Смирнова Анна", phone="+79161112233")
    app_session.commit()
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        page = client.get("/login")
        token = _token(page.text)
        r = client.post(
            "/login",
            data={"email": "admin@test.local", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        yield client, cid


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _tags(app_session: Session, cid: int) -> list[str]:
    app_session.expire_all()
    return customers.tags_of(app_session, [cid]).get(cid, [])


def test_a_form_without_the_token_does_nothing(signed_in: Any, app_session: Session) -> None:
    client, cid = signed_in
    refused = client.post(f"/customers/{cid}/tags", data={"tag": "evil"})
    assert refused.status_code == 403 and "Обновите её и повторите" in refused.text
    wrong = client.post(f"/customers/{cid}/tags", data={"tag": "evil", "csrf_token": "x" * 43})
    assert wrong.status_code == 403
    assert "evil" not in _tags(app_session, cid)
    token = _token(client.get(f"/customers/{cid}").text)
    added = client.post(f"/customers/{cid}/tags", data={"tag": "good", "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303 and "good" in _tags(app_session, cid)


def test_htmx_sends_the_token_in_a_header(signed_in: Any, app_session: Session) -> None:
    client, cid = signed_in
    html = client.get(f"/customers/{cid}").text
    header = re.search(r"hx-headers='\{\"X-CSRF-Token\": \"([^\"]+)\"\}'", html)
    assert header is not None
    r = client.post(f"/customers/{cid}/tags", data={"tag": "htmx"}, headers={"X-CSRF-Token": header.group(1)})
    assert r.status_code in (200, 303) and "htmx" in _tags(app_session, cid)


def test_a_token_from_the_right_session_is_still_refused_cross_site(signed_in: Any, app_session: Session) -> None:
    client, cid = signed_in
    token = _token(client.get(f"/customers/{cid}").text)
    r = client.post(
        f"/customers/{cid}/tags",
        data={"tag": "framed", "csrf_token": token},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403 and "framed" not in _tags(app_session, cid)


def test_login_from_another_site_is_refused(app_factory: Any, app_session: Session) -> None:
    """Login CSRF: a form on another site logging the victim into the attacker's account."""
    create_user(app_session, SYSTEM, "admin@test.local", "Admin", "admin", PASSWORD)
    app_session.commit()
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        plain = client.post("/login", data={"email": "admin@test.local", "password": PASSWORD}, follow_redirects=False)
        assert plain.status_code == 403
        api = client.post(
            "/api/v1/auth/login",
            json={"email": "admin@test.local", "password": PASSWORD},
            headers={"Origin": "https://evil.example"},
        )
        assert api.status_code == 403 and api.json()["code"] == "auth.cross_site"


@pytest.mark.parametrize(
    "headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}]
)
def test_the_cookie_api_refuses_another_sites_requests(signed_in: Any, app_session: Session, headers: Any) -> None:
    client, cid = signed_in
    r = client.post(f"/api/v1/customers/{cid}/tags", json={"tags": ["cross"]}, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.cross_site"
    assert "cross" not in _tags(app_session, cid)
    same = client.post(
        f"/api/v1/customers/{cid}/tags",
        json={"tags": ["same"]},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code < 300, same.text
    assert client.get(f"/api/v1/customers/{cid}", headers=headers).status_code == 200  # reading is not refused


def test_security_headers_on_pages_api_and_files(signed_in: Any) -> None:
    client, cid = signed_in
    for path in (f"/customers/{cid}", "/login", "/api/v1/me", "/static/app.css", "/api/v1/nothing-here"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_no_page_runs_inline_script(signed_in: Any) -> None:
    """Every script is a file of /static: the policy forbids the rest, so a page that needed one would break."""
    client, cid = signed_in
    for path in (f"/customers/{cid}", "/customers", "/dashboard", "/analytics", "/loyalty", "/campaigns", "/login"):
        html = client.get(path).text
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert all('src="/static/' in attrs for attrs in scripts), (path, scripts)
        assert not re.search(r"\son[a-z]+\s*=", html), path


def test_the_card_page_keeps_each_consent_decision(signed_in: Any) -> None:
    """The card's buttons are the person's explicit decision, recorded with its proof and shown as history."""
    client, cid = signed_in
    card = client.get(f"/customers/{cid}")
    for granted in ("1", "0"):
        r = client.post(
            f"/customers/{cid}/consents",
            data={"channel": "email", "granted": granted, "csrf_token": _token(card.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303
    history = client.get(f"/customers/{cid}").text.split('id="consent-history"')[1].split("</details>")[0]
    assert "История: 2" in history and history.count("ui:") == 2 and "card page" in history


def test_the_card_page_exports_and_erases_the_person(signed_in: Any) -> None:
    client, cid = signed_in
    token = _token(client.get(f"/customers/{cid}").text)
    data = client.post(f"/customers/{cid}/personal-data", data={"csrf_token": token})
    assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
    name = data.json()["cards"][0]["last_name"]
    assert name and data.json()["cards"][0]["identities"][0]["value"] == "+79161112233"
    kept = client.post(f"/customers/{cid}/erase", data={"csrf_token": token, "confirm": "no"}, follow_redirects=True)
    assert name in kept.text  # not confirmed: nothing erased
    gone = client.post(
        f"/customers/{cid}/erase", data={"csrf_token": token, "confirm": str(cid)}, follow_redirects=True
    )
    assert name not in gone.text and "9161112233" not in gone.text and 'id="personal-data"' in gone.text
    assert "?edit=1" not in gone.text and f"/customers/{cid}/consents" not in gone.text  # an erased card is read only
