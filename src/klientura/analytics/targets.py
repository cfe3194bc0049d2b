"""Plans against what was done: for each target, the won deals (or their amount) of its month or quarter credited to
the owner at the win — a manager, a team (its members now), a pipeline or everyone — and the run-rate projection
to the period's end."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis
from ibis import _

Expr = Any


def period_end(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, 1) - timedelta(days=1)


def actuals(t: dict[str, Expr], plans: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Each plan (id, period_start, months, scope, scope_id, measure, target) with ``actual``, ``done`` (share of the
    target), ``projection`` (the run rate to the period's end) and ``projected`` (its share)."""
    if not plans:
        return []
    first = min(p["period_start"] for p in plans)
    last = max(period_end(p["period_start"], p["months"]) for p in plans)
    won = t["stage_moves"].filter(
        _.left_ts.isnull() & (_.to_kind == "won") & (_.day >= ibis.date(first)) & (_.day <= ibis.date(last))
    )
    rows = (
        won.group_by(["day", "owner_id", "pipeline_id"])
        .aggregate(deals=_.count(), amount_k=_.amount_k.sum())
        .to_pyarrow()
        .to_pylist()
    )
    teams: dict[int, set[int]] = {}
    for u in t["users"].select("id", "team_id").to_pyarrow().to_pylist():
        if u["team_id"] is not None:
            teams.setdefault(u["team_id"], set()).add(u["id"])
    out = []
    for plan in plans:
        start, end = plan["period_start"], period_end(plan["period_start"], plan["months"])
        members = teams.get(plan["scope_id"], set())

        def counts(r: dict[str, Any], plan: dict[str, Any] = plan, members: set[int] = members) -> bool:
            scope, sid = plan["scope"], plan["scope_id"]
            return (
                scope == "all"
                or (scope == "manager" and r["owner_id"] == sid)
                or (scope == "team" and r["owner_id"] in members)
                or (scope == "pipeline" and r["pipeline_id"] == sid)
            )

        mine = [r for r in rows if start <= r["day"] <= end and counts(r)]
        actual = (
            sum(int(r["amount_k"] or 0) for r in mine) / 100
            if plan["measure"] == "revenue"
            else float(sum(int(r["deals"]) for r in mine))
        )
        days = (end - start).days + 1
        elapsed = min(max((today - start).days + 1, 0), days)
        projection = actual if elapsed >= days else (actual / elapsed * days if elapsed else None)
        target = float(plan["target"])
        out.append(
            {
                **plan,
                "period_end": end,
                "actual": actual,
                "done": actual / target if target else None,
                "projection": projection,
                "projected": projection / target if target and projection is not None else None,
                "elapsed_days": elapsed,
                "days": days,
            }
        )
    return out


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


__all__ = ["actuals", "period_end", "quarter_start"]
