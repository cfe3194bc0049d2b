"""Each manager's figures, credited to whoever owned the deal, the lead or the client **at the time** — Ibis, for every
engine.

- Won and lost: deals whose last closing (the move into won or lost they are still in) fell in the period, credited
  to the owner on that move, at the amount on that move. A deal won and reopened is not won; won again, it counts
  once, when it was won for good.
- Paid revenue: completed orders of the period (net of their returns) linked to deals that are won, credited to the
  owner who won the deal. Contribution: that revenue's share of the manager's team's.
- Leads taken: new requests of the period (not joined to an open one or attached to a deal), credited to who owned
  them when they came, or, if nobody did, to whom they were first given (the audited owner changes say who that
  was); first response: from the request to the first answer in its conversation.
- Deals in work: open deals at the period's end, credited to who owned them then.
- Overdue tasks: the manager's tasks due in the period done late or not at all by ``now``.
- АКБ (active client base): distinct clients with a completed order in the ``akb_days`` up to the period's end, owned
  by the manager at the time of the order — a company for orders of its deals, else the person's card.
- Cycle: median days from a deal's birth to its winning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import ibis
from ibis import _

from klientura.analytics.kpis import Period, rows_of, within

Expr = Any


@dataclass(frozen=True)
class Scope:
    pipeline_id: int | None = None
    owners: frozenset[int] | None = None  # the managers a head of sales may see; None: everyone


def _closings(t: dict[str, Expr], scope: Scope) -> Expr:
    """The closing each closed deal is still in: its last move, into won or lost."""
    m = t["stage_moves"].filter(_.left_ts.isnull() & _.to_kind.isin(["won", "lost"]))
    if scope.pipeline_id is not None:
        m = m.filter(_.pipeline_id == scope.pipeline_id)
    return m


def _owned_at(rows: Expr, t: dict[str, Expr], entity: str, key: str, ts: str) -> Expr:
    """``rows`` with ``owner_at``: who owned ``entity`` ``rows[key]`` at ``rows[ts]`` (the ownership spans)."""
    spans = (
        t["ownership"]
        .filter(_.entity == entity)
        .select(o_id=_.entity_id, o_from=_.from_ts, o_to=_.to_ts, owner_at=_.owner_id)
    )
    joined = rows.left_join(spans, [rows[key] == spans.o_id, rows[ts] >= spans.o_from, rows[ts] < spans.o_to])
    return joined.drop("o_id", "o_from", "o_to")


def _taker(leads: Expr, t: dict[str, Expr]) -> Expr:
    """``leads`` with ``owner_at``: the first owner each request had — when it came, or, unowned then, whoever it was
    first given to."""
    spans = t["ownership"].filter((_.entity == "lead") & _.owner_id.notnull())
    spans = spans.select(o_id=_.entity_id, o_from=_.from_ts, o_to=_.to_ts, o_owner=_.owner_id)
    held = leads.join(spans, [leads.id == spans.o_id, spans.o_to > leads.ts])
    first = held.mutate(n=ibis.row_number().over(group_by=held.id, order_by=held.o_from)).filter(_.n == 0)
    first = first.select(f_id=_.id, owner_at=_.o_owner)
    return leads.left_join(first, leads.id == first.f_id).drop("f_id")


def _per_owner(
    t: dict[str, Expr], scope: Scope, period: Period, now: datetime, akb_days: int
) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}

    def put(expr: Expr) -> None:
        for row in rows_of(expr):
            if row["owner_id"] is not None:
                out.setdefault(row["owner_id"], {}).update({k: v for k, v in row.items() if k != "owner_id"})

    closings = _closings(t, scope)
    closed = closings.filter(within(_.day, period))
    put(
        closed.group_by("owner_id").aggregate(
            won=(_.to_kind == "won").ifelse(1, 0).sum(),
            lost=(_.to_kind == "lost").ifelse(1, 0).sum(),
            won_amount_k=(_.to_kind == "won").ifelse(_.amount_k, 0).sum(),
        )
    )
    facts = t["deal_facts"].select("deal_id", "born_ts")
    won_now = closed.filter(_.to_kind == "won").join(facts, "deal_id")
    cycle = (won_now.ts.epoch_seconds() - won_now.born_ts.epoch_seconds()).cast("float64") / 86400.0
    put(won_now.mutate(days=cycle).group_by("owner_id").aggregate(cycle_days=_.days.quantile(0.5)))
    # paid revenue of the period from orders of deals won (whenever), credited to who won them
    winners = closings.filter(_.to_kind == "won").select("deal_id", "owner_id")
    paid = t["sales"].filter(within(_.day, period)).select("oid", "net_k")
    linked = t["deal_orders"].join(paid, t["deal_orders"].order_id == paid.oid).join(winners, "deal_id")
    put(linked.group_by("owner_id").aggregate(paid_k=_.net_k.sum(), paid_orders=_.count()))
    # open deals at the period's end, owned by whom then
    spans = t["deal_spans"]
    if scope.pipeline_id is not None:
        spans = spans.filter(_.pipeline_id == scope.pipeline_id)
    end = ibis.date(period.end)
    at_end = spans.filter((_.day <= end) & (_.next_day.isnull() | (_.next_day > end)) & (_.stage_kind == "open"))
    put(at_end.group_by("owner_id").aggregate(in_work=_.count(), in_work_k=_.amount_k.sum()))
    # new requests, owned by whom when they came, and the first answer to each
    leads = t["leads"].filter(~_.deleted & (_.outcome == "lead") & within(_.day, period))
    leads = _taker(leads.select("id", "ts"), t)
    replies = (
        t["conversations"]
        .filter(_.lead_id.notnull() & _.first_reply_ts.notnull())
        .group_by("lead_id")
        .aggregate(first_reply=_.first_reply_ts.min())
    )
    leads = leads.left_join(replies, leads.id == replies.lead_id)
    waited = (leads.first_reply.epoch_seconds() - leads.ts.epoch_seconds()).cast("float64") / 60.0
    put(
        leads.mutate(owner_id=_.owner_at, waited=waited)
        .group_by("owner_id")
        .aggregate(
            leads=_.count(),
            answered=_.first_reply.notnull().ifelse(1, 0).sum(),
            first_response_minutes=_.waited.quantile(0.5),
        )
    )
    # tasks due in the period, done late or not yet done
    stamp = ibis.timestamp(now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now)
    tasks = t["tasks"].filter(~_.deleted & within(_.due_day, period))
    late = (_.done_ts.isnull() & (_.due_ts < stamp)) | (_.done_ts > _.due_ts)
    put(tasks.group_by(_.assignee_id.name("owner_id")).aggregate(tasks=_.count(), overdue=late.ifelse(1, 0).sum()))
    put(_akb(t, period.end, akb_days))
    return out


def _akb(t: dict[str, Expr], end: date, days: int) -> Expr:
    """Distinct clients with a completed order in the ``days`` up to ``end``, per owner at the time of the order."""
    start = end - timedelta(days=days - 1)
    orders = t["sales"].filter((_.day >= ibis.date(start)) & (_.day <= ibis.date(end)) & _.cid.notnull())
    orders = orders.select("oid", "cid", "ts")
    firms_deals = t["deals"].filter(_.company_id.notnull()).select(deal=_.id, company_id=_.company_id)
    links = t["deal_orders"]
    deal_company = links.join(firms_deals, links.deal_id == firms_deals.deal).select("order_id", "company_id")
    orders = orders.left_join(deal_company, orders.oid == deal_company.order_id).drop("order_id")
    firms = _owned_at(orders.filter(_.company_id.notnull()), t, "company", "company_id", "ts")
    people = _owned_at(orders.filter(_.company_id.isnull()), t, "customer", "cid", "ts")
    clients = firms.select(owner_id=_.owner_at, kind=ibis.literal("company"), client=_.company_id).union(
        people.select(owner_id=_.owner_at, kind=ibis.literal("customer"), client=_.cid)
    )
    return clients.distinct().group_by("owner_id").aggregate(akb=_.count())


def temperature(t: dict[str, Expr], owners: list[int]) -> dict[int, dict[str, int]]:
    """Cold / warm / hot cards of each manager's base today (the last recompute's temperature)."""
    if "scores" not in t or not owners:
        return {}
    cards = t["customers"].filter((_.id == _.root_id) & _.owner_id.isin(owners)).select(cid=_.id, owner_id=_.owner_id)
    joined = cards.join(t["scores"].select(cid=_.customer_id, temperature=_.temperature), "cid")
    rows = rows_of(joined.group_by(["owner_id", "temperature"]).aggregate(n=_.count()))
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["owner_id"], {})[r["temperature"] or "none"] = r["n"]
    return out


def managers(t: dict[str, Expr], scope: Scope, period: Period, *, now: datetime, akb_days: int = 90) -> dict[str, Any]:
    """Per manager (everyone who owned something in the period, and every active seller), this period and the one
    before, with their team's totals."""
    users = {u["id"]: u for u in rows_of(t["users"])}
    teams = {r["id"]: r["name"] for r in rows_of(t["teams"])}
    now_rows = _per_owner(t, scope, period, now, akb_days)
    before = _per_owner(t, scope, period.previous(), now, akb_days)
    ids = {i for i in (*now_rows, *before) if i in users}
    ids |= {i for i, u in users.items() if u["is_active"] and u["role"] == "manager"}  # a seller with nothing yet
    if scope.owners is not None:
        ids &= scope.owners
    heat = temperature(t, sorted(ids))
    rows = [_figures(users[i], teams, now_rows.get(i, {}), before.get(i, {}), heat.get(i, {})) for i in ids]
    team_paid: dict[Any, float] = {}
    for r in rows:
        team_paid[r["team_id"]] = team_paid.get(r["team_id"], 0.0) + r["paid"]
    for r in rows:
        total = team_paid[r["team_id"]]
        r["contribution"] = r["paid"] / total if total else None
    rows.sort(key=lambda r: (r["team_name"] or "\uffff", -r["paid"], -r["won_amount"], r["name"]))
    return {"period": period, "previous": period.previous(), "akb_days": akb_days, "managers": rows}


def _figures(
    user: dict[str, Any], teams: dict[int, str], now: dict[str, Any], before: dict[str, Any], heat: dict[str, int]
) -> dict[str, Any]:
    def of(got: dict[str, Any]) -> dict[str, Any]:
        won, lost = int(got.get("won") or 0), int(got.get("lost") or 0)
        won_amount = int(got.get("won_amount_k") or 0) / 100
        leads = int(got.get("leads") or 0)
        return {
            "won": won,
            "lost": lost,
            "won_amount": won_amount,
            "paid": int(got.get("paid_k") or 0) / 100,
            "paid_orders": int(got.get("paid_orders") or 0),
            "conversion": won / (won + lost) if won + lost else None,
            "average_deal": won_amount / won if won else None,
            "cycle_days": got.get("cycle_days"),
            "in_work": int(got.get("in_work") or 0),
            "in_work_amount": int(got.get("in_work_k") or 0) / 100,
            "leads": leads,
            "answered": int(got.get("answered") or 0),
            "first_response_minutes": got.get("first_response_minutes"),
            "tasks": int(got.get("tasks") or 0),
            "overdue": int(got.get("overdue") or 0),
            "akb": int(got.get("akb") or 0),
        }

    base = sum(heat.values())
    return {
        "user_id": user["id"],
        "name": user["name"],
        "team_id": user["team_id"],
        "team_name": teams.get(user["team_id"]) if user["team_id"] is not None else None,
        **of(now),
        "before": of(before),
        "temperature": {k: v / base for k, v in sorted(heat.items())} if base else {},
        "base": base,
    }
