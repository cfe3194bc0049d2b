"""Consents with their proof, and a withdrawal that wins (issue 17, item 10): an unsubscribe was undone by a later API
create or an import carrying consent=true; now only the person's explicit grant given after it gives the channel
back, and every grant and withdrawal is kept with when, through what, under which wording and where."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura import campaigns, dedup
from klientura.audit import SYSTEM
from klientura.config import Settings
from klientura.customers import Consent, CustomerIn, prepare, resolve
from klientura.imports import run_import
from klientura.wiring import merge_hooks
from tests import factories
from tests.factories import SHOP


def _granted(session: Session, customer_id: int, channel: str = "email") -> bool | None:
    session.expire_all()
    row = session.scalars(select(Consent).where(Consent.customer_id == customer_id, Consent.channel == channel)).first()
    return None if row is None else row.granted


def test_an_unsubscribe_is_not_undone_by_a_create_or_an_import(
    api: TestClient, app_session: Session, tmp_path: Path
) -> None:
    anna = factories.customer(app_session, email="anna@example.com", consents={"email": True})
    app_session.commit()
    links = campaigns.Links("http://testserver", Settings(secret_key="test-secret").key("links"))
    unsubscribe = links.unsubscribe(anna, "email").removeprefix("http://testserver")
    assert api.post(unsubscribe).status_code == 200
    assert _granted(app_session, anna) is False
    # a later create through the API with consents, an order's card data, an import's column: none gives it back
    again = api.post("/api/v1/customers", json={"email": "anna@example.com", "consents": {"email": True}})
    assert again.status_code in (200, 201) and _granted(app_session, anna) is False
    csv = tmp_path / "back.csv"
    csv.write_text("E-mail;Согласие на email\nanna@example.com;да\n", encoding="utf-8")
    run_import(app_session, SYSTEM, csv, "customers", shop=SHOP)
    app_session.commit()
    assert _granted(app_session, anna) is False
    # an explicit grant dated before the withdrawal changes nothing; one after it gives the channel back
    earlier = (SHOP.now() - timedelta(days=1)).isoformat()
    api.put(f"/api/v1/customers/{anna}/consents", json={"channel": "email", "granted": True, "given_at": earlier})
    assert _granted(app_session, anna) is False
    later = {
        "channel": "email",
        "granted": True,
        "source": "site-form",
        "wording": "privacy-2026-11",
        "place": "https://shop.example.ru/subscribe",
    }
    assert api.put(f"/api/v1/customers/{anna}/consents", json=later).status_code == 200
    assert _granted(app_session, anna) is True
    history = api.get(f"/api/v1/customers/{anna}/consents").json()
    assert [(h["granted"], h["applied"], h["explicit"]) for h in history] == [  # newest given first
        (True, True, True),  # the form, after the withdrawal
        (True, False, False),  # the import
        (True, False, False),  # the API create
        (False, True, True),  # the unsubscribe link
        (True, True, False),  # the first grant, with the card
        (True, False, True),  # the grant dated the day before: not newer than the withdrawal
    ], history
    newest = history[0]
    assert (newest["source"], newest["wording"], newest["place"]) == (
        "site-form",
        "privacy-2026-11",
        "https://shop.example.ru/subscribe",
    )
    assert history[3]["source"] == "unsubscribe" and history[3]["place"]


def test_a_reimport_repeating_a_consent_adds_no_history(session: Session, tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("Телефон;Согласие на sms\n89161112233;да\n", encoding="utf-8")
    for _ in range(2):
        run_import(session, SYSTEM, csv, "customers", shop=SHOP)
    from klientura.customers import ConsentEvent

    assert len(list(session.scalars(select(ConsentEvent)))) == 1


def test_a_merge_keeps_the_withdrawal(session: Session) -> None:
    """A card that unsubscribed merged with a twin granted by a file: the withdrawal stands; unmerged, both back."""
    quit_ = factories.customer(session, phone="+79161110001", consents={"email": True})
    links = campaigns.Links("http://x", "s")
    campaigns.unsubscribe(session, links, links.unsubscribe(quit_, "email").rsplit("/", 1)[1], SHOP.now())
    twin = resolve(
        session, SYSTEM, prepare(CustomerIn(phone="+79161110002", consents={"email": True}), shop=SHOP)
    ).customer_id
    rec = dedup.merge(session, SYSTEM, twin, quit_, hooks=merge_hooks())
    assert _granted(session, twin) is False
    dedup.unmerge(session, SYSTEM, rec.id, hooks=merge_hooks())
    assert (_granted(session, twin), _granted(session, quit_)) == (True, False)
