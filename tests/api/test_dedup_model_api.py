"""The duplicate model over the API: none before the first scan, then its levels and weights; a threshold chosen
and taken back."""

from __future__ import annotations

from typing import Any


def test_the_model_over_the_api(api: Any) -> None:
    assert api.get("/api/v1/duplicates/model").json()["code"] == "dedup.no_model"
    assert api.put("/api/v1/duplicates/threshold", json={"threshold": 0.9}).status_code == 422
    for name in ("Smirnova Anna", "Smirnova Ana"):
        assert api.post("/api/v1/customers", json={"full_name": name, "birth_date": "1990-05-17"}).status_code == 201
    assert api.post("/api/v1/duplicates/scan").json() == {"suggestions": 1}
    got = api.get("/api/v1/duplicates/model").json()
    assert got["learned"] is False and got["cards"] == 2 and got["threshold_by"] is None
    assert {c["name"] for c in got["comparisons"]} >= {"surname", "given name", "birth date", "place"}
    level = got["comparisons"][0]["levels"][0]
    assert level["weight"] > 0 and 0 < level["u"] < level["m"] < 1
    r = api.put("/api/v1/duplicates/threshold", json={"threshold": 0.95})
    assert r.status_code == 200 and r.json()["threshold"] == 0.95
    assert api.get("/api/v1/duplicates/model").json()["threshold_by"] is not None
    assert api.put("/api/v1/duplicates/threshold", json={"threshold": 1.5}).json()["status"] == 422
    assert api.put("/api/v1/duplicates/threshold", json={"threshold": None}).json()["threshold"] == got["threshold"]


def test_a_large_base_s_scan_is_queued_for_the_worker_and_followed(
    api: Any, app_session: Any, monkeypatch: Any
) -> None:
    """Over the API as on the page: a base too large to scan within the request is handed to the worker (202 with a
    Location), and the request says what the worker's round found."""
    from klientura import dedup
    from klientura.audit import SYSTEM
    from klientura.db import utcnow
    from klientura.dedup import requested

    for name in ("Smirnova Anna", "Smirnova Ana", "Orlov Petr"):
        assert api.post("/api/v1/customers", json={"full_name": name, "birth_date": "1990-05-17"}).status_code == 201
    monkeypatch.setattr(requested, "INLINE_CARDS", 2)  # three cards: "large"
    r = api.post("/api/v1/duplicates/scan?learn=true")
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued" and body["cards"] == 3 and body["learn"] is True and body["found"] is None
    assert r.headers["location"] == f"/api/v1/duplicates/scans/{body['id']}"
    assert api.get(r.headers["location"]).json()["status"] == "queued"
    assert api.get("/api/v1/duplicates").json() == []  # nothing found yet
    again = api.post("/api/v1/duplicates/scan")  # asked again while it waits: the same request
    assert again.status_code == 202 and again.json()["id"] == body["id"]
    app_session.expire_all()
    assert dedup.run_asked(app_session, SYSTEM, utcnow(), precision=0.97) is not None  # the worker's round
    app_session.commit()
    done = api.get(r.headers["location"]).json()
    assert done["status"] == "done" and done["found"] == 1 and done["done_at"] is not None
    assert len(api.get("/api/v1/duplicates").json()) == 1
    chosen = api.put("/api/v1/duplicates/threshold", json={"threshold": 0.9})
    assert chosen.status_code == 202 and chosen.json()["threshold"] == 0.9 and chosen.json()["status"] == "queued"
    missing = api.get("/api/v1/duplicates/scans/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "dedup.scan_request.not_found"
    assert api.get("/api/v1/duplicates/scans/0").status_code == 422
