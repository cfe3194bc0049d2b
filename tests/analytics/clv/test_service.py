"""Lifetime value end to end: fit and predict on a warehouse, figures written back to the store, read through
the API, used in segment rules; the command line on a real store (SQLite and PostgreSQL) through the sync."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from klientura import analytics
from klientura.analytics import clv
from klientura.analytics.syncing import build_sales
from klientura.audit import SYSTEM, AuditEntry
from klientura.cli import app
from klientura.kit.errors import NotFound, ValidationFailed
from tests import factories
from tests.analytics.test_scores import AS_OF, Base


def build(session: Session) -> tuple[Base, dict[str, list[int]]]:
    """Sixty customers of four kinds: steady (every fortnight, last 10 days ago), gone (weekly for 20 weeks, then
    silent for 200 days), one-timers and occasional buyers."""
    b = Base()
    kinds: dict[str, list[int]] = {"steady": [], "gone": [], "once": [], "occasional": []}
    for i in range(60):
        source = "eshop" if i % 2 else "store"
        cid = factories.customer(session, acquisition_source=source)
        b.card(cid)
        b.customers[-1] = (*b.customers[-1][:6], source, None)  # as the sync copies it
        if i < 20:
            kinds["steady"].append(cid)
            for k in range(26):
                b.buy(cid, 10 + 14 * k, 1500 + 10 * i)
        elif i < 30:
            kinds["gone"].append(cid)
            for k in range(20):
                b.buy(cid, 200 + 7 * k, 1200)
        elif i < 50:
            kinds["once"].append(cid)
            b.buy(cid, 5 + 15 * (i - 30), 900)
        else:
            kinds["occasional"].append(cid)
            for d in (30 + i, 150 + i, 300 + i):
                b.buy(cid, d, 2500)
    return b, kinds


def test_fit_predict_write_back_and_read(api: TestClient, app_session: Session, tmp_path: Path) -> None:
    b, kinds = build(app_session)
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        with pytest.raises(NotFound, match="no fitted model"):
            clv.run_predictions(app_session, SYSTEM, wh, as_of=AS_OF)
        fitted = clv.fit(app_session, SYSTEM, wh, model_name="bgnbd", calibration_end=AS_OF)
        run = clv.run_predictions(app_session, SYSTEM, wh, as_of=AS_OF, horizon_months=12, discount=0.01)
        again = clv.run_predictions(app_session, SYSTEM, wh, as_of=AS_OF, horizon_months=6)  # replaces the figures
        members = set(
            analytics.segment_members(
                wh,
                {
                    "kind": "and",
                    "rules": [
                        {"kind": "score", "field": "p_alive", "op": "<", "value": 0.3},
                        {"kind": "score", "field": "clv", "op": ">=", "value": 0},
                    ],
                },
                AS_OF,
            )
            .to_pyarrow()["customer_id"]
            .to_pylist()
        )
        rich = set(
            analytics.segment_members(wh, {"kind": "score", "field": "clv", "op": ">", "value": 5000}, AS_OF)
            .to_pyarrow()["customer_id"]
            .to_pylist()
        )
    app_session.commit()
    assert (fitted.customers, fitted.repeaters) == (60, 40) and fitted.loglik < 0
    assert run.customers == again.customers == 60
    assert app_session.scalar(select(func.count()).select_from(analytics.CustomerClv)) == 60
    got = {cid: clv.clv_of(app_session, cid) for ids in kinds.values() for cid in ids}
    assert all(v is not None and v.horizon_months == 6 for v in got.values())
    steady, gone = [got[c] for c in kinds["steady"]], [got[c] for c in kinds["gone"]]
    assert min(s.p_alive for s in steady if s) > 0.9 and max(g.p_alive for g in gone if g) < 0.3
    assert min(s.clv for s in steady if s) > max(got[c].clv for c in kinds["once"])  # type: ignore[union-attr]
    assert members == set(kinds["gone"])  # "P(alive) < 0.3 and CLV >= 0"
    assert set(kinds["steady"]) <= rich and not rich & set(kinds["gone"])  # "CLV > 5000"
    # the report adds up to the customers' figures
    report = again.report
    per_customer = sum(float(v.value_1y) for v in got.values() if v)
    assert report["totals"]["value_1y"] == pytest.approx(per_customer, abs=0.01 * 60)
    assert sum(g["customers"] for g in report["groups"]["acquisition_source"]) == 60
    assert {g["key"] for g in report["groups"]["acquisition_source"]} == {"eshop", "store"}
    assert report["groups"]["cohort"][0]["key"] < report["groups"]["cohort"][-1]["key"]
    assert report["totals"]["value_1y"] < report["totals"]["value_2y"] < report["totals"]["value_3y"]
    ret = report["retention"]
    assert ret["per_point"] > 0 and ret["survival_more_loyal"] == pytest.approx(ret["survival"] + 0.01)
    # the card through the API
    card = api.get(f"/api/v1/customers/{kinds['steady'][0]}").json()["clv"]
    assert card["model"] == "bgnbd" and card["model_title"] == "BG/NBD" and card["horizon_months"] == 6
    assert 0.9 < card["p_alive"] <= 1 and Decimal(card["clv"]) > 0 and card["as_of"] == AS_OF.isoformat()
    assert api.get(f"/api/v1/customers/{factories.customer(app_session)}").json()["clv"] is None
    assert app_session.scalar(select(func.count()).where(AuditEntry.action.in_(["clv.fit", "clv.predict"]))) == 3


def test_bad_settings_and_missing_costs_are_clear_errors(app_session: Session, tmp_path: Path) -> None:
    b, _ = build(app_session)
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        with pytest.raises(ValidationFailed, match="unknown model"):
            clv.fit(app_session, SYSTEM, wh, model_name="bg", calibration_end=AS_OF)
        with pytest.raises(ValidationFailed, match="unknown time unit"):
            clv.fit(app_session, SYSTEM, wh, time_unit="fortnight", calibration_end=AS_OF)
        with pytest.raises(ValidationFailed, match="holdout must end after"):
            clv.fit(app_session, SYSTEM, wh, calibration_end=AS_OF, holdout_end=AS_OF)
        with pytest.raises(ValidationFailed, match="need a prediction first"):
            analytics.segment_size(wh, {"kind": "score", "field": "p_alive", "op": "<", "value": 0.5}, AS_OF)
        clv.fit(app_session, SYSTEM, wh, calibration_end=AS_OF - timedelta(days=90), holdout_end=AS_OF)
        for kwargs, message in (
            ({"horizon_months": 0}, "horizon"),
            ({"discount": 1.5}, "discount"),
            ({"basis": "profit"}, "unknown basis"),
            ({"basis": "margin"}, "run `klientura sync`"),
            ({"as_of": AS_OF - timedelta(days=200)}, "predict as of that day or later"),
        ):
            args: dict[str, Any] = {"as_of": AS_OF, **kwargs}
            with pytest.raises(ValidationFailed, match=message):
                clv.run_predictions(app_session, SYSTEM, wh, **args)
        build_sales(wh)  # sales, but not one product with a cost
        with pytest.raises(ValidationFailed, match="no product has a cost: value on revenue"):
            clv.run_predictions(app_session, SYSTEM, wh, as_of=AS_OF, basis="margin")


def test_margin_basis_values_what_is_kept(app_session: Session, tmp_path: Path) -> None:
    """On margin, a customer's value is their revenue value times the share of it they leave as margin."""
    b, kinds = build(app_session)
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        build_sales(wh)
        wh.con.execute("UPDATE sales SET cost_k = CAST(round(net_k * 0.6) AS BIGINT)")  # a 40% margin on everything
        clv.fit(app_session, SYSTEM, wh, calibration_end=AS_OF)
        on_revenue = clv.run_predictions(app_session, SYSTEM, wh, as_of=AS_OF)
        rev = {c: clv.clv_of(app_session, c) for c in kinds["steady"]}
        on_margin = clv.run_predictions(app_session, SYSTEM, wh, as_of=AS_OF, basis="margin")
        mar = {c: clv.clv_of(app_session, c) for c in kinds["steady"]}
    assert on_margin.report["totals"]["value_1y"] == pytest.approx(
        0.4 * on_revenue.report["totals"]["value_1y"], rel=1e-3
    )
    for c in kinds["steady"]:
        assert float(mar[c].clv) == pytest.approx(0.4 * float(rev[c].clv), abs=0.02)  # type: ignore[union-attr]


def test_command_line_on_the_store(
    store: Session, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", store_url)
    monkeypatch.setenv("KLIENTURA_WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    few = [factories.customer(store) for _ in range(3)]
    for cid in few:
        factories.order(store, cid, at=datetime(2026, 1, 5, 12, tzinfo=UTC))
    store.commit()
    r = CliRunner().invoke(app, ["clv", "fit", "--calibration-end", "2026-03-01"])
    assert r.exit_code == 2 and "мало данных для модели: клиентов 3, с повторной покупкой 0" in r.output
    start = datetime(2025, 6, 1, 12, tzinfo=UTC)
    for i in range(40):
        cid = factories.customer(store)
        for k in range(i % 4 + 1):
            factories.order(store, cid, amount=f"{500 + 37 * i}.00", at=start + timedelta(days=3 * i + 41 * k))
    store.commit()
    r = CliRunner().invoke(app, ["clv", "fit", "--calibration-end", "2025-12-01", "--model", "pareto"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    # checked against the purchases after the calibration end, up to the last day anyone bought (not today)
    last = start + timedelta(days=3 * 39 + 41 * 3)
    assert (
        out["holdout_end"] == last.date().isoformat()
        and out["holdout"]["days"] == (last.date() - date(2025, 12, 1)).days
    )
    assert out["model"] == "pareto" and set(out["params"]) == {"r", "alpha", "s", "beta"}
    assert set(out["std_errors"]) == set(out["params"]) and out["loglik"] < 0
    assert out["customers"] == 40 and out["repeaters"] > 10  # the three who first bought in 2026 come later
    assert set(out["spend"]["params"]) == {"p", "q", "gamma"}
    r = CliRunner().invoke(app, ["clv", "predict", "--horizon", "24", "--json"])
    assert r.exit_code == 0, r.output
    pred = json.loads(r.stdout)
    assert pred["customers"] == 43 and pred["totals"]["value_3y"] > pred["totals"]["value_1y"] > 0
    store.expire_all()
    assert store.scalar(select(func.count()).select_from(analytics.CustomerClv)) == 43

    r = CliRunner().invoke(app, ["analytics", "recompute", "--json"])  # predicts again, refitting the old fit
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["valued"] == 43
    r = CliRunner().invoke(app, ["clv", "predict", "--basis", "gross"])
    assert r.exit_code == 2 and "неизвестная база 'gross'" in r.output
    r = CliRunner().invoke(app, ["clv", "fit", "--calibration-end", "1.3.2026"])
    assert r.exit_code == 2 and "not a date" in r.output


def test_the_api_fits_predicts_and_reports(api: TestClient, app_session: Session, tmp_path: Path) -> None:
    b, kinds = build(app_session)
    app_session.commit()
    with analytics.Warehouse(
        tmp_path / "warehouse.duckdb", "sqlite://", timezone="Europe/Moscow"
    ) as wh:  # the app's warehouse
        b.load(wh)
    missing = api.get("/api/v1/clv")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    bad = api.post("/api/v1/clv/fit", json={"model": "lifetimes"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    r = api.post("/api/v1/clv/fit", json={"model": "mbgnbd", "calibration_end": AS_OF.isoformat()})
    assert r.status_code == 201, r.text
    assert r.json()["model"] == "mbgnbd" and r.json()["customers"] == 60
    r = api.post("/api/v1/clv/predict", json={"horizon_months": 24, "discount": 0.02, "as_of": AS_OF.isoformat()})
    assert r.status_code == 201, r.text
    report = api.get("/api/v1/clv").json()
    assert report["horizon_months"] == 24 and report["fit"]["model"] == "mbgnbd"
    assert report["totals"]["customers"] == 60 and report["retention"]["per_point"] > 0
    assert api.get(f"/api/v1/customers/{kinds['gone'][0]}").json()["clv"]["p_alive"] < 0.3


def test_the_daily_round_predicts_again_and_refits_monthly(app_session: Session, tmp_path: Path) -> None:
    b, kinds = build(app_session)
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        assert clv.refresh(app_session, SYSTEM, wh, AS_OF) is None  # nothing before a person chose a model
        first = clv.value_the_base(app_session, SYSTEM, wh, as_of=AS_OF, holdout_weeks=0, horizon_months=6)
        again = clv.refresh(app_session, SYSTEM, wh, AS_OF + timedelta(days=40))  # no new purchases: same fit
        assert again is not None and again.fit_id == first.fit_id and again.horizon_months == 6
        assert again.as_of == AS_OF
        steady = kinds["steady"][0]
        wh.con.execute(
            "INSERT INTO orders VALUES (100000, ?, ?, ?, 'completed', 150000, 0, 150000, false, NULL, NULL)",
            [steady, AS_OF + timedelta(days=35), AS_OF + timedelta(days=35)],
        )
        later = clv.refresh(app_session, SYSTEM, wh, AS_OF + timedelta(days=40))
    assert later is not None and later.fit_id != first.fit_id and later.as_of == AS_OF + timedelta(days=35)
    refit = app_session.get(analytics.ClvFit, later.fit_id)
    assert refit is not None and refit.calibration_end == later.as_of and refit.model == "bgnbd"


def test_value_by_saved_segment(app_session: Session, tmp_path: Path) -> None:
    """The report's saved-segment breakdown adds up the members' figures (archived segments left out)."""
    from klientura import segments
    from klientura.segments import Segment, SegmentMember

    b, kinds = build(app_session)
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        clv.value_the_base(app_session, SYSTEM, wh, as_of=AS_OF, holdout_weeks=0)
    loyal = Segment(name="Постоянные", rule={"kind": "tag", "tag": "x"}, created_by="test")
    old = Segment(name="Старый", rule={"kind": "tag", "tag": "x"}, created_by="test", archived=True)
    app_session.add_all([loyal, old])
    app_session.flush()
    members = kinds["steady"][:5] + kinds["gone"][:2]
    app_session.add_all(SegmentMember(segment_id=s.id, customer_id=c) for s in (loyal, old) for c in members)
    app_session.flush()
    rows = segments.value_by_segment(app_session)
    assert [r["key"] for r in rows] == ["Постоянные"]
    figures = [clv.clv_of(app_session, c) for c in members]
    assert rows[0]["customers"] == 7
    assert rows[0]["value_3y"] == pytest.approx(sum(float(f.value_3y) for f in figures if f), abs=0.01)
    assert rows[0]["p_alive"] == pytest.approx(sum(f.p_alive for f in figures if f) / 7)
    # the segment's export carries each member's P(alive) and CLV
    import io

    from openpyxl import load_workbook

    file = segments.export_members(app_session, SYSTEM, loyal.id, "xlsx")
    sheet = list(load_workbook(io.BytesIO(b"".join(file.chunks(app_session)))).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    header = list(sheet[0])
    got = {r[0]: (r[header.index("p_alive")], r[header.index("clv")]) for r in sheet[1:]}
    want = {c: (round(f.p_alive, 4), float(f.clv)) for c, f in zip(members, figures, strict=True) if f}
    assert got == want


def test_the_holdout_counts_only_the_customers_fitted_on(app_session: Session, tmp_path: Path) -> None:
    """Purchases after the calibration end are counted for the customers the model saw — not for one whose
    first purchase fell on the calibration's last day (no history yet), nor for newcomers."""
    b, _kinds = build(app_session)
    end = AS_OF - timedelta(days=90)
    late = b.card(10_001)
    b.buy(late, 90)  # first purchase on the calibration's last day
    b.buy(late, 50)
    b.buy(late, 20)
    newcomer = b.card(10_002)
    b.buy(newcomer, 40)
    b.buy(newcomer, 30)
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        row = clv.fit(app_session, SYSTEM, wh, calibration_end=end, holdout_end=AS_OF)
    seen = {cid for cid, *_ in b.customers if cid not in (late, newcomer)}
    by_customer: dict[int, set[Any]] = {}
    for _oid, cid, day, *_rest in b.orders:
        by_customer.setdefault(cid, set()).add(day)
    expected = sum(
        1 for cid in seen for d in by_customer.get(cid, ()) if end < d <= AS_OF and min(by_customer[cid]) < end
    )
    assert row.diagnostics is not None and row.diagnostics["actual"] == expected > 0
    assert sum(row.diagnostics["weekly"]["actual"]) <= expected


def test_a_young_base_is_valued_without_the_check_it_cannot_have(app_session: Session, tmp_path: Path) -> None:
    b, _kinds = build(app_session)
    with analytics.Warehouse(tmp_path / "w.duckdb", "sqlite://", timezone="Europe/Moscow") as wh:
        b.load(wh)
        run = clv.value_the_base(app_session, SYSTEM, wh, as_of=AS_OF, holdout_weeks=60)  # before anyone bought
    assert run.customers == 60
    assert "not checked on a holdout of 60 weeks: too little data before it" in [n["text"] for n in run.report["notes"]]
    assert clv.latest_checked_fit(app_session, "bgnbd") is None
    assert app_session.scalar(select(func.count()).select_from(analytics.ClvFit)) == 1
