"""The sales funnel from the stage history — Ibis, for every engine.

Two views of one pipeline:

- **cohort**: the deals born in the period (their first history entry), followed to today: how many entered each
  stage, went on from it, were lost at it (and why), are still in it; how many are won, lost, still open.
- **flow**: what happened in the period, whenever the deals were born: entries into each stage, moves on, losses,
  and how many deals were in each stage when the period ended.

Nothing is credited that did not happen: a deal that jumped over a stage did not enter it (the jump is counted as a
skip of that stage), a move back to an earlier stage is a return, a closed deal opened again is a reopening. Time in
a stage is measured on the stays that ended (a deal still there has not finished its stay).

Stage ranks: open stages by position, won above them all, lost below (``stage_moves``, built by the sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
from ibis import _

from klientura.analytics import prepared
from klientura.analytics.kpis import Period
from klientura.kit.memo import Memo

Expr = Any
MODES = ("cohort", "flow")


@dataclass(frozen=True)
class Slice:
    """Which deals: one pipeline, optionally one source and the deals of some owners (a manager, a team; the owner
    when the deal was born for a cohort, at the time of each move for a flow)."""

    pipeline_id: int
    source: str | None = None
    owners: frozenset[int] | None = None


def _moves(t: dict[str, Expr], s: Slice, period: Period, mode: str) -> tuple[Expr, Expr]:
    """The moves the view counts and the deals it is about."""
    deals = t["deal_facts"].filter(_.pipeline_id == s.pipeline_id)
    if s.source is not None:
        deals = deals.filter(_.source == s.source)
    moves = t["stage_moves"].filter(_.pipeline_id == s.pipeline_id)
    start, end = ibis.date(period.start), ibis.date(period.end)
    if mode == "cohort":
        deals = deals.filter((_.born_day >= start) & (_.born_day <= end))
        if s.owners is not None:
            deals = deals.filter(_.born_owner.isin(sorted(s.owners)))
        moves = moves.semi_join(deals.select("deal_id"), "deal_id")
    else:
        moves = moves.filter((_.day >= start) & (_.day <= end))
        if s.owners is not None:
            moves = moves.filter(_.owner_id.isin(sorted(s.owners)))
        if s.source is not None:
            moves = moves.semi_join(deals.select("deal_id"), "deal_id")
    return moves, deals


def _distinct_count(expr: Expr, key: str, out: str) -> Expr:
    return expr.select(key, "deal_id").distinct().group_by(key).aggregate(**{out: _.count()})


_STAND_INS: dict[str, prepared.Value] = {
    "pipeline_id": 770_001_301,
    "source": "\u2063stand-in source\u2063",
    "owners": frozenset({770_001_302}),
    "start": date(1111, 11, 11),
    "end": date(1112, 12, 12),
}


def funnel(t: dict[str, Expr], s: Slice, period: Period, mode: str, *, memo: Memo | None = None) -> dict[str, Any]:
    """The funnel of one pipeline (executed: a dict of numbers; hours for the times in stage)."""
    values: dict[str, prepared.Value] = {"pipeline_id": s.pipeline_id, "source": s.source, "owners": s.owners, "start": period.start,
              "end": period.end}  # fmt: skip
    stand_ins: dict[str, prepared.Value] = {k: (v if values[k] is not None else None) for k, v in _STAND_INS.items()}

    def build(v: Any) -> dict[str, Expr]:
        piece = Slice(v["pipeline_id"], source=v["source"], owners=v["owners"])
        return _expressions(t, piece, Period(v["start"], v["end"]), mode)

    key = ("funnel", mode, s.source is None, s.owners is None, tuple(sorted(t)))
    got = prepared.run(ibis.get_backend(t["stages"]), memo, key, build, values, stand_ins)
    return _assemble(got, mode)


def _expressions(t: dict[str, Expr], s: Slice, period: Period, mode: str) -> dict[str, Expr]:
    stages = t["stages"].filter(_.pipeline_id == s.pipeline_id)
    moves, deals = _moves(t, s, period, mode)
    forward = moves.filter((_.from_kind == "open") & (_.to_rank > _.from_rank))
    entered = _distinct_count(moves.mutate(stage_id=_.to_stage_id), "stage_id", "entered")
    moved_on = _distinct_count(forward.mutate(stage_id=_.from_stage_id), "stage_id", "moved_on")
    lost = moves.filter((_.to_kind == "lost") & _.from_stage_id.notnull())
    lost_by = _distinct_count(lost.mutate(stage_id=_.from_stage_id), "stage_id", "lost")
    reasons = (
        lost.mutate(stage_id=_.from_stage_id, reason=_.reason.fill_null(""))
        .group_by(["stage_id", "reason"])
        .aggregate(deals=_.count())
    )
    back = moves.filter((_.from_kind == "open") & (_.to_kind == "open") & (_.to_rank < _.from_rank))
    returned = back.group_by(_.to_stage_id.name("stage_id")).aggregate(returned=_.count())
    reopened = moves.filter(_.from_kind.isin(["won", "lost"]) & (_.to_kind == "open"))
    # a forward jump over a stage (a creation straight into a later one included) is a skip of it
    ranks = stages.filter(_.kind != "lost").select(stage_id=_.id, rank=(_.kind == "won").ifelse(1_000_000, _.position))
    jumps = moves.filter((_.from_kind == "open") | _.from_stage_id.isnull()).filter(_.to_kind != "lost")
    jumps = jumps.mutate(low=_.from_rank.fill_null(-1))
    crossed = jumps.cross_join(ranks).filter((_.low < _.rank) & (_.rank < _.to_rank))
    skipped = _distinct_count(crossed, "stage_id", "skipped")
    end = ibis.date(period.end)
    if mode == "cohort":
        stays = moves.filter(_.left_ts.notnull())
        here = deals.group_by(_.stage_id).aggregate(here=_.count())
    else:
        stays = t["stage_moves"].filter(
            (_.pipeline_id == s.pipeline_id) & (_.left_day >= ibis.date(period.start)) & (_.left_day <= end)
        )
        if s.owners is not None:
            stays = stays.filter(_.owner_id.isin(sorted(s.owners)))
        if s.source is not None:
            stays = stays.semi_join(deals.select("deal_id"), "deal_id")
        at_end = t["stage_moves"].filter(
            (_.pipeline_id == s.pipeline_id) & (_.day <= end) & (_.left_day.isnull() | (_.left_day > end))
        )
        if s.owners is not None:
            at_end = at_end.filter(_.owner_id.isin(sorted(s.owners)))
        if s.source is not None:
            at_end = at_end.semi_join(deals.select("deal_id"), "deal_id")
        here = at_end.group_by(_.to_stage_id.name("stage_id")).aggregate(here=_.count())
    # a float before dividing: Spark reads 3600.0 as a decimal and rounds the quotient to six places (DESIGN.md §5)
    hours = (stays.left_ts.epoch_seconds() - stays.ts.epoch_seconds()).cast("float64") / 3600.0
    times = (
        stays.mutate(stage_id=_.to_stage_id, hours=hours)
        .group_by("stage_id")
        .aggregate(median_hours=_.hours.quantile(0.5), p90_hours=_.hours.quantile(0.9), stays=_.count())
    )
    # one query, as one would write it by hand: the stages with every count joined on (a query each cost 2.7 times)
    table = stages.select("id", "name", "kind", "archived", "probability", "position")
    for i, part in enumerate((entered, moved_on, lost_by, returned, skipped, here, times)):
        keyed = part.rename({f"k{i}": "stage_id"})
        table = table.left_join(keyed, table.id == keyed[f"k{i}"]).drop(f"k{i}")
    links = (
        moves.mutate(source_id=_.from_stage_id)
        .group_by(["source_id", "to_stage_id"])
        .aggregate(moves=_.count())
        .order_by(["source_id", "to_stage_id"])
    )
    return {
        "stages": table.order_by(["position", "id"]),
        "reasons": reasons,
        "links": links,
        "summary": _summary(deals, moves, reopened, mode),
    }


def _assemble(got: dict[str, list[dict[str, Any]]], mode: str) -> dict[str, Any]:
    stage_rows = got["stages"]
    why: dict[int, dict[str, int]] = {}
    for row in got["reasons"]:
        why.setdefault(row["stage_id"], {})[row["reason"]] = row["deals"]
    out_stages = []
    for st in stage_rows:
        n = int(st.get("entered") or 0)
        on = int(st.get("moved_on") or 0)
        is_open = st["kind"] == "open"
        out_stages.append(
            {
                "stage_id": st["id"],
                "name": st["name"],
                "kind": st["kind"],
                "archived": bool(st["archived"]),
                "probability": st["probability"],
                "entered": n,
                "moved_on": on,
                "lost": int(st.get("lost") or 0),
                "lost_reasons": dict(sorted(why.get(st["id"], {}).items(), key=lambda kv: (-kv[1], kv[0]))),
                "skipped": int(st.get("skipped") or 0),
                "returned": int(st.get("returned") or 0),
                # closed stages: in a flow, every deal ever closed is "there"; nobody's stay in them is a step
                "here": int(st.get("here") or 0) if is_open or mode == "cohort" else None,
                "conversion": on / n if n and is_open else None,
                "median_hours": st.get("median_hours") if is_open else None,
                "p90_hours": st.get("p90_hours") if is_open else None,
                "stays": int(st.get("stays") or 0) if is_open else 0,
            }
        )
    return {"mode": mode, "stages": out_stages, "links": got["links"], **_totals(got["summary"][0], mode)}


def _summary(deals: Expr, moves: Expr, reopened: Expr, mode: str) -> Expr:
    again = reopened.aggregate(reopened=_.count())
    if mode == "cohort":
        totals = deals.aggregate(
            deals=_.count(),
            won=(_.status == "won").ifelse(1, 0).sum(),
            lost=(_.status == "lost").ifelse(1, 0).sum(),
            open=(_.status == "open").ifelse(1, 0).sum(),
            won_amount_k=(_.status == "won").ifelse(_.amount_k, 0).sum(),
        )
    else:
        totals = moves.aggregate(
            won=(_.to_kind == "won").ifelse(1, 0).sum(),
            lost=(_.to_kind == "lost").ifelse(1, 0).sum(),
            won_amount_k=(_.to_kind == "won").ifelse(_.amount_k, 0).sum(),
        ).cross_join(moves.select("deal_id").distinct().aggregate(deals=_.count()))  # not nunique (DESIGN.md §5)
    return totals.cross_join(again)


def _totals(row: dict[str, Any], mode: str) -> dict[str, Any]:
    won, lost, n = int(row["won"] or 0), int(row["lost"] or 0), int(row["deals"] or 0)
    return {
        "deals": n,
        "won": won,
        "lost": lost,
        "open": int(row["open"] or 0) if mode == "cohort" else None,
        "won_amount": int(row["won_amount_k"] or 0) / 100,
        "reopened": int(row["reopened"] or 0),
        "conversion": won / n if n and mode == "cohort" else (won / (won + lost) if won + lost else None),
    }
