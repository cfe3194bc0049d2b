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

from klientura.analytics import prepared
from klientura.kit.memo import Memo

Expr = Any


@dataclass(frozen=True)
class Learning:
    min_closed: int = 10  # closed deals a stage needs before its own rate is trusted
    by_source_from: int = 30  # ... and a source within it
    settled: float = 0.2  # a backtest month counts when at most this share of its deals is still open


def _index(days: list[Expr], value: Expr) -> Expr:
    """How many of the (ascending) ``days`` are on or before ``value``: the first day after it, by its place; all of
    them when ``value`` is null (never)."""
    count: Expr = ibis.literal(0)
    for day in days:
        count = count + (day <= value).ifelse(1, 0)
    return value.isnull().ifelse(len(days), count)


def _expressions(t: dict[str, Expr], pipeline_id: Any, days: list[Expr]) -> dict[str, Expr]:
    """For every one of ``days`` at once, by the places of the days a row counts on: [lo, hi).

    - ``rates``, per (stage, source, lo, hi): deals that had entered the stage and were closed (won or lost) at the
      start of the days lo..hi-1, and how many of them won. A closing counts on a day after it and after the deal
      first entered the stage, up to the day it was reopened (the state at the start of a day is the last move
      before it).
    - ``open``, per (stage, source, lo, hi): the deals open at the end of the day before each of the days lo..hi-1,
      their amount then, and what they brought in the end (won, for how much; still open)."""
    moves = t["stage_moves"].filter(_.pipeline_id == pipeline_id)
    entered = moves.filter(_.to_kind == "open").group_by(["deal_id", _.to_stage_id.name("stage_id")])
    entered = entered.aggregate(first_day=_.day.min())
    closings = moves.filter(_.to_kind.isin(["won", "lost"])).select(c_deal=_.deal_id, c_day=_.day,
                                                                    c_left=_.left_day, kind=_.to_kind)  # fmt: skip
    closed = entered.join(closings, entered.deal_id == closings.c_deal)
    src = t["deal_facts"].select(f_deal=_.deal_id, src=_.src)
    closed = closed.join(src, closed.deal_id == src.f_deal)
    start = ibis.greatest(closed.first_day, closed.c_day)
    closed = closed.mutate(lo=_index(days, start), hi=_index(days, closed.c_left))
    rates = closed.filter(_.lo < _.hi).group_by(["stage_id", "src", "lo", "hi"])
    rates = rates.aggregate(closed=_.count(), won=(_.kind == "won").ifelse(1, 0).sum().cast("int64"))
    spans = t["deal_spans"].filter((_.pipeline_id == pipeline_id) & (_.stage_kind == "open"))
    spans = spans.select("deal_id", "stage_id", "amount_k", lo=_index(days, spans.day), hi=_index(days, spans.next_day))
    spans = spans.filter(_.lo < _.hi)
    final = t["stage_moves"].filter(_.left_ts.isnull()).select(e_deal=_.deal_id, e_kind=_.to_kind, e_k=_.amount_k)
    both = spans.join(final, spans.deal_id == final.e_deal).join(src, spans.deal_id == src.f_deal)
    opened = both.group_by(["stage_id", "src", "lo", "hi"]).aggregate(
        deals=_.count(),
        amount_k=_.amount_k.sum().cast("int64"),
        won=(_.e_kind == "won").ifelse(1, 0).sum().cast("int64"),
        won_k=(_.e_kind == "won").ifelse(_.e_k, 0).sum().cast("int64"),
        still_open=(_.e_kind == "open").ifelse(1, 0).sum().cast("int64"),
    )
    return {"rates": rates, "open": opened, "stages": t["stages"].filter(_.pipeline_id == pipeline_id)}


_PIPELINE = 770_002_203  # stand-ins (analytics/prepared): a pipeline and days no warehouse holds


def _stand_in_day(i: int) -> date:
    return date(1111, 1, 1) + timedelta(days=i)


def forecasts(
    t: dict[str, Expr],
    pipeline_id: int,
    days: list[date],
    *,
    learning: Learning = Learning(),
    memo: Memo | None = None,
) -> list[dict[str, Any]]:
    """The forecast as of the start of each of ``days`` (one query for all): per stage the open deals, their amount,
    both probabilities and weighted amounts; the totals; and what the deals brought since (for a past day)."""
    ordered = sorted(set(days))
    values: dict[str, prepared.Value] = {"pipeline": pipeline_id}
    stand_ins: dict[str, prepared.Value] = {"pipeline": _PIPELINE}
    for i, day in enumerate(ordered):
        values[f"d{i}"], stand_ins[f"d{i}"] = day, _stand_in_day(i)

    def build(v: Any) -> dict[str, Expr]:
        return _expressions(t, v["pipeline"], [ibis.date(v[f"d{i}"]) for i in range(len(ordered))])

    key = ("forecast", len(ordered), tuple(sorted(t)))
    got = prepared.run(ibis.get_backend(t["stages"]), memo, key, build, values, stand_ins)
    static = {r["id"]: r for r in sorted(got["stages"], key=lambda r: (r["position"], r["id"]))}
    rates: list[list[dict[str, Any]]] = [[] for _day in ordered]
    opened: list[list[dict[str, Any]]] = [[] for _day in ordered]
    for name, into in (("rates", rates), ("open", opened)):
        for r in got[name]:
            for i in range(r["lo"], r["hi"]):
                into[i].append(r)
    by_day = {day: _forecast(static, rates[i], opened[i], day, learning) for i, day in enumerate(ordered)}
    return [by_day[day] for day in days]


def forecast(
    t: dict[str, Expr], pipeline_id: int, as_of: date, *, learning: Learning = Learning(), memo: Memo | None = None
) -> dict[str, Any]:
    """The forecast as of the start of ``as_of`` (see ``forecasts``)."""
    return forecasts(t, pipeline_id, [as_of], learning=learning, memo=memo)[0]


def _forecast(
    static: dict[int, dict[str, Any]],
    rates: list[dict[str, Any]],
    opened: list[dict[str, Any]],
    as_of: date,
    learning: Learning,
) -> dict[str, Any]:
    per_stage: dict[int, list[int]] = {}
    per_source: dict[tuple[int, str | None], list[int]] = {}
    for r in rates:
        got = per_stage.setdefault(r["stage_id"], [0, 0])
        got[0] += r["closed"]
        got[1] += r["won"]
        mine = per_source.setdefault((r["stage_id"], r["src"]), [0, 0])
        mine[0] += r["closed"]
        mine[1] += r["won"]

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
    for r in opened:
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
    t: dict[str, Expr],
    pipeline_id: int,
    today: date,
    *,
    months: int = 12,
    learning: Learning = Learning(),
    memo: Memo | None = None,
) -> dict[str, Any]:
    """The forecast made at the start of each of the last ``months`` months against what its deals brought; the mean
    absolute error of each method over the settled months."""
    starts = []
    first = today.replace(day=1)
    for _i in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        starts.append(first)
    made = dict(zip(starts, forecasts(t, pipeline_id, starts, learning=learning, memo=memo), strict=True))
    rows = []
    for start in sorted(starts):
        f = made[start]
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
