from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import login

PROBLEM = "application/problem+json"


def test_requests_without_credentials_get_problem_json(client: TestClient) -> None:
    r = client.get("/api/v1/customers")
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and body["type"].endswith("/unauthorized")
    r = client.get("/api/v1/customers", headers={"Authorization": "Bearer kl_nope_nope"})
    assert r.status_code == 401


def test_known_identity_lands_on_the_same_card(api: TestClient) -> None:
    r1 = api.post("/api/v1/customers", json={"phone": "8 (912) 345-67-89", "full_name": "Иванов Иван"})
    assert r1.status_code == 201, r1.text
    cid = r1.json()["customer_id"]
    r2 = api.post(
        "/api/v1/customers", json={"phone": "+7 912 345 67 89", "email": "ivan@example.com", "city": "Москва"}
    )
    assert r2.status_code == 200
    body = r2.json()
    assert body["customer_id"] == cid and body["added_identities"] == ["email:ivan@example.com"]
    assert body["filled_fields"] == ["city"]
    assert {i["value"] for i in body["customer"]["identities"]} == {"+79123456789", "ivan@example.com"}


def test_bad_input_is_a_readable_problem(api: TestClient) -> None:
    r = api.post("/api/v1/customers", json={"phone": "12-34"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert "phone" in r.json()["detail"]
    r = api.post("/api/v1/customers", json={"phone": "+79160000000", "shoe_size": 42})
    assert r.status_code == 422 and "shoe_size" in r.json()["detail"]
    assert api.get("/api/v1/customers/999999").status_code == 404


def test_idempotency_key_replays_and_detects_misuse(api: TestClient) -> None:
    body = {"phone": "+79160001122", "first_name": "Олег"}
    r1 = api.post("/api/v1/customers", json=body, headers={"Idempotency-Key": "k-1"})
    r2 = api.post("/api/v1/customers", json=body, headers={"Idempotency-Key": "k-1"})
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json() and r2.headers["idempotent-replayed"] == "true"
    r3 = api.post("/api/v1/customers", json={**body, "first_name": "Пётр"}, headers={"Idempotency-Key": "k-1"})
    assert r3.status_code == 409 and r3.headers["content-type"] == PROBLEM


def test_search_by_every_key_and_cursor_pagination(api: TestClient) -> None:
    ids = []
    for i in range(7):
        r = api.post(
            "/api/v1/customers",
            json={
                "phone": f"+7916555{i:04d}",
                "last_name": f"Фамилия{i}",
                "first_name": "Анна",
                "card": f"CARD{i:04d}",
                "email": f"a{i}@example.com",
                "tags": ["vip"] if i % 2 else [],
            },
        )
        ids.append(r.json()["customer_id"])
    assert [c["id"] for c in api.get("/api/v1/customers", params={"phone": "8 916 555-00-03"}).json()["items"]] == [
        ids[3]
    ]
    assert [c["id"] for c in api.get("/api/v1/customers", params={"email": "A4@Example.com"}).json()["items"]] == [
        ids[4]
    ]
    assert [c["id"] for c in api.get("/api/v1/customers", params={"card": "card 0005"}).json()["items"]] == [ids[5]]
    assert [c["id"] for c in api.get("/api/v1/customers", params={"q": "фамилия6"}).json()["items"]] == [ids[6]]
    assert {c["id"] for c in api.get("/api/v1/customers", params={"tag": "vip"}).json()["items"]} == {
        ids[1],
        ids[3],
        ids[5],
    }
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "name"}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/api/v1/customers", params=params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids  # Фамилия0..6 in name order, each exactly once
    assert api.get("/api/v1/customers", params={"cursor": "garbage!"}).status_code == 422


def test_full_card_with_orders_returns_events_and_totals(api: TestClient) -> None:
    cid = api.post("/api/v1/customers", json={"phone": "+79160002233", "first_name": "Ира"}).json()["customer_id"]
    order = {
        "external_id": "R-1",
        "source": "pos",
        "customer": {"phone": "89160002233"},
        "placed_at": "2026-03-01T10:00:00+03:00",
        "outlet": "ТЦ Мега",
        "lines": [{"sku": "A", "qty": "2", "price": "500.00", "discount": "100"}, {"sku": "B", "price": "300"}],
    }
    r = api.post("/api/v1/orders", json=order)
    assert r.status_code == 201 and r.json()["order"]["customer_id"] == cid
    assert r.json()["order"]["paid"] == "1200.00"
    again = api.post("/api/v1/orders", json=order)
    assert again.status_code == 200 and again.json()["order"]["id"] == r.json()["order"]["id"]
    oid = r.json()["order"]["id"]
    ret = api.post(
        f"/api/v1/orders/{oid}/returns",
        json={"external_id": "V-1", "returned_at": "2026-03-05T10:00:00Z", "lines": [{"line_no": 1, "qty": "1"}]},
    )
    assert ret.status_code == 201 and ret.json()["amount"] == "450.00"
    over = api.post(
        f"/api/v1/orders/{oid}/returns",
        json={"external_id": "V-2", "returned_at": "2026-03-05T10:00:00Z", "lines": [{"line_no": 1, "qty": "5"}]},
    )
    assert over.status_code == 422
    ev = api.post(
        "/api/v1/events",
        json={
            "type": "site_visit",
            "customer": {"phone": "+79160002233"},
            "occurred_at": "2026-03-02T10:00:00Z",
            "payload": {"url": "/sale"},
        },
    )
    assert ev.status_code == 201 and ev.json()["customer_id"] == cid
    card = api.get(f"/api/v1/customers/{cid}").json()
    assert (
        card["totals"]["orders"] == 1
        and card["totals"]["revenue"] == "750.00"
        and card["totals"]["returns"] == "450.00"
    )
    assert (
        [o["external_id"] for o in card["orders"]] == ["R-1"] and len(card["events"]) == 1 and len(card["returns"]) == 1
    )


def test_bulk_orders_report_each_item(api: TestClient) -> None:
    good = {"external_id": "B-1", "placed_at": "2026-01-01T10:00:00Z", "total": "100"}
    r = api.post(
        "/api/v1/orders/bulk",
        json={
            "orders": [
                good,
                good,
                {"external_id": "B-2", "placed_at": "2026-01-01T10:00:00Z", "total": "-5"},
                {"external_id": "B-3"},
            ]
        },
    )
    body = r.json()
    assert r.status_code == 200 and (body["created"], body["exists"], body["rejected"]) == (1, 1, 2)
    assert body["results"][2]["status"] == "rejected" and "total" in body["results"][2]["detail"]


def test_scopes_limit_what_a_key_may_do(client: TestClient, app_session: Any) -> None:
    from klientura.audit import SYSTEM
    from klientura.auth.service import create_api_key

    _k, token = create_api_key(app_session, SYSTEM, "shop", ["orders:write"])
    app_session.commit()
    client.headers["Authorization"] = f"Bearer {token}"
    r = client.get("/api/v1/customers")
    assert r.status_code == 403 and "customers:read" in r.json()["detail"]


def test_manager_sees_and_changes_only_own_customers(client: TestClient, users: dict[str, int]) -> None:
    login(client, "manager@test.local")
    mine = client.post("/api/v1/customers", json={"phone": "+79160003344", "first_name": "Моя"})
    assert mine.status_code == 201 and mine.json()["customer"]["owner_id"] == users["manager"]
    client.post("/api/v1/auth/logout")
    login(client, "manager2@test.local")
    assert client.get(f"/api/v1/customers/{mine.json()['customer_id']}").status_code == 404
    assert client.get("/api/v1/customers").json()["items"] == []
    stolen = client.post("/api/v1/customers", json={"phone": "+79160003344", "first_name": "Чужая"})
    assert stolen.status_code == 403
    assert client.patch(f"/api/v1/customers/{mine.json()['customer_id']}", json={"city": "Тула"}).status_code == 404
    client.post("/api/v1/auth/logout")
    login(client, "analyst@test.local")
    assert client.get(f"/api/v1/customers/{mine.json()['customer_id']}").status_code == 200
    assert client.patch(f"/api/v1/customers/{mine.json()['customer_id']}", json={"city": "Тула"}).status_code == 403


def test_merge_and_unmerge_over_the_api(api: TestClient) -> None:
    a = api.post(
        "/api/v1/customers", json={"phone": "+79160004455", "full_name": "Кузнецова Ольга", "birth_date": "1980-01-02"}
    ).json()
    b = api.post(
        "/api/v1/customers",
        json={"email": "olga.k@example.com", "full_name": "Kuznetsova Olga", "birth_date": "1980-01-02"},
    ).json()
    api.post(
        "/api/v1/orders",
        json={
            "external_id": "M-1",
            "customer_id": b["customer_id"],
            "placed_at": "2026-01-01T10:00:00Z",
            "total": "10",
        },
    )
    assert api.post("/api/v1/duplicates/scan").json() == {"suggestions": 1}
    (s,) = api.get(f"/api/v1/customers/{a['customer_id']}/duplicates").json()
    assert s["probability"] > 0.9 and any("birth date" in r for r in s["reasons"])
    m = api.post("/api/v1/merges", json={"survivor_id": a["customer_id"], "merged_id": b["customer_id"]})
    assert m.status_code == 201
    card = api.get(f"/api/v1/customers/{b['customer_id']}").json()  # follows the merge
    assert card["customer"]["id"] == a["customer_id"] and [o["external_id"] for o in card["orders"]] == ["M-1"]
    assert api.post(f"/api/v1/merges/{m.json()['id']}/undo").status_code == 200
    assert api.get(f"/api/v1/customers/{b['customer_id']}").json()["orders"][0]["external_id"] == "M-1"


def test_openapi_is_published(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/customers" in spec["paths"] and "/api/v1/merges/{merge_id}/undo" in spec["paths"]


def test_a_revoked_key_stops_at_once_though_keys_are_cached(api: TestClient) -> None:
    made = api.post("/api/v1/api-keys", json={"name": "till 7", "scopes": ["customers:read"]})
    assert made.status_code in (200, 201), made.text
    till = {"Authorization": f"Bearer {made.json()['key']}"}
    assert api.get("/api/v1/customers", headers=till).status_code == 200
    assert api.get("/api/v1/customers", headers=till).status_code == 200  # from the cache now
    assert api.delete(f"/api/v1/api-keys/{made.json()['id']}").status_code == 204
    assert api.get("/api/v1/customers", headers=till).status_code == 401


def test_a_bounced_address_shows_on_the_card_and_its_mark_comes_off(api: TestClient, app_session: Any) -> None:
    from datetime import UTC, datetime

    from klientura.customers import mark_bounced

    cid = api.post("/api/v1/customers", json={"email": "gone@example.com", "full_name": "Ушла Ушедшая"}).json()[
        "customer_id"
    ]
    assert mark_bounced(app_session, "email", "gone@example.com", "SMTP 550: 5.1.1 no such user", datetime.now(UTC))
    assert not mark_bounced(app_session, "email", "stranger@example.com", "550", datetime.now(UTC))  # no such card
    app_session.commit()
    (email,) = api.get(f"/api/v1/customers/{cid}").json()["customer"]["identities"]
    assert email["bounced_at"] and "5.1.1" in email["bounce_reason"]
    cleared = api.delete(f"/api/v1/customers/{cid}/identities/{email['id']}/bounce")
    assert cleared.status_code == 200 and cleared.json()["bounced_at"] is None
    assert api.delete(f"/api/v1/customers/{cid}/identities/999999/bounce").status_code == 404


def test_a_refusal_carries_its_code_field_and_parameters(api: TestClient) -> None:
    """problem+json names the error by a stable code (the English detail derives from it) and where it is."""
    r = api.post("/api/v1/customers", json={"phone": "12-34", "first_name": "Ира"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] in ("phone.invalid", "phone.unparsable") and body["params"] == {"value": "12-34"}
    assert "12-34" in body["detail"]
    r = api.get("/api/v1/customers", params={"sort": "shoe size"})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "customer.search.unknown_sort", "sort")
