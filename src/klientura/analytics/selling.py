"""Use cases of the sales analytics: the funnel and the managers' figures, confined to what the actor may see."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from klientura.analytics import prepared
from klientura.analytics.errors import (
    BAD_WINDOW,
    DATES_REVERSED,
    NO_SALES_YET,
    PERIOD_TOO_LONG,
    UNKNOWN_ATTRIBUTION,
    UNKNOWN_MODE,
    UNKNOWN_PIPELINE,
)
from klientura.analytics.forecast import Learning, backtest, forecast
from klientura.analytics.funnel import MODES, Slice, funnel
from klientura.analytics.kpis import Period
from klientura.analytics.managers import Scope, managers
from klientura.analytics.signals import Thresholds, signals
from klientura.analytics.sources import MODELS, sources
from klientura.analytics.staff import BY as STAFF_BY
from klientura.analytics.staff import staff_report
from klientura.analytics.targets import actuals
from klientura.analytics.warehouse import Warehouse
from klientura.audit import Actor
from klientura.auth import owner_scope, require
from klientura.kit.errors import ValidationFailed

SALES_TABLES = (
    "deal_facts",
    "stage_moves",
    "deal_spans",
    "ownership",
    "stages",
    "pipelines",
    "sales",
    "deal_orders",
    "deals",
    "leads",
    "conversations",
    "tasks",
    "users",
    "teams",
    "customers",
    "ad_costs",
    "touches",
    "receipts",
    "loyalty_accounts",
)
MAX_DAYS = 3 * 366


def tables(wh: Warehouse) -> dict[str, Any]:
    present = set(wh.ibis.list_tables())
    if not {"deal_facts", "stage_moves", "sales"} <= present:
        raise ValidationFailed(NO_SALES_YET)
    out = {name: wh.table(name) for name in SALES_TABLES}
    if "scores" in present:
        out["scores"] = wh.table("scores")
    return out


def checked(period: Period) -> Period:
    if period.end < period.start:
        raise ValidationFailed(DATES_REVERSED, field="date_to")
    if period.days > MAX_DAYS:
        raise ValidationFailed(PERIOD_TOO_LONG, max=MAX_DAYS, field="date_from")
    return period


def pipelines(wh: Warehouse) -> list[dict[str, Any]]:
    """The pipelines the warehouse knows, in their order."""
    rows: list[dict[str, Any]] = wh.table("pipelines").order_by(["position", "id"]).to_pyarrow().to_pylist()
    return rows


def _owners(actor: Actor, owners: frozenset[int] | None) -> frozenset[int] | None:
    """The owners asked for, within those the actor may see (a head of sales: their teams and themselves)."""
    scope = owner_scope(actor)
    if scope is None:
        return owners
    return scope if owners is None else owners & scope


def sales_funnel(
    wh: Warehouse,
    actor: Actor,
    *,
    pipeline_id: int,
    period: Period,
    mode: str = "cohort",
    source: str | None = None,
    owners: frozenset[int] | None = None,
) -> dict[str, Any]:
    """The funnel of the period and the summary of the one before it (see :mod:`~klientura.analytics.funnel`)."""
    require(actor, "analytics:read")
    if mode not in MODES:
        raise ValidationFailed(UNKNOWN_MODE, value=mode, allowed=", ".join(MODES), field="mode")
    checked(period)
    t = tables(wh)
    if not any(p["id"] == pipeline_id for p in pipelines(wh)):
        raise ValidationFailed(UNKNOWN_PIPELINE, id=pipeline_id, field="pipeline_id")
    piece = Slice(pipeline_id, source=source or None, owners=_owners(actor, owners))
    memo = wh.memos.of(prepared.MEMO, 256)
    now = funnel(t, piece, period, mode, memo=memo)
    before = funnel(t, piece, period.previous(), mode, memo=memo)
    now["previous"] = {k: v for k, v in before.items() if k not in ("stages", "links")}
    now["period"], now["previous_period"], now["pipeline_id"] = period, period.previous(), pipeline_id
    return now


def sales_managers(
    wh: Warehouse,
    actor: Actor,
    *,
    period: Period,
    now: datetime,
    akb_days: int,
    pipeline_id: int | None = None,
) -> dict[str, Any]:
    """Each manager's figures of the period and the one before (see :mod:`~klientura.analytics.managers`)."""
    require(actor, "analytics:read")
    checked(period)
    t = tables(wh)
    if pipeline_id is not None and not any(p["id"] == pipeline_id for p in pipelines(wh)):
        raise ValidationFailed(UNKNOWN_PIPELINE, id=pipeline_id, field="pipeline_id")
    return managers(t, Scope(pipeline_id, _owners(actor, None)), period, now=now, akb_days=akb_days)


def choices(wh: Warehouse, actor: Actor) -> dict[str, Any]:
    """What a report page offers to filter by: pipelines, sources, the sellers and teams the actor may see."""
    require(actor, "analytics:read")
    t = tables(wh)
    scope = owner_scope(actor)
    users = t["users"].filter(t["users"].role.isin(["manager", "head", "admin"]))
    people = [u for u in users.order_by("name").to_pyarrow().to_pylist() if scope is None or u["id"] in scope]
    teams = [r for r in t["teams"].order_by("name").to_pyarrow().to_pylist()]
    if scope is not None:
        teams = [r for r in teams if any(u["team_id"] == r["id"] for u in people)]
    facts = t["deal_facts"]
    sources = facts.filter(facts.source.notnull()).select("source").distinct().order_by("source")
    return {
        "pipelines": pipelines(wh),
        "sources": [r["source"] for r in sources.to_pyarrow().to_pylist()],
        "people": people,
        "teams": teams,
    }


def sales_sources(
    wh: Warehouse, actor: Actor, *, period: Period, model: str = "last", window_days: int = 30
) -> dict[str, Any]:
    """Spend and what it brought per source and campaign, this period and the one before (see
    :mod:`~klientura.analytics.sources`). The whole department's: a head of sales sees it too."""
    require(actor, "analytics:read")
    if model not in MODELS:
        raise ValidationFailed(UNKNOWN_ATTRIBUTION, value=model, allowed=", ".join(MODELS), field="model")
    if not 1 <= window_days <= 365:
        raise ValidationFailed(BAD_WINDOW, field="window_days")
    checked(period)
    t = tables(wh)
    return {
        "period": period,
        "previous_period": period.previous(),
        "model": model,
        "window_days": window_days,
        "sources": sources(t, period, model=model, window_days=window_days, memo=wh.memos.of(prepared.MEMO, 256)),
        "previous": sources(
            t, period.previous(), model=model, window_days=window_days, memo=wh.memos.of(prepared.MEMO, 256)
        ),
    }


def sales_signals(
    wh: Warehouse,
    actor: Actor,
    *,
    period: Period,
    now: datetime,
    pipeline_id: int | None = None,
    limits: Thresholds | None = None,
) -> dict[str, Any]:
    """The signs of gamed numbers with the deals behind them (see :mod:`~klientura.analytics.signals`), confined to
    the managers the actor may see."""
    require(actor, "analytics:read")
    checked(period)
    t = tables(wh)
    if pipeline_id is not None and not any(p["id"] == pipeline_id for p in pipelines(wh)):
        raise ValidationFailed(UNKNOWN_PIPELINE, id=pipeline_id, field="pipeline_id")
    found = signals(t, period, now=now, pipeline_id=pipeline_id, owners=_owners(actor, None),
                    limits=limits or Thresholds(), memo=wh.memos.of(prepared.MEMO, 256))  # fmt: skip
    found["period"] = period
    return found


def plan_actuals(wh: Warehouse, actor: Actor, plans: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """The plans (as the sales domain keeps them) against the won deals of their periods (see
    :mod:`~klientura.analytics.targets`)."""
    require(actor, "analytics:read")
    return actuals(tables(wh), plans, today)


def sales_forecast(
    wh: Warehouse, actor: Actor, *, pipeline_id: int, today: date, months: int = 12, learning: Learning | None = None
) -> dict[str, Any]:
    """The weighted pipeline now (learned and static probabilities) and the backtest of the last ``months``
    months' forecasts (see :mod:`~klientura.analytics.forecast`). The department's pipeline, whoever looks."""
    require(actor, "analytics:read")
    t = tables(wh)
    if not any(p["id"] == pipeline_id for p in pipelines(wh)):
        raise ValidationFailed(UNKNOWN_PIPELINE, id=pipeline_id, field="pipeline_id")
    how = learning or Learning()
    memo = wh.memos.of(prepared.MEMO, 256)
    return {
        "now": forecast(t, pipeline_id, today + timedelta(days=1), learning=how, memo=memo),
        "backtest": backtest(t, pipeline_id, today, months=months, learning=how, memo=memo),
    }


def staff_figures(wh: Warehouse, actor: Actor, *, period: Period, by: str) -> list[dict[str, Any]]:
    """Per outlet or staff member: receipts, identified, with points, cards issued, came back (see
    :mod:`~klientura.analytics.staff`)."""
    require(actor, "analytics:read")
    if by not in STAFF_BY:
        raise ValidationFailed(UNKNOWN_MODE, value=by, allowed=", ".join(STAFF_BY), field="by")
    checked(period)
    return staff_report(tables(wh), period, by, memo=wh.memos.of(prepared.MEMO, 256))
