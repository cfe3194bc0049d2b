"""Signs that a manager's numbers are being gamed, each with the deals behind it — Ibis, for every engine.

- **straight to won**: a deal won in the period that never went through a stage between its creation and the win
  (created as won, or moved from its first stage straight to won): a sale nobody worked, or a win typed in to hit a
  plan.
- **won again**: a deal won in the period that had been won before (won, reopened, won again): the same sale counted
  twice.
- **lost at once**: a deal lost in the period within ``quick_minutes`` of its creation: a request thrown away instead
  of worked.
- **"other" reason**: a manager's losses in the period whose reason says nothing ("Другое", "Прочее", "Other" ...):
  a high share hides why deals are lost.
- **rotting**: an open deal nobody has touched for ``rot_days`` (no move, change, or task done on it).
- **won, not paid**: a deal won in the period, ``unpaid_days`` ago or more, with no completed order linked to it.

Each deal is listed under the owner at the time of its event (the win, the loss) or, for rotting deals, its owner now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import ibis
from ibis import _

from klientura.analytics import prepared
from klientura.analytics.kpis import Period, within
from klientura.kit.memo import Memo

Expr = Any
OTHER_WORDS = ("друг", "проч", "ино", "other", "без причин", "не указ")
KINDS = ("straight_to_won", "won_again", "lost_at_once", "other_reason", "rotting", "won_not_paid")


@dataclass(frozen=True)
class Thresholds:
    quick_minutes: int = 10
    rot_days: int = 14
    unpaid_days: int = 14
    listed: int = 200  # deals listed per signal


def _naive(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


_STAND_INS: dict[str, prepared.Value] = {
    "start": date(1111, 11, 11),
    "end": date(1112, 12, 12),
    "now": datetime(1113, 3, 13, 13, 13, 13),
    "pipeline_id": 770_004_401,
    "owners": frozenset({770_004_402}),
    "quick_seconds": 770_004_403,
    "rot_days": 770_004_404,
    "unpaid_days": 770_004_405,
    "listed": 770_004_406,
}


def signals(
    t: dict[str, Expr],
    period: Period,
    *,
    now: datetime,
    pipeline_id: int | None = None,
    owners: frozenset[int] | None = None,
    limits: Thresholds = Thresholds(),
    memo: Memo | None = None,
) -> dict[str, Any]:
    """Per signal: the deals behind it (deal, owner, when, amount) and the count per owner; the losses' "other"
    shares per owner."""
    values: dict[str, prepared.Value] = {
        "start": period.start,
        "end": period.end,
        "now": _naive(now),
        "pipeline_id": pipeline_id,
        "owners": owners,
        "quick_seconds": limits.quick_minutes * 60,
        "rot_days": limits.rot_days,
        "unpaid_days": limits.unpaid_days,
        "listed": limits.listed,
    }
    stand_ins = {k: (v if values[k] is not None else None) for k, v in _STAND_INS.items()}

    def build(v: Any) -> dict[str, Expr]:
        return _expressions(t, v)

    key = ("signals", pipeline_id is None, owners is None, tuple(sorted(t)))
    got = prepared.run(ibis.get_backend(t["stages"]), memo, key, build, values, stand_ins)
    out: dict[str, Any] = {}
    for kind in KINDS:
        counts = {r["owner_id"]: r["n"] for r in got["counts"] if r["kind"] == kind}
        deals = [{k: v for k, v in r.items() if k != "kind"} for r in got["deals"] if r["kind"] == kind]
        deals.sort(key=lambda r: (-r["ts"].timestamp(), r["deal_id"]))
        out[kind] = {"total": sum(counts.values()), "by_owner": counts, "deals": deals}
    out["other_share"] = {r["owner_id"]: (r["other"], r["lost"]) for r in got["shares"]}
    return out


def _expressions(t: dict[str, Expr], v: Any) -> dict[str, Expr]:
    """The expressions of the signals for the values ``v`` (see ``signals``): each signal's count per owner, the deals
    listed under each, the "other" shares."""
    period = Period(v["start"], v["end"])
    pipeline_id, owners = v["pipeline_id"], v["owners"]
    moves = t["stage_moves"]
    if pipeline_id is not None:
        moves = moves.filter(_.pipeline_id == pipeline_id)
    # the windows only over the deals won in the period, not the whole history: 9.4 s -> 1.7 s on a million deals
    winners = moves.filter((_.to_kind == "won") & within(_.day, period)).select(w_deal=_.deal_id).distinct()
    theirs = moves.semi_join(winners, moves.deal_id == winners.w_deal)
    ordered = theirs.mutate(
        n=ibis.row_number().over(group_by=theirs.deal_id, order_by=[theirs.ts, theirs.id]),
        wins=(theirs.to_kind == "won")
        .ifelse(1, 0)
        .sum()
        .over(ibis.cumulative_window(group_by=theirs.deal_id, order_by=[theirs.ts, theirs.id])),
    )
    in_period = moves.filter(within(_.day, period))
    facts = t["deal_facts"].select("deal_id", "born_ts", "title")
    won = ordered.filter((_.to_kind == "won") & within(_.day, period))
    straight = won.filter(_.n <= 1)  # the creation (n 0) or the first move after it (n 1)
    again = won.filter(_.wins >= 2)
    lost = in_period.filter(_.to_kind == "lost").join(facts, "deal_id")
    quick = lost.filter((lost.ts.epoch_seconds() - lost.born_ts.epoch_seconds()) < v["quick_seconds"])
    stamp = ibis.literal(v["now"], type="timestamp")
    # still won (the closing the deal is in), long enough ago, with no completed order linked
    kept = moves.filter(_.left_ts.isnull() & (_.to_kind == "won") & within(_.day, period))
    kept = kept.filter(kept.ts < stamp - ibis.interval(days=v["unpaid_days"]))
    orders = t["sales"].select(s_oid=_.oid)
    paid = t["deal_orders"].join(orders, t["deal_orders"].order_id == orders.s_oid).select(p_deal=_.deal_id)
    unpaid = kept.anti_join(paid, kept.deal_id == paid.p_deal)
    # open now, and nothing happened to it for rot_days: no history entry, no task done on it
    spans = t["deal_spans"]
    if pipeline_id is not None:
        spans = spans.filter(_.pipeline_id == pipeline_id)
    done = t["tasks"].filter(~_.deleted & _.deal_id.notnull() & _.done_ts.notnull())
    last_task = done.group_by(t_deal=_.deal_id).aggregate(last_done=_.done_ts.max())
    open_now = t["deal_facts"].filter(_.status == "open")
    if pipeline_id is not None:
        open_now = open_now.filter(_.pipeline_id == pipeline_id)
    open_ids = open_now.select(o_deal=_.deal_id)
    spans = spans.semi_join(open_ids, spans.deal_id == open_ids.o_deal)  # the open deals' entries only
    last_entry = spans.group_by("deal_id").aggregate(last=_.ts.max())
    open_now = open_now.join(last_entry, "deal_id")
    open_now = open_now.left_join(last_task, open_now.deal_id == last_task.t_deal)
    touched = ibis.greatest(open_now["last"], open_now.last_done.fill_null(open_now["last"]))
    rotting = open_now.mutate(touched=touched).filter(_.touched < stamp - ibis.interval(days=v["rot_days"]))
    listed = ("deal_id", "owner_id", "ts", "amount_k", "title")
    lists = {
        "straight_to_won": straight.join(facts, "deal_id").select(*listed),
        "won_again": again.join(facts, "deal_id").select(*listed),
        "lost_at_once": quick.select(*listed),
        "other_reason": lost.filter(_other(lost.reason)).select(*listed),
        "rotting": rotting.select("deal_id", "owner_id", ts=_.touched, amount_k=_.amount_k, title=_.title),
        "won_not_paid": unpaid.join(facts, "deal_id").select(*listed),
    }
    counts, deals = [], []
    for kind, expr in lists.items():
        expr = expr.cast({"deal_id": "int64", "owner_id": "int64", "ts": "timestamp", "amount_k": "int64",
                          "title": "string"})  # fmt: skip
        if owners is not None:
            expr = expr.filter(_.owner_id.isin(sorted(owners)))
        counts.append(expr.group_by("owner_id").aggregate(n=_.count()).mutate(kind=ibis.literal(kind)))
        deals.append(expr.mutate(kind=ibis.literal(kind)))
    # the latest of each signal's deals: ranked, not each list ORDER BY ... LIMIT in a union (DuckDB 1.4.4's top-N
    # rewrite lost one of the lists in that union; tests/analytics/test_sales_reports.py checks every list)
    listed_ = deals[0].union(*deals[1:])
    rank = ibis.row_number().over(group_by=listed_.kind, order_by=[listed_.ts.desc(), listed_.deal_id])
    listed_ = listed_.mutate(n=rank).filter(_.n < v["listed"]).drop("n")
    shares = lost.group_by("owner_id").aggregate(lost=_.count(), other=_other(_.reason).ifelse(1, 0).sum())
    if owners is not None:
        shares = shares.filter(_.owner_id.isin(sorted(owners)))
    return {"counts": counts[0].union(*counts[1:]), "deals": listed_, "shares": shares}


def _other(reason: Expr) -> Expr:
    low = reason.fill_null("").lower()
    test = low == ""
    for word in OTHER_WORDS:
        test = test | low.startswith(word)
    return test
