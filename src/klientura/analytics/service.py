"""Use cases of the warehouse: settings, recompute and write-back, reading the results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, func, select

from klientura.analytics.errors import (
    DATES_REVERSED,
    NEEDS_PREDICTION,
    NEEDS_RECOMPUTE,
    UNKNOWN_FAMILY,
    WAREHOUSE_EMPTY,
)
from klientura.analytics.kpis import Period, cohorts, daily_revenue, period_kpis
from klientura.analytics.models import AnalyticsConfig, CustomerScore, ScoreSnapshot
from klientura.analytics.rules import Rule, needs, parse_rule
from klientura.analytics.schemas import GroupRead
from klientura.analytics.scores import migration, rfm_map, scores
from klientura.analytics.segment import members
from klientura.analytics.settings import AnalyticsSettings
from klientura.analytics.warehouse import Warehouse, money_sql
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session, insert_columns, utcnow
from klientura.kit.errors import ValidationFailed, invalid

FAMILIES = ("temperature", "lifecycle", "rfm_segment", "behaviour")
SCORE_TABLES = ("orders", "customers", "returns", "events")  # what the families are computed from
_COLUMNS = (
    "customer_id",
    "as_of",
    "temperature",
    "lifecycle",
    "recency_days",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
    "rfm_cell",
    "rfm_segment",
    "behaviour",
    "discount_lover",
    "promo_hunter",
    "irregular",
    "frequent_thrifty",
    "orders",
    "revenue",
    "avg_check",
    "first_purchase",
    "last_purchase",
    "mean_interval_days",
    "computed_at",
)
_MONEY = {"monetary": "monetary_k", "revenue": "revenue_k", "avg_check": "avg_check_k"}


def load_settings(session: Session) -> AnalyticsSettings:
    row = session.get(AnalyticsConfig, 1)
    return AnalyticsSettings.model_validate(row.settings) if row else AnalyticsSettings()


def save_settings(session: Session, actor: Actor, data: dict[str, Any]) -> AnalyticsSettings:
    """Validate and store the thresholds (audited); a bad value is a readable error, nothing is stored."""
    require(actor, "analytics:write")
    try:
        new = AnalyticsSettings.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from exc
    row = session.get(AnalyticsConfig, 1)
    before = row.settings if row else None
    if row is None:
        row = AnalyticsConfig(id=1)
        session.add(row)
    row.settings, row.updated_by = new.model_dump(mode="json"), actor.name
    session.flush()
    record(session, actor, "analytics.settings", "analytics_config", 1, before, row.settings)
    return new


@dataclass
class RecomputeReport:
    as_of: date
    customers: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    groups: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "customers": self.customers,
            "seconds": self.seconds,
            "groups": self.groups,
        }


def compute(wh: Warehouse, settings: AnalyticsSettings, as_of: date, *, existing_only: bool = False) -> Any:
    """The scores of every surviving card as a pyarrow Table (nothing written); ``existing_only``: see
    :func:`~klientura.analytics.scores.scores`."""
    expr = scores({n: wh.table(n) for n in SCORE_TABLES}, settings, as_of, existing_only=existing_only)
    return expr.to_pyarrow()


def _keep_in_warehouse(wh: Warehouse, table: Any, as_of: date | None = None) -> None:
    """The scores as the warehouse table ``scores``: segment rules on RFM cells, lifecycle ... read it."""
    wh.con.register("klientura_scores_new", table)
    try:
        wh.con.execute("CREATE OR REPLACE TABLE scores AS SELECT * FROM klientura_scores_new")
    finally:
        wh.con.unregister("klientura_scores_new")
    if as_of is not None:
        wh.con.execute("INSERT OR REPLACE INTO meta VALUES ('scores_as_of', ?)", [as_of.isoformat()])


SEGMENT_TABLES = (
    "customers",
    "orders",
    "order_lines",
    "products",
    "returns",
    "events",
    "identities",
    "tags",
    "consents",
)


def segment_members(wh: Warehouse, rule: Any, as_of: date) -> Any:
    """The Ibis expression of a rule's members (``customer_id``); ``rule`` is validated JSON or a parsed rule."""
    parsed: Rule = rule if isinstance(rule, BaseModel) else parse_rule(rule)  # type: ignore[assignment]
    tables = {n: wh.table(n) for n in SEGMENT_TABLES}
    present, wanted = set(wh.ibis.list_tables()), needs(parsed)
    for name in ("scores", "clv"):
        if name in present:
            tables[name] = wh.table(name)
    if "scores" in wanted - present:
        raise ValidationFailed(NEEDS_RECOMPUTE)
    if "clv" in wanted - present:
        raise ValidationFailed(NEEDS_PREDICTION)
    return members(tables, parsed, as_of)


def _scores_day(wh: Warehouse) -> date | None:
    row = wh.con.execute("SELECT value FROM meta WHERE key = 'scores_as_of'").fetchone()
    return date.fromisoformat(row[0]) if row else None


def rfm_grid(wh: Warehouse, settings: AnalyticsSettings, as_of: date) -> list[dict[str, Any]]:
    """The RFM map: 25 cells of (r, f) with customers, their share and their share of the window's revenue."""
    if "scores" in wh.ibis.list_tables() and as_of == _scores_day(wh):  # the last recompute's, already computed
        s = wh.table("scores")
        s = s.filter(s.r.notnull())
        rows = s.group_by(["r", "f"]).aggregate(customers=s.customer_id.count(), monetary_k=s.monetary_k.sum())
        rows = rows.to_pyarrow().to_pylist()
    else:
        rows = rfm_map({n: wh.table(n) for n in SCORE_TABLES}, settings, as_of).to_pyarrow().to_pylist()
    total_n = sum(r["customers"] for r in rows) or 1
    total_k = sum(max(r["monetary_k"] or 0, 0) for r in rows) or 1
    by_cell = {(r["r"], r["f"]): r for r in rows}
    grid = []
    for r in range(5, 0, -1):
        for f in range(1, 6):
            cell = by_cell.get((r, f), {"customers": 0, "monetary_k": 0})
            grid.append(
                {
                    "r": r,
                    "f": f,
                    "customers": cell["customers"],
                    "share": cell["customers"] / total_n,
                    "revenue_share": max(cell["monetary_k"] or 0, 0) / total_k,
                }
            )
    return grid


def rfm_migration(wh: Warehouse, settings: AnalyticsSettings, start: date, end: date) -> list[dict[str, Any]]:
    """Customers per (segment at ``start``, segment at ``end``)."""
    if end <= start:
        raise ValidationFailed(DATES_REVERSED)
    rows = migration({n: wh.table(n) for n in SCORE_TABLES}, settings, start, end).to_pyarrow().to_pylist()
    return sorted(rows, key=lambda r: (r["source"], r["target"]))


KPI_TABLES = ("sales", "first_purchases")


def dashboard(
    wh: Warehouse,
    settings: AnalyticsSettings,
    period: Period,
    *,
    outlets: list[int] | None = None,
    channels: list[int] | None = None,
) -> dict[str, Any]:
    """The KPIs of ``period`` and of the one before it, revenue day by day for both, and the cohorts of the
    twelve months up to the period's end."""
    if "sales" not in wh.ibis.list_tables():
        raise ValidationFailed(WAREHOUSE_EMPTY)
    t = {n: wh.table(n) for n in KPI_TABLES}
    prev = period.previous()
    f = {"outlets": outlets, "channels": channels}
    cohort_start = date(period.end.year - (1 if period.end.month < 12 else 0), period.end.month % 12 + 1, 1)
    return {
        "period": period,
        "previous": prev,
        "now": period_kpis(t, period, active_days=settings.active_days, **f),
        "before": period_kpis(t, prev, active_days=settings.active_days, **f),
        "daily": daily_revenue(t, period, **f),
        "daily_before": daily_revenue(t, prev, **f),
        "cohorts": cohorts(t, cohort_start, period.end),
    }


def segment_size(wh: Warehouse, rule: Any, as_of: date) -> int:
    return int(segment_members(wh, rule, as_of).count().to_pyarrow().as_py())


def backfill_snapshots(session: Session, actor: Actor, wh: Warehouse, days: list[date]) -> int:
    """The group sizes of past ``days`` (the trend charts' points), each computed as of its day; the customers'
    own scores stay as the last recompute left them. Returns how many days were written."""
    require(actor, "analytics:write")
    settings = load_settings(session)
    for day in days:
        _snapshot(session, day, compute(wh, settings, day, existing_only=True))
    return len(days)


def recompute(
    session: Session,
    actor: Actor,
    wh: Warehouse,
    *,
    as_of: date,
    settings: AnalyticsSettings | None = None,
) -> RecomputeReport:
    """Score every card on the warehouse and replace the store's scores with the result in one batch."""
    require(actor, "analytics:write")
    settings = settings or load_settings(session)
    report = RecomputeReport(as_of)
    t0 = time.perf_counter()
    table = compute(wh, settings, as_of)
    _keep_in_warehouse(wh, table, as_of)
    t1 = time.perf_counter()
    report.customers = table.num_rows
    session.execute(delete(CustomerScore))
    for cols in _store_columns(wh, table, as_of):
        insert_columns(session, CustomerScore, cols, ready=_READY)
    t2 = time.perf_counter()
    report.groups = _snapshot(session, as_of, table)
    record(
        session,
        actor,
        "analytics.recompute",
        "customer_scores",
        as_of.isoformat(),
        None,
        {"customers": report.customers, "as_of": as_of.isoformat()},
    )
    report.seconds = {"compute": round(t1 - t0, 2), "write": round(t2 - t1, 2)}
    return report


_DATES = ("first_purchase", "last_purchase")
_READY = (*_MONEY, *_DATES)


def _store_columns(wh: Warehouse, table: Any, as_of: date, chunk: int = 100_000) -> Iterator[dict[str, list[Any]]]:
    """The scores column by column, formatted by DuckDB where the store takes text — money as exact decimal
    strings from kopecks, dates in ISO form: for a million rows 2 s instead of 10 through Python objects."""

    exprs = []
    for name in _COLUMNS:
        if name in _MONEY:
            exprs.append(f"{money_sql(_MONEY[name])} AS {name}")
        elif name in _DATES:
            exprs.append(f"CAST({name} AS VARCHAR) AS {name}")
        elif name not in ("as_of", "computed_at"):
            exprs.append(name)
    wh.con.register("klientura_scores_out", table)
    try:
        out = wh.con.execute(f"SELECT {', '.join(exprs)} FROM klientura_scores_out").fetch_arrow_table()
    finally:
        wh.con.unregister("klientura_scores_out")
    now = utcnow()
    for batch in out.to_batches(max_chunksize=chunk):  # a slice at a time: Python objects for all of it weigh GBs
        n = batch.num_rows
        cols: dict[str, list[Any]] = {}
        for name in _COLUMNS:
            if name == "as_of":
                cols[name] = [as_of] * n
            elif name == "computed_at":
                cols[name] = [now] * n
            else:
                cols[name] = batch.column(name).to_pylist()
        yield cols


def _snapshot(session: Session, day: date, table: Any) -> dict[str, dict[str, int]]:
    """Customers and revenue per group of each family on ``day`` (kept for the trend lines)."""
    groups: dict[str, dict[str, int]] = {}
    revenue: dict[tuple[str, str], Decimal] = {}
    rev = table["revenue_k"].to_pylist()
    for family in FAMILIES:
        counts: dict[str, int] = {}
        sums: dict[str, int] = {}
        for value, k in zip(table[family].to_pylist(), rev, strict=True):
            key = value or "none"
            counts[key] = counts.get(key, 0) + 1
            sums[key] = sums.get(key, 0) + (k or 0)
        groups[family] = dict(sorted(counts.items()))
        revenue.update({(family, key): Decimal(v).scaleb(-2) for key, v in sums.items()})
    session.execute(delete(ScoreSnapshot).where(ScoreSnapshot.day == day))
    session.add_all(
        ScoreSnapshot(day=day, family=f, value=v, customers=n, revenue=revenue[f, v])
        for f, counts in groups.items()
        for v, n in counts.items()
    )
    session.flush()
    return groups


def score_of(session: Session, customer_id: int) -> CustomerScore | None:
    return session.get(CustomerScore, customer_id)


def groups(session: Session, family: str) -> list[GroupRead]:
    """Customers, their share and revenue per group of ``family`` at the latest recompute, largest first."""
    if family not in FAMILIES:
        raise ValidationFailed(UNKNOWN_FAMILY, value=family, allowed=", ".join(FAMILIES))
    last = session.scalar(select(func.max(ScoreSnapshot.day)))
    if last is None:
        return []
    rows = list(
        session.execute(
            select(ScoreSnapshot.value, ScoreSnapshot.customers, ScoreSnapshot.revenue)
            .where(ScoreSnapshot.day == last, ScoreSnapshot.family == family)
            .order_by(ScoreSnapshot.customers.desc(), ScoreSnapshot.value)
        )
    )
    total = sum(n for _, n, _ in rows) or 1
    return [GroupRead(value=v, customers=n, share=n / total, revenue=rev) for v, n, rev in rows]


def last_as_of(session: Session) -> date | None:
    """The day the latest recompute judged the base as of."""
    day: date | None = session.scalar(select(func.max(ScoreSnapshot.day)))
    return day


def trend(session: Session, family: str, days: int = 90) -> list[tuple[date, str, int]]:
    rows = session.execute(
        select(ScoreSnapshot.day, ScoreSnapshot.value, ScoreSnapshot.customers)
        .where(ScoreSnapshot.family == family)
        .order_by(ScoreSnapshot.day.desc(), ScoreSnapshot.value)
        .limit(days * 16)
    )
    return sorted((d, v, n) for d, v, n in rows)
