"""Predicting the whole base: a run of a fitted model over every customer, its figures written back to the store; the
first valuation of a base and its monthly refresh."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import delete

from klientura.analytics.clv import data, spend
from klientura.analytics.clv.predict import YEARS, Predictions, predict
from klientura.analytics.clv.registry import model
from klientura.analytics.clv.service import (
    BASES,
    arrays_of,
    data_end,
    fit,
    latest_fit,
    latest_run,
    tables_of,
    unit_days,
)
from klientura.analytics.clv.valuation import breakdown, retention, totals
from klientura.analytics.errors import (
    BAD_DISCOUNT,
    BAD_HOLDOUT,
    BAD_HORIZON,
    NO_COSTS,
    NO_FIT,
    NO_FITTED_MODEL,
    NO_SALES,
    NOBODY_BOUGHT,
    NOT_CHECKED,
    PREDICT_BEFORE_FIT,
    UNCOSTED_LINES,
    UNKNOWN_BASIS,
)
from klientura.analytics.models import ClvFit, ClvRun, CustomerClv
from klientura.analytics.warehouse import Warehouse, money_sql
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, insert_columns
from klientura.kit.errors import NotFound, Notice, ValidationFailed, notice


def run_predictions(
    session: Session,
    actor: Actor,
    wh: Warehouse,
    *,
    as_of: date,
    fit_id: int | None = None,
    horizon_months: int = 12,
    discount: float = 0.01,
    basis: str = "revenue",
    notes: list[Notice] | None = None,
) -> ClvRun:
    """Predict every customer who has bought, with a fit (the latest by default), as of ``as_of``; write the
    figures to the store and the warehouse (where segments read them); keep the base valuation report."""
    require(actor, "analytics:write")
    if not 1 <= horizon_months <= 120:
        raise ValidationFailed(BAD_HORIZON)
    if not 0 <= discount < 1:
        raise ValidationFailed(BAD_DISCOUNT)
    if basis not in BASES:
        raise ValidationFailed(UNKNOWN_BASIS, value=basis)
    fitted = session.get(ClvFit, fit_id) if fit_id is not None else latest_fit(session)
    if fitted is None:
        raise (NotFound(NO_FITTED_MODEL) if fit_id is None else NotFound(NO_FIT, id=fit_id))
    if as_of < fitted.calibration_end:
        raise ValidationFailed(PREDICT_BEFORE_FIT, day=fitted.calibration_end)
    t0 = time.perf_counter()
    chosen, unit = model(fitted.model), unit_days(fitted.time_unit)
    p = np.array([fitted.params[n] for n in chosen.names])
    spend_p = np.array([fitted.spend_params[n] for n in spend.NAMES])
    t = tables_of(wh)
    h = data.histories(t, as_of)
    h = h.mutate(cohort=h.first_day.year().cast("string").concat("-Q", h.first_day.quarter().cast("string")))
    a = data.attributes(t)
    h = h.left_join(a, h.cid == a.a_cid)
    if basis == "margin":
        if "sales" not in wh.ibis.list_tables():
            raise ValidationFailed(NO_SALES)
        m = data.margins({"sales": wh.table("sales")}, as_of).select(
            m_cid="cid", m_revenue_k="revenue_k", cost_k="cost_k", uncosted="uncosted"
        )
        h = h.left_join(m, h.cid == m.m_cid)
    if "scores" in wh.ibis.list_tables():
        sc = wh.table("scores").select(s_cid="customer_id", lifecycle="lifecycle", rfm_segment="rfm_segment")
        h = h.left_join(sc, h.cid == sc.s_cid)
    hist = arrays_of(h.order_by("cid").to_pyarrow())
    if not len(hist["cid"]):
        raise ValidationFailed(NOBODY_BOUGHT)
    hist["m"] = np.where(hist["x"] > 0, hist["m_k"].astype(np.float64) / 100, np.nan)
    ratio, margin_notes = _ratio(hist) if basis == "margin" else (None, [])
    pred = predict(
        chosen, p, spend_p, hist, unit_days=unit, horizon_months=horizon_months, discount=discount, ratio=ratio
    )
    report: dict[str, Any] = {
        "totals": totals(pred),
        "groups": {
            key: breakdown(list(hist[key]), pred)
            for key in ("lifecycle", "rfm_segment", "acquisition_source")
            if key in hist
        },
        "notes": [*(notes or []), *margin_notes, *fitted.warnings],
    }
    report["groups"]["cohort"] = sorted(breakdown(list(hist["cohort"]), pred), key=lambda r: r["key"])
    report["retention"] = retention(
        chosen,
        p,
        spend_p,
        hist,
        unit_days=unit,
        discount=discount,
        ratio=ratio,
        base_value=report["totals"]["value_3y"],
    )
    run = ClvRun(
        fit_id=fitted.id,
        as_of=as_of,
        horizon_months=horizon_months,
        discount=discount,
        basis=basis,
        customers=len(hist["cid"]),
        report=report,
        created_by=actor.name,
    )
    session.add(run)
    session.flush()
    _write_back(session, wh, run.id, hist["cid"], pred)
    run.seconds = round(time.perf_counter() - t0, 3)
    record(
        session,
        actor,
        "clv.predict",
        "clv_runs",
        run.id,
        None,
        {"fit_id": fitted.id, "customers": run.customers, "as_of": as_of.isoformat(), "basis": basis},
    )
    return run


def _ratio(hist: dict[str, Any]) -> tuple[Any, list[Notice]]:
    """The share of each customer's revenue kept as margin; the base's share for a customer without one."""
    revenue = np.nan_to_num(hist["m_revenue_k"].astype(np.float64))
    cost = np.nan_to_num(hist["cost_k"].astype(np.float64))
    if not cost.any():
        raise ValidationFailed(NO_COSTS)
    base = float((revenue - cost).sum() / revenue.sum()) if revenue.sum() > 0 else 0.0
    own = np.divide(revenue - cost, revenue, out=np.full_like(revenue, base), where=revenue > 0)
    notes = []
    uncosted = int(np.nan_to_num(hist["uncosted"].astype(np.float64)).sum())
    if uncosted:
        notes.append(notice(UNCOSTED_LINES, lines=f"{uncosted:,}"))
    return np.clip(own, -1.0, 1.0), notes


def _write_back(session: Session, wh: Warehouse, run_id: int, cids: Any, pred: Predictions) -> None:
    """The figures as the warehouse table ``clv`` (money in kopecks) and the store's ``customer_clv``."""

    def kopecks(values: Any) -> Any:
        return pa.array(np.rint(np.nan_to_num(values) * 100).astype(np.int64))

    table = pa.table(
        {
            "customer_id": pa.array(np.asarray(cids, dtype=np.int64)),
            "p_alive": pa.array(pred.p_alive),
            "expected_purchases": pa.array(pred.purchases),
            "expected_spend_k": kopecks(pred.spend),
            "clv_k": kopecks(pred.value),
            **{f"value_{y}y_k": kopecks(pred.years[y]) for y in YEARS},
        }
    )
    wh.con.register("klientura_clv_new", table)
    try:
        wh.con.execute("CREATE OR REPLACE TABLE clv AS SELECT * FROM klientura_clv_new")
    finally:
        wh.con.unregister("klientura_clv_new")
    money = {"expected_spend": "expected_spend_k", "clv": "clv_k", **{f"value_{y}y": f"value_{y}y_k" for y in YEARS}}
    exprs = ", ".join(
        ["customer_id", "p_alive", "expected_purchases", *(f"{money_sql(k)} AS {n}" for n, k in money.items())]
    )
    out = wh.con.execute(f"SELECT {exprs} FROM clv").fetch_arrow_table()
    session.execute(delete(CustomerClv))
    for batch in out.to_batches(max_chunksize=100_000):
        cols: dict[str, list[Any]] = {name: batch.column(name).to_pylist() for name in batch.schema.names}
        cols["run_id"] = [run_id] * batch.num_rows
        insert_columns(session, CustomerClv, cols, ready=tuple(money))


def value_the_base(
    session: Session,
    actor: Actor,
    wh: Warehouse,
    *,
    as_of: date,
    model_name: str = "bgnbd",
    time_unit: str = "week",
    holdout_weeks: int = 26,
    horizon_months: int = 12,
    discount: float = 0.01,
    basis: str = "revenue",
) -> ClvRun:
    """What the page's button does: check the model on the last ``holdout_weeks`` (fitted on what came before),
    fit it again on everything, predict every customer with that fit."""
    if not 0 <= holdout_weeks <= 104:
        raise ValidationFailed(BAD_HOLDOUT)
    notes = []
    if holdout_weeks:
        try:
            with session.begin_nested():  # a check that cannot be made leaves nothing behind
                fit(
                    session,
                    actor,
                    wh,
                    model_name=model_name,
                    time_unit=time_unit,
                    calibration_end=as_of - timedelta(days=7 * holdout_weeks),
                    holdout_end=as_of,
                )
        except ValidationFailed:  # a young base: value it, say it could not be checked
            notes.append(notice(NOT_CHECKED, weeks=holdout_weeks))
    final = fit(session, actor, wh, model_name=model_name, time_unit=time_unit, calibration_end=as_of)
    return run_predictions(
        session,
        actor,
        wh,
        as_of=as_of,
        fit_id=final.id,
        horizon_months=horizon_months,
        discount=discount,
        basis=basis,
        notes=notes,
    )


REFIT_DAYS = 30


def refresh(session: Session, actor: Actor, wh: Warehouse, today: date) -> ClvRun | None:
    """The daily round of the worker: predict again with the settings of the last valuation, so figures and
    segments on them follow the new purchases; refit the same model once its fit is a month old. Nothing before
    the first valuation (a person chooses the model)."""
    last = latest_run(session)
    if last is None:
        return None
    fitted = session.get(ClvFit, last.fit_id)
    if fitted is None:
        return None
    as_of = max(data_end(wh, today), fitted.calibration_end)
    if (as_of - fitted.calibration_end).days >= REFIT_DAYS:
        fitted = fit(session, actor, wh, model_name=fitted.model, time_unit=fitted.time_unit, calibration_end=as_of)
    return run_predictions(
        session,
        actor,
        wh,
        as_of=as_of,
        fit_id=fitted.id,
        horizon_months=last.horizon_months,
        discount=last.discount,
        basis=last.basis,
    )
