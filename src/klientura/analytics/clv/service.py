"""Use cases of lifetime value: fit a model on the warehouse, predict every customer, write the figures back."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from klientura.analytics.clv import data, spend
from klientura.analytics.clv.fitting import Counts
from klientura.analytics.clv.registry import fit_spend, model
from klientura.analytics.clv.valuation import holdout_check
from klientura.analytics.errors import (
    HOLDOUT_BEFORE_CALIBRATION,
    UNKNOWN_UNIT,
)
from klientura.analytics.models import ClvFit, ClvRun, CustomerClv
from klientura.analytics.schemas import ClvRead
from klientura.analytics.warehouse import Warehouse
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.errors import Notice, ValidationFailed

TABLES = ("orders", "customers", "returns")
BASES = ("revenue", "margin")


def tables_of(wh: Warehouse, *extra: str) -> dict[str, Any]:
    return {n: wh.table(n) for n in (*TABLES, *extra)}


def unit_days(time_unit: str) -> float:
    if time_unit not in data.UNITS:
        raise ValidationFailed(UNKNOWN_UNIT, value=time_unit, allowed=", ".join(data.UNITS))
    return data.UNITS[time_unit]


def arrays_of(table: Any) -> dict[str, Any]:
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def fit(
    session: Session,
    actor: Actor,
    wh: Warehouse,
    *,
    model_name: str = "bgnbd",
    time_unit: str = "week",
    calibration_end: date,
    holdout_end: date | None = None,
) -> ClvFit:
    """Fit the purchase-count model and the spend model on purchases up to ``calibration_end``; with a later
    ``holdout_end``, check the predictions against what customers really bought in between."""
    require(actor, "analytics:write")
    chosen, unit = model(model_name), unit_days(time_unit)
    if holdout_end is not None and holdout_end <= calibration_end:
        raise ValidationFailed(HOLDOUT_BEFORE_CALIBRATION)
    t0 = time.perf_counter()
    counts, spends = prepare(wh, calibration_end, unit)
    est = chosen.fit(counts)
    spend_est = fit_spend(spends)
    warnings = est.warnings + [{**w, "text": f"spend: {w['text']}", "field": "spend"} for w in spend_est.warnings]
    diagnostics = None
    if holdout_end is not None:
        diagnostics, more = _holdout(wh, chosen, est.vector(), unit, calibration_end, holdout_end)
        warnings += more
    row = ClvFit(
        model=chosen.name,
        time_unit=time_unit,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        customers=counts.customers,
        repeaters=counts.repeaters,
        params=est.params,
        std_errors=est.std_errors,
        loglik=est.loglik,
        spend_params=spend_est.params,
        spend_std_errors=spend_est.std_errors,
        spend_loglik=spend_est.loglik,
        warnings=warnings,
        diagnostics=diagnostics,
        seconds=round(time.perf_counter() - t0, 3),
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    record(session, actor, "clv.fit", "clv_fits", row.id, None, fit_summary(row))
    return row


def data_end(wh: Warehouse, today: date) -> date:
    """The day the warehouse's purchases run to (today at most): a history judged as of a later day would count
    days nobody could have bought on — a sync that lags, a demo built last week — as silence."""
    row = wh.con.execute("SELECT max(day) FROM orders WHERE status = 'completed'").fetchone()
    last = row[0] if row else None
    return min(last, today) if isinstance(last, date) else today


def prepare(wh: Warehouse, end: date, unit_days: float) -> tuple[Counts, spend.Spends]:
    """What the two models are fitted on, from one pass over the purchases up to ``end``."""
    h = data.histories(tables_of(wh), end)
    h = h.filter(h.T_days > 0).select("x", "t_x_days", "T_days", "m_k").to_pyarrow()
    x = np.asarray(h["x"])
    counts = Counts.of_days(x, np.asarray(h["t_x_days"]), np.asarray(h["T_days"]), unit_days)
    m = np.asarray(h["m_k"].fill_null(0), dtype=np.float64) / 100
    return counts, spend.Spends.of(x, m)


def _holdout(
    wh: Warehouse, chosen: Any, p: Any, unit: float, calibration_end: date, holdout_end: date
) -> tuple[dict[str, Any], list[Notice]]:
    t = tables_of(wh)
    h = data.histories(t, calibration_end)
    h = arrays_of(h.filter(h.T_days > 0).order_by("cid").to_pyarrow())
    after = data.holdout(t, calibration_end, holdout_end).to_pyarrow()
    cids, weeks_of, counts = (np.asarray(after[c]) for c in ("cid", "week", "purchases"))
    days = (holdout_end - calibration_end).days
    whole_weeks = days // 7
    pos = np.searchsorted(h["cid"], cids)
    # only the customers the model was fitted on: not those whose first purchase fell on the calibration's last day
    known = (pos < len(h["cid"])) & (h["cid"][np.minimum(pos, len(h["cid"]) - 1)] == cids)
    pos, weeks_of, counts = pos[known], weeks_of[known], counts[known]
    actual = np.bincount(pos, weights=counts, minlength=len(h["cid"])).astype(np.float64)
    in_week = weeks_of < whole_weeks
    weekly = np.bincount(weeks_of[in_week], weights=counts[in_week], minlength=whole_weeks).astype(np.float64)
    return holdout_check(chosen, p, h, actual, weekly, unit_days=unit, holdout_days=days)


def fit_summary(row: ClvFit) -> dict[str, Any]:
    """What ``klientura clv fit`` prints: the estimates, their errors and log-likelihoods."""
    return {
        "id": row.id,
        "model": row.model,
        "time_unit": row.time_unit,
        "calibration_end": row.calibration_end.isoformat(),
        "holdout_end": row.holdout_end.isoformat() if row.holdout_end else None,
        "customers": row.customers,
        "repeaters": row.repeaters,
        "params": row.params,
        "std_errors": row.std_errors,
        "loglik": row.loglik,
        "spend": {
            "model": "gamma_gamma",
            "params": row.spend_params,
            "std_errors": row.spend_std_errors,
            "loglik": row.spend_loglik,
        },
        "holdout": {k: v for k, v in (row.diagnostics or {}).items() if k not in ("weekly", "by_frequency")} or None,
        "warnings": row.warnings,
        "seconds": row.seconds,
    }


def fit_of(session: Session, fit_id: int) -> ClvFit | None:
    """A fit by its id (the one a valuation run used)."""
    return session.get(ClvFit, fit_id)


def latest_fit(session: Session) -> ClvFit | None:
    return session.scalars(select(ClvFit).order_by(ClvFit.id.desc()).limit(1)).first()


def latest_checked_fit(session: Session, model_name: str) -> ClvFit | None:
    """The latest fit of this model that was checked against a holdout."""
    return session.scalars(
        select(ClvFit)
        .where(ClvFit.model == model_name, ClvFit.holdout_end.is_not(None))
        .order_by(ClvFit.id.desc())
        .limit(1)
    ).first()


def latest_run(session: Session) -> ClvRun | None:
    return session.scalars(select(ClvRun).order_by(ClvRun.id.desc()).limit(1)).first()


def clv_of(session: Session, customer_id: int) -> ClvRead | None:
    """The card's figures with the run and model they came from."""
    row = session.get(CustomerClv, customer_id)
    if row is None:
        return None
    run = session.get(ClvRun, row.run_id)
    fitted = session.get(ClvFit, run.fit_id) if run else None
    if run is None or fitted is None:
        return None
    return ClvRead(
        as_of=run.as_of,
        horizon_months=run.horizon_months,
        basis=run.basis,
        model=fitted.model,
        model_title=model(fitted.model).title,
        p_alive=row.p_alive,
        expected_purchases=row.expected_purchases,
        expected_spend=row.expected_spend,
        clv=row.clv,
        value_1y=row.value_1y,
        value_2y=row.value_2y,
        value_3y=row.value_3y,
    )
