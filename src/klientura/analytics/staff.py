"""The shop floor's figures per outlet or per staff member (the seller or cashier the till names) — Ibis, for every
engine:

- **receipts** and the share **identified** (a card or a phone named at the till),
- **with points**: the share paid partly with loyalty points,
- **cards issued**: loyalty members who joined in the period, credited to the outlet and staff member of the
  purchase that made them members (their first purchase from a day before joining to a day after),
- **came back**: of those, the share who bought again with the card within 30 days of that purchase.

NPS by outlet and staff member comes from the surveys (the conversations domain) and is set beside these by the pages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
from ibis import _

from klientura.analytics import prepared
from klientura.analytics.kpis import Period, within
from klientura.kit.memo import Memo

Expr = Any
BY = ("outlet", "staff")
RETURN_DAYS = 30


_STAND_INS: dict[str, prepared.Value] = {"start": date(1111, 11, 11), "end": date(1112, 12, 12)}


def staff_report(t: dict[str, Expr], period: Period, by: str, *, memo: Memo | None = None) -> list[dict[str, Any]]:
    """One row per outlet (``outlet_id``) or staff member (``staff``): receipts, identified, with points, cards issued,
    came back; most receipts first."""
    key = "outlet_id" if by == "outlet" else "staff"

    def build(v: Any) -> dict[str, Expr]:
        return _expressions(t, Period(v["start"], v["end"]), key)

    values: dict[str, prepared.Value] = {"start": period.start, "end": period.end}
    got = prepared.run(ibis.get_backend(t["receipts"]), memo, ("staff", key, tuple(sorted(t))), build, values,
                       _STAND_INS)  # fmt: skip
    rows: dict[Any, dict[str, Any]] = {}
    for part in got.values():
        for r in part:
            rows.setdefault(r[key], {}).update({k: v for k, v in r.items() if k != key})
    return _assemble(rows)


def _expressions(t: dict[str, Expr], period: Period, key: str) -> dict[str, Expr]:
    receipts = t["receipts"].filter(_.completed)
    roots = t["customers"].select(c_id=_.id, cid=_.root_id)
    inside = receipts.filter(within(_.day, period))
    counts = inside.group_by(key).aggregate(
        receipts=_.count(),
        identified=_.customer_id.notnull().ifelse(1, 0).sum(),
        with_points=(_.points_redeemed > 0).ifelse(1, 0).sum(),
    )
    # members who joined in the period, and the purchases of each from a day before joining on
    members = t["loyalty_accounts"].filter(within(_.created_day, period))
    members = members.join(roots, members.customer_id == roots.c_id).select(m_cid=_.cid, joined=_.created_ts)
    bought = receipts.filter(_.customer_id.notnull()).join(roots, receipts.customer_id == roots.c_id)
    bought = bought.select("id", "ts", key, b_cid=_.cid)
    theirs = members.join(bought, [members.m_cid == bought.b_cid, bought.ts >= members.joined - ibis.interval(days=1)])
    theirs = theirs.mutate(n=ibis.row_number().over(group_by=theirs.m_cid, order_by=[theirs.ts, theirs.id]))
    first = theirs.filter((_.n == 0) & (_.ts <= _.joined + ibis.interval(days=1)))
    first = first.select(f_cid=_.m_cid, f_ts=_.ts, f_key=first[key])
    second = theirs.filter(_.n == 1).select(s_cid=_.m_cid, s_ts=_.ts)
    issued = first.left_join(second, first.f_cid == second.s_cid)
    back = issued.s_ts.notnull() & (issued.s_ts <= issued.f_ts + ibis.interval(days=RETURN_DAYS))
    cards = issued.group_by(issued.f_key.name(key)).aggregate(cards=_.count(), came_back=back.ifelse(1, 0).sum())
    return {"counts": counts, "cards": cards}


def _assemble(rows: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for k, got in rows.items():
        n, cards_n = int(got.get("receipts") or 0), int(got.get("cards") or 0)
        out.append(
            {
                "key": k,
                "receipts": n,
                "identified_share": int(got.get("identified") or 0) / n if n else None,
                "points_share": int(got.get("with_points") or 0) / n if n else None,
                "cards_issued": cards_n,
                "came_back_share": int(got.get("came_back") or 0) / cards_n if cards_n else None,
            }
        )
    out.sort(key=lambda r: (r["key"] is None, -r["receipts"], str(r["key"])))
    return out
