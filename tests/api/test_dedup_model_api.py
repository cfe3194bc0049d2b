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
