"""The weighted pipeline, with stage probabilities learned from the history beside the ones set on the stages, and a
backtest that says which to trust — Ibis, for every engine.

- **Learned probability** of a stage, as of a day: of the deals that had entered the stage and were closed by that
  day, the share won; by source where a source has at least ``by_source_from`` such deals, else the stage's; with
  fewer than ``min_closed`` the stage's own (static) probability stands in.
- **Forecast** as of a day: the open deals then (their stage and amount at the end of the day before), each weighted
  by its probability — learned (from what was known then, nothing later) and static.
- **Backtest**: the forecast made at the start of each past month against what those same deals brought in the end
  (the amount they were won for); months whose deals are still largely open say little and are marked so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
from ibis import _

from klientura.analytics.kpis import rows_of

Expr = Any


@dataclass(frozen=True)
class Learning:
    min_closed: int = 10  # closed deals a stage needs before its own rate is trusted
    by_source_from: int = 30  # ... and a source within it
    settled: float = 0.2  # a backtest month counts when at most this share of its deals is still open


def _rates(t: dict[str, Expr], pipeline_id: int, as_of: date) -> list[dict[str, Any]]:
    """Per (stage, source): deals that entered the stage and were closed before ``as_of``, and how many were won."""
    day = ibis.date(as_of)
    moves = t["stage_moves"].filter((_.pipeline_id == pipeline_id) & (_.day < day))
    entered = moves.filter(_.to_kind == "open").select("deal_id", stage_id=_.to_stage_id).distinct()
    state = moves.filter(_.left_day.isnull() | (_.left_day >= day)).filter(_.to_kind.isin(["won", "lost"]))
    state = state.select(s_deal=_.deal_id, kind=_.to_kind)
    closed = entered.join(state, entered.deal_id == state.s_deal)
    src = t["deal_facts"].select(f_deal=_.deal_id, src=_.src)
    closed = closed.join(src, closed.deal_id == src.f_deal)
    return rows_of(
        closed.group_by(["stage_id", "src"]).aggregate(closed=_.count(), won=(_.kind == "won").ifelse(1, 0).sum())
    )


def _open(t: dict[str, Expr], pipeline_id: int, as_of: date) -> list[dict[str, Any]]:
    """Per (stage, source): the deals open at the end of the day before ``as_of``, their amount then, and what they
    brought in the end: won (for how much) or still open."""
    day = ibis.date(as_of)
    spans = t["deal_spans"].filter(
        (_.pipeline_id == pipeline_id) & (_.day < day) & (_.next_day.isnull() | (_.next_day >= day))
    )
    spans = spans.filter(_.stage_kind == "open").select("deal_id", "stage_id", "amount_k")
    final = t["stage_moves"].filter(_.left_ts.isnull()).select(e_deal=_.deal_id, e_kind=_.to_kind, e_k=_.amount_k)
    src = t["deal_facts"].select(f_deal=_.deal_id, src=_.src)
    both = spans.join(final, spans.deal_id == final.e_deal).join(src, spans.deal_id == src.f_deal)
    return rows_of(
        both.group_by(["stage_id", "src"]).aggregate(
            deals=_.count(),
            amount_k=_.amount_k.sum(),
            won=(_.e_kind == "won").ifelse(1, 0).sum(),
            won_k=(_.e_kind == "won").ifelse(_.e_k, 0).sum(),
            still_open=(_.e_kind == "open").ifelse(1, 0).sum(),
        )
    )


def forecast(t: dict[str, Expr], pipeline_id: int, as_of: date, *, learning: Learning = Learning()) -> dict[str, Any]:
    """The forecast as of the start of ``as_of``: per stage the open deals, their amount, both probabilities and
    weighted amounts; the totals; and what the deals brought since (for a past day)."""
    static = {
        r["id"]: r for r in rows_of(t["stages"].filter(_.pipeline_id == pipeline_id).order_by(["position", "id"]))
    }
    rates = _rates(t, pipeline_id, as_of)
    per_stage: dict[int, list[int]] = {}
    per_source: dict[tuple[int, str | None], list[int]] = {}
    for r in rates:
        got = per_stage.setdefault(r["stage_id"], [0, 0])
        got[0] += r["closed"]
        got[1] += r["won"]
        per_source[r["stage_id"], r["src"]] = [r["closed"], r["won"]]

    def learned(stage: int, src: str | None) -> float:
        closed, won = per_source.get((stage, src), [0, 0])
        if closed >= learning.by_source_from:
            return won / closed
        closed, won = per_stage.get(stage, [0, 0])
        if closed >= learning.min_closed:
            return won / closed
        return float(static[stage]["probability"] if stage in static else 0) / 100

    stages: dict[int, dict[str, Any]] = {}
    totals: dict[str, Any] = {
        "deals": 0,
        "amount": 0.0,
        "learned": 0.0,
        "static": 0.0,
        "won": 0,
        "won_amount": 0.0,
        "still_open": 0,
    }
    for r in _open(t, pipeline_id, as_of):
        amount = int(r["amount_k"] or 0) / 100
        p_static = float(static[r["stage_id"]]["probability"] if r["stage_id"] in static else 0) / 100
        s: dict[str, Any] = stages.setdefault(r["stage_id"], {"deals": 0, "amount": 0.0, "learned": 0.0, "static": 0.0})
        weighted = amount * learned(r["stage_id"], r["src"])
        for target in (s, totals):
            target["deals"] += r["deals"]
            target["amount"] += amount
            target["learned"] += weighted
            target["static"] += amount * p_static
        totals["won"] += int(r["won"] or 0)
        totals["won_amount"] += int(r["won_k"] or 0) / 100
        totals["still_open"] += int(r["still_open"] or 0)
    rows = []
    for sid, st in static.items():
        if st["kind"] != "open":
            continue
        closed, won = per_stage.get(sid, [0, 0])
        weighed: dict[str, Any] = stages.get(sid, {"deals": 0, "amount": 0.0, "learned": 0.0, "static": 0.0})
        rows.append({"stage_id": sid, "name": st["name"], "static_probability": st["probability"] / 100,
                     "learned_probability": won / closed if closed >= learning.min_closed else None,
                     "closed": closed, **weighed})  # fmt: skip
    return {"as_of": as_of, "stages": rows, **totals}


def backtest(
    t: dict[str, Expr], pipeline_id: int, today: date, *, months: int = 12, learning: Learning = Learning()
) -> dict[str, Any]:
    """The forecast made at the start of each of the last ``months`` months against what its deals brought; the mean
    absolute error of each method over the settled months."""
    starts = []
    first = today.replace(day=1)
    for _i in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        starts.append(first)
    rows = []
    for start in sorted(starts):
        f = forecast(t, pipeline_id, start, learning=learning)
        open_share = f["still_open"] / f["deals"] if f["deals"] else None
        rows.append({"as_of": start, "deals": f["deals"], "amount": f["amount"], "learned": f["learned"],
                     "static": f["static"], "won_amount": f["won_amount"], "still_open": open_share,
                     "settled": open_share is not None and open_share <= learning.settled})  # fmt: skip
    settled = [r for r in rows if r["settled"] and r["won_amount"]]
    errors = {}
    for method in ("learned", "static"):
        errors[method] = (
            sum(abs(r[method] - r["won_amount"]) / r["won_amount"] for r in settled) / len(settled) if settled else None
        )
    better = None
    if errors["learned"] is not None and errors["static"] is not None:
        better = "learned" if errors["learned"] <= errors["static"] else "static"
    return {"months": rows, "errors": errors, "better": better, "settled_months": len(settled)}
