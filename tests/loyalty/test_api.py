"""The processing API as a till calls it, with retries; the account explained; adjustments; the check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura import loyalty
from klientura.loyalty.accounts import account_of
from tests import factories

NOW = datetime.now(UTC)


def seed(session: Session) -> int:
    customer = factories.customer(session)
    acc = account_of(session, customer)
    loyalty.earn(
        session, acc.id, 1000, at=NOW - timedelta(days=30), author="seed", expires_at=NOW + timedelta(days=300)
    )
    session.commit()
    return customer


def test_a_till_calculates_confirms_retries_and_refunds(api: TestClient, app_session: Session) -> None:
    customer = seed(app_session)
    cart = {"customer_id": customer, "points": 200, "lines": [{"sku": "X-1", "qty": 1, "price": "1000.00"}]}
    calc = api.post("/api/v1/loyalty/calculate", json=cart)
    assert calc.status_code == 200, calc.text
    assert calc.json()["max_points"] == 300 and calc.json()["points"] == 200 and calc.json()["earn"] == 24
    order = {**cart, "external_id": "T-1", "placed_at": NOW.isoformat()}
    first = api.post("/api/v1/loyalty/confirm", json=order, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    again = api.post("/api/v1/loyalty/confirm", json=order, headers={"Idempotency-Key": "k-1"})
    assert (
        again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    )
    retry = api.post("/api/v1/loyalty/confirm", json=order)  # the till lost the answer and retried without the key
    assert (
        retry.status_code == 200 and retry.json()["repeated"] and retry.json()["order_id"] == first.json()["order_id"]
    )
    too_many = api.post("/api/v1/loyalty/confirm", json={**order, "external_id": "T-2", "points": 301})
    assert too_many.status_code == 409 and too_many.headers["content-type"] == "application/problem+json"
    assert "at most 300 points" in too_many.json()["detail"]
    view = api.get(f"/api/v1/loyalty/accounts/{customer}").json()
    assert view["balance"]["total"] == 824 and view["balance"]["pending"] == 24
    assert [(u["kind"], u["points"]) for u in view["lots"][0]["used"]] == [("spend", 200)]
    back = api.post(
        "/api/v1/loyalty/orders/api/T-1/refund", json={"external_id": "V-1", "returned_at": NOW.isoformat()}
    )
    assert back.status_code == 404  # the till's source is pos
    back = api.post(
        "/api/v1/loyalty/orders/pos/T-1/refund", json={"external_id": "V-1", "returned_at": NOW.isoformat()}
    )
    assert back.status_code == 200, back.text
    assert back.json() == {"points_taken_back": 24, "points_given_back": 200}
    assert api.get(f"/api/v1/loyalty/accounts/{customer}").json()["balance"]["total"] == 1000
    check = api.get("/api/v1/loyalty/check").json()
    assert check["ok"] and check["accounts"] >= 1


def test_adjustments_and_the_programme(api: TestClient, app_session: Session) -> None:
    customer = seed(app_session)
    bad = api.post(f"/api/v1/loyalty/accounts/{customer}/adjust", json={"points": 50, "reason": ""})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    ok = api.post(f"/api/v1/loyalty/accounts/{customer}/adjust", json={"points": -50, "reason": "double credit"})
    assert ok.status_code == 201, ok.text
    assert api.get(f"/api/v1/loyalty/accounts/{customer}").json()["balance"]["total"] == 950
    r = api.put("/api/v1/loyalty/programme", json={"max_redeem_share": 2})
    assert r.status_code == 422 and "max_redeem_share" in r.json()["detail"]
    r = api.put("/api/v1/loyalty/programme", json={"max_redeem_share": "0.5", "activation_days": 0})
    assert r.status_code == 200 and api.get("/api/v1/loyalty/programme").json()["activation_days"] == 0


def test_offers_gift_cards_referrals_and_enrolment_over_http(api: TestClient, app_session: Session) -> None:
    ann, bob = factories.customer(app_session), factories.customer(app_session)
    app_session.commit()
    assert (
        api.put(
            "/api/v1/loyalty/programme", json={"welcome_bonus": 100, "referrer_bonus": 300, "friend_bonus": 50}
        ).status_code
        == 200
    )
    enrolled = api.post(f"/api/v1/loyalty/accounts/{ann}")
    assert enrolled.status_code == 201 and enrolled.json()["new"] and enrolled.json()["balance"]["available"] == 100
    assert not api.post(f"/api/v1/loyalty/accounts/{ann}").json()["new"]  # once
    bad = api.post("/api/v1/loyalty/offers", json={"name": "x", "discount_percent": 150})
    assert bad.status_code == 422 and "discount_percent" in bad.json()["detail"]
    offer = api.post("/api/v1/loyalty/offers", json={"name": "Spring", "discount_percent": 10, "code": "SPRING"})
    assert offer.status_code == 201 and offer.json()["codes"] == 1
    coupons = api.post(f"/api/v1/loyalty/offers/{offer.json()['id']}/coupons", json={"customer_ids": [bob]})
    assert coupons.status_code == 201 and coupons.json()["coupons"][0]["customer_id"] == bob
    card = api.post("/api/v1/loyalty/gift-cards", json={"amount": "500"}).json()
    cart = {
        "customer_id": ann,
        "code": "spring",
        "gift_card": card["number"],
        "lines": [{"sku": "X", "price": "1000.00"}],
    }
    calc = api.post("/api/v1/loyalty/calculate", json=cart).json()
    assert [Decimal(calc[k]) for k in ("discount", "gift_card_pays", "pay_in_money")] == [100, 500, 400]
    done = api.post("/api/v1/loyalty/confirm", json={**cart, "external_id": "G-1", "placed_at": NOW.isoformat()})
    assert done.status_code == 201 and Decimal(done.json()["gift_card_paid"]) == 500
    assert api.get(f"/api/v1/loyalty/gift-cards/{card['number']}").json()["balance"] == "0.00"
    assert api.get("/api/v1/loyalty/gift-cards/NOPE").status_code == 404
    assert api.get("/api/v1/loyalty/offers").json()[0]["redemptions"] == 1
    assert api.get(f"/api/v1/loyalty/referrals/{ann}").status_code == 404  # a read makes no code
    invite = api.post(f"/api/v1/loyalty/referrals/{ann}").json()
    assert api.get(f"/api/v1/loyalty/referrals/{ann}").json() == invite
    assert invite["link"].endswith(f"/r/{invite['code']}")
    qr = api.get(f"/api/v1/loyalty/referrals/{ann}/qr.png")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    assert api.get(f"/api/v1/loyalty/referrals/{ann}/qr.gif").status_code == 404
    self_ref = api.post("/api/v1/loyalty/referrals", json={"friend_id": ann, "code": invite["code"]})
    assert self_ref.status_code == 409 and "cannot refer themself" in self_ref.json()["detail"]
    ok = api.post("/api/v1/loyalty/referrals", json={"friend_id": bob, "code": invite["code"]})
    assert ok.status_code == 201 and ok.json()["status"] == "pending"
    api.post(
        "/api/v1/loyalty/confirm",
        json={"customer_id": bob, "external_id": "G-2", "placed_at": NOW.isoformat(), "lines": [{"price": "100"}]},
    )
    lots = api.get(f"/api/v1/loyalty/accounts/{ann}").json()["lots"]
    assert sorted(lot["reason"] or "" for lot in lots) == ["", "referral", "welcome"]


def test_effectiveness_and_the_simulator_over_http(api: TestClient, app_session: Session) -> None:
    customer = seed(app_session)
    factories.order(app_session, customer, at=NOW - timedelta(days=10))
    app_session.commit()
    report = api.get("/api/v1/loyalty/effectiveness")
    assert report.status_code == 200, report.text
    assert report.json()["liability"]["usable"] == 1000 and report.json()["members"]["customers"] == 1
    assert api.get("/api/v1/loyalty/effectiveness?margin_rate=2").status_code == 422
    sim = api.post("/api/v1/loyalty/simulate", json={"redemption_rate": 0.6})
    assert sim.status_code == 200 and sim.json()["bonus"]["revenue"] == 1000.0
    assert api.post("/api/v1/loyalty/simulate", json={"period_days": 5}).status_code == 422


def test_a_till_knows_the_customer_by_card_phone_or_email(api: TestClient, app_session: Session) -> None:
    known = factories.customer(app_session, phone="+79161234567")
    app_session.commit()
    by_phone = api.post(
        "/api/v1/loyalty/calculate", json={"customer": {"phone": "8 (916) 123-45-67"}, "lines": [{"price": "1000"}]}
    )
    assert by_phone.status_code == 200 and by_phone.json()["customer_id"] == known
    fresh = {"customer": {"card": "2000 0000 7777"}, "lines": [{"price": "1000"}]}
    calc = api.post("/api/v1/loyalty/calculate", json=fresh).json()
    assert calc["new_customer"] and calc["customer_id"] is None and calc["earn"] == 30
    done = api.post("/api/v1/loyalty/confirm", json={**fresh, "external_id": "N-1", "placed_at": NOW.isoformat()})
    assert done.status_code == 201 and done.json()["points_earned"] == 30 and done.json()["customer_id"]
    again = api.post("/api/v1/loyalty/calculate", json=fresh).json()  # the card now holds the new customer
    assert again["customer_id"] == done.json()["customer_id"] and not again["new_customer"]
    view = api.get(f"/api/v1/loyalty/accounts/{again['customer_id']}").json()
    assert view["balance"]["pending"] == 30
    bad = api.post("/api/v1/loyalty/calculate", json={"customer": {"phone": "12-34"}, "lines": [{"price": "1"}]})
    assert bad.status_code == 422 and "phone" in bad.json()["detail"]
    empty = api.post("/api/v1/loyalty/calculate", json={"customer": {}, "lines": [{"price": "1"}]})
    assert empty.status_code == 422


def test_operations_are_searchable_over_http(api: TestClient, app_session: Session) -> None:
    customer = seed(app_session)
    api.post(f"/api/v1/loyalty/accounts/{customer}/adjust", json={"points": -40, "reason": "ошибка кассира"})
    api.post(
        "/api/v1/loyalty/confirm",
        json={
            "customer_id": customer,
            "external_id": "S-1",
            "points": 100,
            "placed_at": NOW.isoformat(),
            "lines": [{"price": "1000"}],
        },
    )
    every = api.get("/api/v1/loyalty/operations", params={"customer_id": customer}).json()
    assert [o["kind"] for o in every] == ["earn", "spend", "adjust", "earn"]  # newest first
    spent = api.get("/api/v1/loyalty/operations", params={"order": "S-1", "kind": "spend"}).json()
    assert [(o["points"], o["order"]) for o in spent] == [(-100, "S-1")]
    assert api.get("/api/v1/loyalty/operations", params={"kind": "steal"}).status_code == 422
    assert api.get("/api/v1/loyalty/operations", params={"limit": 0}).status_code == 422


def test_a_merge_through_the_api_moves_the_points_the_app_wires_it(api: TestClient, app_session: Session) -> None:
    """The app assembles the merge hooks (klientura.wiring), not an import of loyalty: a merge over HTTP moves the
    merged card's points to the survivor, and its undo splits them again."""
    ann, dup = seed(app_session), seed(app_session)
    merged = api.post("/api/v1/merges", json={"survivor_id": ann, "merged_id": dup})
    assert merged.status_code == 201, merged.text
    assert api.get(f"/api/v1/loyalty/accounts/{ann}").json()["balance"]["total"] == 2000
    assert api.post(f"/api/v1/merges/{merged.json()['id']}/undo").status_code == 200
    assert api.get(f"/api/v1/loyalty/accounts/{ann}").json()["balance"]["total"] == 1000
