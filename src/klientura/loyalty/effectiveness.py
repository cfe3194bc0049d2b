"""Is the programme worth it? Points earned, redeemed and expired by month; the liability outstanding and the
breakage; members against non-members; the incremental revenue of members against a matched comparison group,
with a confidence interval; the programme's ROI.

The naive comparison flatters every programme: the best customers join first. The matched comparison takes each
month's joiners who had bought before (a pre-period of ``window`` days) and compares their spend over the next
``window`` days with customers who had not joined by the end of it, inside strata of the same pre-period
behaviour (number of purchases; spend tercile) — coarsened exact matching. The effect is the member-weighted
mean of the stratum differences (the effect on the treated), its variance the weighted sum of the stratum
variances (Welch), the interval normal at 95%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select

from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session, memos_of
from klientura.kit.errors import Notice, notice
from klientura.loyalty.errors import ROI_EXPLAINED, TOO_FEW_JOINERS
from klientura.loyalty.holdings import LOT_KINDS
from klientura.loyalty.models import Allocation, LedgerEntry, LoyaltyAccount
from klientura.orders import last_purchase_at, payments_since

if TYPE_CHECKING:
    from klientura.analytics import Warehouse

DAY = 86400.0


def month_of(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


@dataclass
class Flow:
    month: str
    earned: int = 0
    bonuses: int = 0  # welcome, birthday, referral, manual credits
    redeemed: int = 0  # spent, net of spends given back
    expired: int = 0
    taken_back: int = 0  # earns reversed by refunds, manual debits


def flows(session: Session, since: datetime) -> list[Flow]:
    """Points by month: earned on purchases, bonuses, redeemed (net of spends given back by refunds), expired,
    taken back (earns reversed, manual debits)."""
    e = LedgerEntry
    m = month_of(session, e.at)
    positive, plain = e.points > 0, e.reason.is_(None)
    rows = session.execute(
        select(m, e.kind, positive, plain, func.sum(e.points)).where(e.at >= since).group_by(m, e.kind, positive, plain)
    ).all()
    out: dict[str, Flow] = {}
    for month, kind, up, is_plain, points in rows:
        f, n = out.setdefault(month, Flow(month)), int(points)
        if kind == "earn":
            if is_plain:
                f.earned += n
            else:
                f.bonuses += n
        elif kind == "adjust":
            if up:
                f.bonuses += n
            else:
                f.taken_back -= n
        elif kind == "spend" or (kind == "reverse" and up):
            f.redeemed -= n
        elif kind == "expire":
            f.expired -= n
        else:  # an earn reversed
            f.taken_back -= n
    return [out[k] for k in sorted(out)]


@dataclass
class Liability:
    usable: int  # points customers can spend now
    pending: int  # earned, inside the return window
    debt: int  # owed by customers whose earns were reversed after spending
    breakage: float | None  # expired / (expired + redeemed) of lots whose life is over
    expected_cost: float  # (usable + pending) × (1 − breakage), in roubles (a point is a rouble)


def liability(session: Session, at: datetime) -> Liability:
    e = LedgerEntry
    taken = select(Allocation.lot_id, func.sum(Allocation.points).label("n")).group_by(Allocation.lot_id).subquery()
    left = e.points - func.coalesce(taken.c.n, 0)
    live = (e.expires_at.is_(None)) | (e.expires_at > at)
    base = (
        select(func.coalesce(func.sum(left), 0))
        .outerjoin(taken, taken.c.lot_id == e.id)
        .where(e.kind.in_(LOT_KINDS), e.points > 0, live)
    )
    usable = int(session.scalar(base.where((e.available_at.is_(None)) | (e.available_at <= at))) or 0)
    pending = int(session.scalar(base.where(e.available_at > at)) or 0)
    total = int(session.scalar(select(func.coalesce(func.sum(e.points), 0))) or 0)
    debt = max(0, usable + pending - total)
    # lots past their expiry: how their points ended (taken by spends, or expired)
    ended = select(e.id).where(e.kind.in_(LOT_KINDS), e.points > 0, e.expires_at <= at)
    by_kind = dict(
        session.execute(
            select(LedgerEntry.kind, func.sum(Allocation.points))
            .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
            .where(Allocation.lot_id.in_(ended))
            .group_by(LedgerEntry.kind)
        ).all()
    )
    expired, spent = int(by_kind.get("expire") or 0), int(by_kind.get("spend") or 0)
    breakage = expired / (expired + spent) if expired + spent else None
    return Liability(usable, pending, debt, breakage, (usable + pending) * (1 - (breakage or 0.0)))


@dataclass
class GroupStats:
    customers: int
    orders: int
    revenue: float
    frequency: float  # orders a customer in the last year
    average_check: float
    repeat_rate: float  # share with two or more orders in the last year
    churn: float | None  # of last year's buyers before that, share who did not buy in the last year


@dataclass
class Matched:
    members: int  # joiners matched
    controls: int
    strata: int
    effect: float  # extra spend a member over the window (roubles)
    ci_low: float
    ci_high: float
    p_value: float
    incremental_revenue: float  # effect × members
    naive_effect: float  # the unmatched difference, for contrast
    window_days: int
    by_cohort: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Effectiveness:
    as_of: datetime
    flows: list[Flow]
    liability: Liability
    members: GroupStats
    non_members: GroupStats
    matched: Matched | None
    programme_cost: float  # points redeemed over the last year (roubles)
    roi: float | None  # (incremental margin − cost) / cost
    margin_rate: float
    notes: list[Notice] = field(default_factory=list)  # kit.errors.notice


def _orders(session: Session, since: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = payments_since(session, since)
    cust = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    t = np.fromiter((r[1].timestamp() / DAY for r in rows), dtype=np.float64, count=len(rows))
    paid = np.fromiter((float(r[2]) for r in rows), dtype=np.float64, count=len(rows))
    return cust, t, paid


def _orders_from_warehouse(wh: Warehouse, since: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The same arrays from the warehouse's ``sales`` (surviving cards, revenue net of returns, by day — noon
    stands for the time): one columnar scan instead of a row per order through the store. None when it is empty."""
    import duckdb  # the warehouse's engine, loaded with the warehouse (see klientura.analytics)

    try:
        got = wh.con.execute(
            "SELECT cid, CAST(epoch(CAST(day AS TIMESTAMP)) AS DOUBLE) / 86400 + 0.5 AS t, net_k / 100.0 AS paid "
            "FROM sales WHERE cid IS NOT NULL AND day >= ?",
            [since.date()],
        ).fetchnumpy()
    except duckdb.Error:  # not built yet
        return None
    return (
        np.asarray(got["cid"], dtype=np.int64),
        np.asarray(got["t"], dtype=np.float64),
        np.asarray(got["paid"], dtype=np.float64),
    )


def _group(cust: np.ndarray, t: np.ndarray, paid: np.ndarray, mask_cust: np.ndarray, now: float) -> GroupStats:
    year = (t > now - 365) & (t <= now)
    prior = (t > now - 730) & (t <= now - 365)
    sel = year & mask_cust[cust]
    orders = np.bincount(cust[sel], minlength=len(mask_cust))
    buyers = orders > 0
    n = int(buyers.sum())
    revenue = float(paid[sel].sum())
    before = np.zeros(len(mask_cust), dtype=bool)
    before[cust[prior & mask_cust[cust]]] = True
    churn = float((before & ~buyers).sum() / before.sum()) if before.sum() else None
    total_orders = int(orders.sum())
    return GroupStats(
        customers=n,
        orders=total_orders,
        revenue=round(revenue, 2),
        frequency=total_orders / n if n else 0.0,
        average_check=revenue / total_orders if total_orders else 0.0,
        repeat_rate=float((orders >= 2).sum() / n) if n else 0.0,
        churn=churn,
    )


def _strata(pre_n: np.ndarray, pre_s: np.ndarray, older_n: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Coarsened covariates: purchases in the pre-period (exact to 12, then doubling bins), its spend (quintile of
    the joiners'), purchases in the year before it (0, 1-2, 3-5, 6-11, 12+)."""
    n_bin = np.where(pre_n <= 12, pre_n, 12 + np.floor(np.log2(np.maximum(pre_n, 1) / 12)).astype(np.int64))
    older = np.searchsorted(np.array([1, 3, 6, 12]), older_n, side="right")
    spend = np.searchsorted(cuts, pre_s, side="right")
    return np.asarray((n_bin * 10 + spend) * 10 + older, dtype=np.int64)


def _stratum_differences(
    stratum: np.ndarray,
    member: np.ndarray,
    control: np.ndarray,
    post: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per stratum with a member and two controls: the difference of mean post-period spend, the members, the
    Welch variance of the difference, the controls — by sums and sums of squares per stratum, all at once."""
    keep = member | control
    codes, inverse = np.unique(stratum[keep], return_inverse=True)
    y, is_m = post[keep], member[keep]
    k = len(codes)

    def moments(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = np.bincount(inverse[mask], minlength=k).astype(float)
        s1 = np.bincount(inverse[mask], weights=y[mask], minlength=k)
        s2 = np.bincount(inverse[mask], weights=y[mask] ** 2, minlength=k)
        return n, s1, s2

    n_m, s_m, q_m = moments(is_m)
    n_c, s_c, q_c = moments(~is_m)
    ok = (n_m >= 1) & (n_c >= 2)
    n_m, s_m, q_m, n_c, s_c, q_c = (a[ok] for a in (n_m, s_m, q_m, n_c, s_c, q_c))
    mean_m, mean_c = s_m / n_m, s_c / n_c
    var_m = np.where(n_m > 1, (q_m - n_m * mean_m**2) / np.maximum(n_m - 1, 1), 0.0)
    var_c = (q_c - n_c * mean_c**2) / (n_c - 1)
    variance = np.maximum(var_m, 0) / n_m + np.maximum(var_c, 0) / n_c
    return mean_m - mean_c, n_m, variance, n_c


def matched_effect(
    cust: np.ndarray,
    t: np.ndarray,
    paid: np.ndarray,
    joined: np.ndarray,
    now: float,
    window: int = 180,
    weeks: int = 52,
) -> Matched | None:
    """The matched comparison (module docstring). ``joined``: per customer id, the day the customer joined
    (NaN: never). Cohorts are the joiners of each week whose window has ended by ``now`` — a week, so that the
    pre-period each joiner is matched on ends within days of joining."""
    n_cust = len(joined)
    diffs, weights, variances, naive_num, naive_den = [], [], [], 0.0, 0
    total_m = total_c = n_strata = 0
    by_cohort = []
    for k in range(weeks):
        start = now - window - 7 * (k + 1)
        end = start + 7
        pre = (t > start - window) & (t <= start)
        older = (t > start - window - 365) & (t <= start - window)
        post = (t > end) & (t <= end + window)
        pre_n = np.bincount(cust[pre], minlength=n_cust)
        pre_s = np.bincount(cust[pre], weights=paid[pre], minlength=n_cust)
        older_n = np.bincount(cust[older], minlength=n_cust)
        post_s = np.bincount(cust[post], weights=paid[post], minlength=n_cust)
        member = (joined > start) & (joined <= end) & (pre_n > 0)
        control = ~(joined <= end + window) & (pre_n > 0)  # not joined by the end of the window (NaN compares False)
        if member.sum() < 2 or control.sum() < 2:
            continue
        cuts = np.quantile(pre_s[member], [0.2, 0.4, 0.6, 0.8])
        stratum = _strata(pre_n, pre_s, older_n, cuts)
        d, w, v, n_c = _stratum_differences(stratum, member, control, post_s)
        c_m, c_c = int(w.sum()), int(n_c.sum())
        eff_num = float(np.dot(d, w))
        diffs.extend(d.tolist())
        weights.extend(w.tolist())
        variances.extend(v.tolist())
        n_strata += len(d)
        if c_m:
            by_cohort.append(
                {
                    "from": datetime.fromtimestamp(start * DAY, UTC).date().isoformat(),
                    "members": c_m,
                    "controls": c_c,
                    "effect": round(eff_num / c_m, 2),
                }
            )
        total_m += c_m
        total_c += c_c
        naive_num += float(post_s[member].mean() - post_s[control].mean()) * int(member.sum())
        naive_den += int(member.sum())
    if not total_m:
        return None
    w = np.asarray(weights, dtype=float) / total_m
    effect = float(np.dot(w, diffs))
    se = math.sqrt(float(np.dot(w**2, variances)))
    z = effect / se if se > 0 else math.inf
    p = math.erfc(abs(z) / math.sqrt(2)) if se > 0 else 0.0
    return Matched(
        members=total_m,
        controls=total_c,
        strata=n_strata,
        effect=round(effect, 2),
        ci_low=round(effect - 1.96 * se, 2),
        ci_high=round(effect + 1.96 * se, 2),
        p_value=p,
        incremental_revenue=round(effect * total_m, 2),
        naive_effect=round(naive_num / naive_den, 2),
        window_days=window,
        by_cohort=sorted(by_cohort, key=lambda c: c["from"]),
    )


def effectiveness(
    session: Session,
    actor: Actor,
    at: datetime | None = None,
    margin_rate: float = 0.35,
    window: int = 180,
    wh: Warehouse | None = None,
) -> Effectiveness:
    """With ``wh`` the purchases come from the warehouse (net of returns, merged cards on their survivor);
    without it, or while it is empty, from the store."""
    require(actor, "loyalty:read")
    require(actor, "analytics:read")  # the whole base in aggregate: not a manager's
    if at is None:
        last = last_purchase_at(session)
        at = last or datetime(2000, 1, 1, tzinfo=UTC)  # no purchases yet: every figure is empty, whatever the day
    now = at.timestamp() / DAY
    since = at - timedelta(days=max(730, 2 * window + 7 * 52 + 30))
    arrays = _orders_from_warehouse(wh, since) if wh is not None else None
    cust, t, paid = arrays if arrays is not None and len(arrays[0]) else _orders(session, since)
    n_cust = (
        int(max(int(cust.max()) if len(cust) else 0, session.scalar(select(func.max(LoyaltyAccount.customer_id))) or 0))
        + 1
    )
    joined = np.full(n_cust, np.nan)
    for customer_id, created in session.execute(select(LoyaltyAccount.customer_id, LoyaltyAccount.created_at)):
        joined[customer_id] = created.timestamp() / DAY
    is_member = ~np.isnan(joined)
    redeemed = (
        session.scalar(
            select(func.coalesce(func.sum(-LedgerEntry.points), 0)).where(
                LedgerEntry.kind == "spend", LedgerEntry.at > at - timedelta(days=365), LedgerEntry.at <= at
            )
        )
        or 0
    )
    matched = matched_effect(cust, t, paid, joined, now, window)
    cost = float(redeemed)
    notes = []
    roi = None
    members = _group(cust, t, paid, is_member, now)
    if matched is not None and cost > 0:
        yearly = matched.effect * 365 / window * members.customers
        roi = (yearly * margin_rate - cost) / cost
        notes.append(notice(ROI_EXPLAINED))
    if matched is None:
        notes.append(notice(TOO_FEW_JOINERS))
    return Effectiveness(
        as_of=at,
        flows=flows(session, at - timedelta(days=365)),
        liability=liability(session, at),
        members=members,
        non_members=_group(cust, t, paid, ~is_member, now),
        matched=matched,
        programme_cost=cost,
        roi=roi,
        margin_rate=margin_rate,
        notes=notes,
    )


def daily_effectiveness(
    session: Session, actor: Actor, today: date, margin_rate: float = 0.35, wh: Warehouse | None = None
) -> Effectiveness:
    """:func:`effectiveness`, computed once a shop day per margin and source and kept in this process's memos: it
    reads two years of purchases, and every reader of the dashboard asked for it anew."""
    require(actor, "loyalty:read")
    require(actor, "analytics:read")
    memo = memos_of(session).of("loyalty.effectiveness", limit=32)
    key = (today, round(margin_rate, 6), wh is not None)
    found: Effectiveness | None = memo.get(key)
    if found is None:
        found = effectiveness(session, actor, margin_rate=margin_rate, wh=wh)
        memo.put(key, found)
    return found


def as_dict(report: Effectiveness) -> dict[str, Any]:
    from dataclasses import asdict

    out = asdict(report)
    out["as_of"] = report.as_of.isoformat()
    return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in out.items()}
