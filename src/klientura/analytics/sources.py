"""Where the money comes from: spend, requests, deals, won deals and paid revenue per advertising source and campaign,
and what each rouble returned — Ibis, for every engine.

- A request (lead) and a deal carry their own source: the UTM source and campaign they came with, else the source
  they were recorded with; a deal without either takes its person's touch, as an order does.
- A person's touches are their requests and their deals' sources. An order (and a deal without a source of its own)
  goes to the first or the last touch of its person in the ``window_days`` before it (``model``); an order of a deal
  goes where its deal went. Nothing within the window: "(none)".
- Revenue is what completed orders of the period paid, net of returns; margin takes off the goods' cost (an order with
  goods of no known cost, or with no lines, counts at its whole revenue: ``uncosted_orders`` says how many). ROMI is
  (margin − spend) / spend; ДРР is spend / revenue. A source is called unprofitable only when the 95 % interval of
  its ROMI lies below zero, profitable only when it lies above. The margin's spread is read from its orders (a
  compound-Poisson sum: the variance of the total is the sum of the squared margins); and since a handful of orders
  says little of what the source brings, the interval also spans what the Poisson bounds of its number of orders
  would earn at the shop's average margin per order — no orders yet after a week's spend is "not clear yet", not
  "loses".
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import ibis
from ibis import _
from scipy.special import gammaincinv

from klientura.analytics import prepared
from klientura.analytics.kpis import Period, within
from klientura.kit.memo import Memo

Expr = Any
NONE = "(none)"
MODELS = ("first", "last")
Z = 1.959963984540054


def _key(utm_source: Expr, source: Expr, utm_campaign: Expr) -> dict[str, Expr]:
    src = utm_source.strip().nullif("").lower().coalesce(source.strip().nullif("").lower())
    return {"src": src, "camp": utm_campaign.strip().lower().coalesce("")}


def _plain(table: Expr) -> Expr:
    """Every column nullable, as a union asks both sides to be."""
    return table.select(**{name: table[name].cast(str(kind).lstrip("!")) for name, kind in table.schema().items()})


def _touch_of(rows: Expr, key: str, touches: Expr, model: str, window_days: int) -> Expr:
    """For each of ``rows`` (``key``, ``cid``, ``ts``) whose person had a touch in the window before it: ``key`` as
    ``a_key`` and the chosen touch's source and campaign (``a_src``, ``a_camp``)."""
    tt = touches.select(t_cid=_.cid, t_ts=_.ts, t_src=_.src, t_camp=_.camp)
    since = rows.ts - ibis.interval(days=window_days)
    near = rows.join(tt, [rows.cid == tt.t_cid, tt.t_ts <= rows.ts, tt.t_ts >= since])
    order = [near.t_ts, near.t_src, near.t_camp] if model == "first" else [near.t_ts.desc(), near.t_src, near.t_camp]
    chosen = near.mutate(n=ibis.row_number().over(group_by=near[key], order_by=order)).filter(_.n == 0)
    return chosen.select(a_key=chosen[key], a_src=chosen.t_src, a_camp=chosen.t_camp)


_STAND_INS: dict[str, prepared.Value] = {"start": date(1111, 11, 11), "end": date(1112, 12, 12), "window": 770_001_401}


def sources(
    t: dict[str, Expr], period: Period, *, model: str = "last", window_days: int = 30, memo: Memo | None = None
) -> list[dict[str, Any]]:
    """Per source and campaign (and per source as a whole, campaign None), the period's figures."""
    values: dict[str, prepared.Value] = {"start": period.start, "end": period.end, "window": window_days}

    def build(v: Any) -> dict[str, Expr]:
        return _expressions(t, Period(v["start"], v["end"]), model, v["window"])

    key = ("sources", model, tuple(sorted(t)))
    got = prepared.run(ibis.get_backend(t["stages"]), memo, key, build, values, _STAND_INS)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for part in got.values():
        for r in part:
            rows.setdefault((r["src"], r["camp"]), {}).update({k: v for k, v in r.items() if k not in ("src", "camp")})
    return _assemble(rows)


def _expressions(t: dict[str, Expr], period: Period, model: str, window_days: int) -> dict[str, Expr]:
    touches = t["touches"]
    roots = t["customers"].select(c_id=_.id, root=_.root_id)
    # deals: their own source, else their person's touch before they were born — only the deals the period needs:
    # born in it, won in it, or paid by its orders
    won_now = t["stage_moves"].filter(_.left_ts.isnull() & (_.to_kind == "won") & within(_.day, period))
    in_period = t["sales"].filter(within(_.day, period)).select(p_oid=_.oid)
    paid_ids = t["deal_orders"].semi_join(in_period, t["deal_orders"].order_id == in_period.p_oid)
    deals = t["deal_facts"].select("deal_id", "born_day", "born_ts", "customer_id", "src", "camp")
    deals = deals.filter(
        within(deals.born_day, period) | deals.deal_id.isin(won_now.deal_id) | deals.deal_id.isin(paid_ids.deal_id)
    )
    deals = deals.left_join(roots, deals.customer_id == roots.c_id)
    deals = deals.select("deal_id", "src", "camp", cid=_.root, ts=_.born_ts)
    guessed = _touch_of(deals.filter(_.src.isnull()), "deal_id", touches, model, window_days)
    deal_keys = deals.left_join(guessed, deals.deal_id == guessed.a_key).select(
        k_deal=_.deal_id,
        k_src=_.src.coalesce(_.a_src).coalesce(NONE),
        k_camp=_.src.notnull().ifelse(_.camp.coalesce(""), _.a_camp.coalesce("")),
    )
    # the period's events — deals born, deals won, orders paid — with the deal each belongs to (an order: its live
    # deal, if it has one; those are all among the deals above) and the source of that deal; an order of no deal goes
    # to its person's touch before it
    int_ = ibis.null().cast("int64")
    born = t["deal_facts"].filter(within(_.born_day, period))
    born = born.select(kind=ibis.literal("born"), e_id=_.deal_id, e_deal=_.deal_id, amount_k=int_, net_k=int_,
                       cost_k=int_, bare=int_)  # fmt: skip
    won = won_now.select(kind=ibis.literal("won"), e_id=_.deal_id, e_deal=_.deal_id, amount_k=_.amount_k,
                         net_k=int_, cost_k=int_, bare=int_)  # fmt: skip
    orders = t["sales"].filter(within(_.day, period))
    # an order whose goods have no cost price (or that has no lines): its margin is its whole revenue
    orders = orders.select(
        "oid", "cid", "ts", "net_k", "cost_k", bare=((_.items == 0) | (_.uncosted > 0)).ifelse(1, 0).cast("int64")
    )
    live = deals.select(l_deal=_.deal_id)
    links = (
        t["deal_orders"].join(live, t["deal_orders"].deal_id == live.l_deal).select(l_oid=_.order_id, l_deal=_.l_deal)
    )
    orders = orders.left_join(links, orders.oid == links.l_oid)
    loose = orders.filter(_.l_deal.isnull() & _.cid.notnull()).select("oid", "cid", "ts")
    guessed = _touch_of(loose, "oid", touches, model, window_days)
    orders = orders.left_join(guessed, orders.oid == guessed.a_key)
    orders = orders.select(kind=ibis.literal("order"), e_id=_.oid, e_deal=_.l_deal, amount_k=int_, net_k=_.net_k,
                           cost_k=_.cost_k, bare=_.bare, a_src=_.a_src, a_camp=_.a_camp)  # fmt: skip
    none = ibis.null().cast("string")
    events = _plain(born.mutate(a_src=none, a_camp=none)).union(
        _plain(won.mutate(a_src=none, a_camp=none)), _plain(orders)
    )
    events = events.left_join(deal_keys, events.e_deal == deal_keys.k_deal)
    events = events.mutate(
        src=_.k_src.coalesce(_.a_src).coalesce(NONE),
        camp=_.k_src.notnull().ifelse(_.k_camp, _.a_camp.coalesce("")),
        margin_k=_.net_k - _.cost_k,
    )
    is_born, is_won, is_order = events.kind == "born", events.kind == "won", events.kind == "order"
    counted = events.group_by(["src", "camp"]).aggregate(
        deals=is_born.ifelse(1, 0).sum(),
        won=is_won.ifelse(1, 0).sum(),
        won_k=is_won.ifelse(events.amount_k, 0).sum(),
        orders=is_order.ifelse(1, 0).sum(),
        revenue_k=events.net_k.sum(),
        uncosted=events.bare.sum(),
        uncosted_k=(events.bare == 1).ifelse(events.net_k, 0).sum(),
        margin_k=events.margin_k.sum(),
        margin_sq=(events.margin_k.cast("float64") * events.margin_k.cast("float64")).sum(),
    )
    leads = t["leads"].filter(~_.deleted & (_.outcome == "lead") & within(_.day, period))
    leads = leads.mutate(**_key(leads.utm_source, leads.source, leads.utm_campaign))
    leads = leads.mutate(src=_.src.coalesce(NONE)).group_by(["src", "camp"]).aggregate(leads=_.count())
    spend = t["ad_costs"].filter(within(_.day, period))
    spend = spend.group_by([_.source.name("src"), _.campaign.name("camp")]).aggregate(
        spend_k=_.cost_k.sum(), clicks=_.clicks.sum(), impressions=_.impressions.sum()
    )
    # one query, the parts side by side (the deals' attribution is shared, not worked out once per part)
    measures = {"spend_k": "int64", "clicks": "int64", "impressions": "int64", "leads": "int64", "deals": "int64",
                "won": "int64", "won_k": "int64", "orders": "int64", "revenue_k": "int64", "margin_k": "int64",
                "margin_sq": "float64", "uncosted": "int64", "uncosted_k": "int64"}  # fmt: skip
    parts = []
    for part in (spend, leads, counted):
        have = set(part.columns)
        parts.append(part.select(
            src=part.src.cast("string"), camp=part.camp.cast("string"),
            **{m: (part[m] if m in have else ibis.null()).cast(kind) for m, kind in measures.items()},
        ))  # fmt: skip
    together = parts[0].union(*parts[1:])
    return {"all": together.group_by(["src", "camp"]).aggregate(**{m: together[m].sum() for m in measures})}


def _assemble(rows: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    orders = sum(int(r.get("orders") or 0) for r in rows.values())
    mean = sum(int(r.get("margin_k") or 0) for r in rows.values()) / orders / 100 if orders else 0.0
    per_source: dict[str, dict[str, Any]] = {}
    for (src, _camp), got in rows.items():
        total = per_source.setdefault(src, {})
        for k, v in got.items():
            total[k] = (total.get(k) or 0) + (v or 0)
    totals = [_figures(src, None, got, mean) for src, got in per_source.items()]
    totals.sort(key=lambda r: (r["source"] == NONE, -r["revenue"], -r["spend"], r["source"]))
    out = []
    for total in totals:  # each source, then its campaigns (when it has any named)
        out.append(total)
        src = total["source"]
        camps = [_figures(src, camp, got, mean) for (s, camp), got in rows.items() if s == src]
        if any(c["campaign"] for c in camps):
            out += sorted(camps, key=lambda r: (-r["revenue"], -r["spend"], r["campaign"] or ""))
    return out


def _poisson_bounds(n: int) -> tuple[float, float]:
    """The exact 95 % interval of a Poisson mean from ``n`` events (Garwood): half the chi-square quantiles with 2n and
    2n + 2 degrees of freedom, which are the regularised lower incomplete gamma's inverses at n and n + 1 (scipy.special
    rather than scipy.stats, whose import costs ~100 MB)."""
    low = float(gammaincinv(n, 0.025)) if n else 0.0
    return low, float(gammaincinv(n + 1, 0.975))


def _figures(src: str, camp: str | None, got: dict[str, Any], mean_margin: float) -> dict[str, Any]:
    spend = int(got.get("spend_k") or 0) / 100
    revenue = int(got.get("revenue_k") or 0) / 100
    margin = int(got.get("margin_k") or 0) / 100
    leads, orders = int(got.get("leads") or 0), int(got.get("orders") or 0)
    spread = math.sqrt(float(got.get("margin_sq") or 0)) / 100  # the margin total's standard error
    few, many = _poisson_bounds(orders)
    least = min(margin - Z * spread, few * mean_margin)
    most = max(margin + Z * spread, many * mean_margin)
    romi = (margin - spend) / spend if spend else None
    low = (least - spend) / spend if spend else None
    high = (most - spend) / spend if spend else None
    verdict = None
    if spend:
        verdict = "loses" if high is not None and high < 0 else "pays" if low is not None and low > 0 else "unclear"
    return {
        "source": src,
        "campaign": camp,
        "spend": spend,
        "clicks": int(got.get("clicks") or 0),
        "impressions": int(got.get("impressions") or 0),
        "leads": leads,
        "deals": int(got.get("deals") or 0),
        "won": int(got.get("won") or 0),
        "won_amount": int(got.get("won_k") or 0) / 100,
        "orders": orders,
        "revenue": revenue,
        "margin": margin,
        "uncosted_orders": int(got.get("uncosted") or 0),
        "uncosted_revenue": int(got.get("uncosted_k") or 0) / 100,
        "cpl": spend / leads if spend and leads else None,
        "cost_per_order": spend / orders if spend and orders else None,
        "romi": romi,
        "romi_low": low,
        "romi_high": high,
        "drr": spend / revenue if spend and revenue else None,
        "verdict": verdict,
    }
