"""The sales reports written by hand in DuckDB SQL, over the warehouse's tables: the reference the Ibis code of
klientura.analytics.funnel / managers is timed against (bench/sales_reports_bench.py), and the second implementation
its numbers are checked against (tests/analytics/test_sales_reports.py). Same definitions, written independently:
see the docstrings of those modules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any


def _in(ids: frozenset[int] | None) -> str:
    return "" if ids is None else "IN (" + (", ".join(str(int(i)) for i in sorted(ids)) or "NULL") + ")"


def _fetch(con: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def funnel(
    con: Any,
    pipeline: int,
    start: date,
    end: date,
    mode: str,
    *,
    source: str | None = None,
    owners: frozenset[int] | None = None,
) -> dict[str, Any]:
    src = "AND source = $src" if source is not None else ""
    params: dict[str, Any] = {"p": pipeline, "s": start, "e": end}
    if source is not None:
        params["src"] = source
    if mode == "cohort":
        own = f"AND born_owner {_in(owners)}" if owners is not None else ""
        scope = f"""
        d AS (SELECT * FROM deal_facts WHERE pipeline_id = $p AND born_day BETWEEN $s AND $e {src} {own}),
        m AS (SELECT * FROM stage_moves WHERE pipeline_id = $p AND deal_id IN (SELECT deal_id FROM d)),
        stays AS (SELECT * FROM m WHERE left_ts IS NOT NULL),
        here AS (SELECT stage_id AS sid, count(*) AS n FROM d GROUP BY 1)"""
    else:
        own = f"AND owner_id {_in(owners)}" if owners is not None else ""
        of_source = (
            f"AND deal_id IN (SELECT deal_id FROM deal_facts WHERE pipeline_id = $p {src})"
            if source is not None
            else ""
        )
        scope = f"""
        d AS (SELECT 1),
        m AS (SELECT * FROM stage_moves WHERE pipeline_id = $p AND day BETWEEN $s AND $e {own} {of_source}),
        stays AS (SELECT * FROM stage_moves WHERE pipeline_id = $p AND left_day BETWEEN $s AND $e {own} {of_source}),
        here AS (SELECT to_stage_id AS sid, count(*) AS n FROM stage_moves
                 WHERE pipeline_id = $p AND day <= $e AND (left_day IS NULL OR left_day > $e) {own} {of_source}
                 GROUP BY 1)"""
    sql = f"""
    WITH {scope},
    st AS (SELECT * FROM stages WHERE pipeline_id = $p),
    ranks AS (SELECT id AS sid, CASE WHEN kind = 'won' THEN 1000000 ELSE position END AS rank FROM st WHERE kind <> 'lost'),
    entered AS (SELECT to_stage_id AS sid, count(DISTINCT deal_id) AS n FROM m GROUP BY 1),
    moved AS (SELECT from_stage_id AS sid, count(DISTINCT deal_id) AS n FROM m
              WHERE from_kind = 'open' AND to_rank > from_rank GROUP BY 1),
    lost AS (SELECT from_stage_id AS sid, count(DISTINCT deal_id) AS n FROM m
             WHERE to_kind = 'lost' AND from_stage_id IS NOT NULL GROUP BY 1),
    back AS (SELECT to_stage_id AS sid, count(*) AS n FROM m
             WHERE from_kind = 'open' AND to_kind = 'open' AND to_rank < from_rank GROUP BY 1),
    skipped AS (SELECT r.sid, count(DISTINCT m.deal_id) AS n FROM m JOIN ranks r
                ON coalesce(m.from_rank, -1) < r.rank AND r.rank < m.to_rank
                WHERE (m.from_kind = 'open' OR m.from_stage_id IS NULL) AND m.to_kind <> 'lost' GROUP BY 1),
    times AS (SELECT to_stage_id AS sid, quantile_cont(h, 0.5) AS med, quantile_cont(h, 0.9) AS p90, count(*) AS n
              FROM (SELECT to_stage_id, (epoch(left_ts) - epoch(ts)) / 3600.0 AS h FROM stays) GROUP BY 1)
    SELECT st.id, st.name, st.kind, coalesce(entered.n, 0) AS entered, coalesce(moved.n, 0) AS moved_on,
           coalesce(lost.n, 0) AS lost, coalesce(skipped.n, 0) AS skipped, coalesce(back.n, 0) AS returned,
           coalesce(here.n, 0) AS here, times.med, times.p90, coalesce(times.n, 0) AS stays
    FROM st LEFT JOIN entered ON entered.sid = st.id LEFT JOIN moved ON moved.sid = st.id
    LEFT JOIN lost ON lost.sid = st.id LEFT JOIN skipped ON skipped.sid = st.id LEFT JOIN back ON back.sid = st.id
    LEFT JOIN here ON here.sid = st.id LEFT JOIN times ON times.sid = st.id
    ORDER BY st.position, st.id"""
    stages = _fetch(con, sql, params)
    reasons = _fetch(
        con,
        f"WITH {scope} SELECT from_stage_id AS sid, coalesce(reason, '') AS reason, count(*) AS n FROM m "
        "WHERE to_kind = 'lost' AND from_stage_id IS NOT NULL GROUP BY 1, 2",
        params,
    )
    links = _fetch(
        con,
        f"WITH {scope} SELECT from_stage_id AS source_id, to_stage_id, count(*) AS moves FROM m GROUP BY 1, 2 "
        "ORDER BY 1 NULLS FIRST, 2",
        params,
    )
    if mode == "cohort":
        summary = _fetch(
            con,
            f"WITH {scope} SELECT count(*) AS deals, count(*) FILTER (status = 'won') AS won, "
            "count(*) FILTER (status = 'lost') AS lost, count(*) FILTER (status = 'open') AS open, "
            "coalesce(sum(amount_k) FILTER (status = 'won'), 0) AS won_k, "
            "(SELECT count(*) FROM m WHERE from_kind IN ('won', 'lost') AND to_kind = 'open') AS reopened FROM d",
            params,
        )[0]
    else:
        summary = _fetch(
            con,
            f"WITH {scope} SELECT count(DISTINCT deal_id) AS deals, count(*) FILTER (to_kind = 'won') AS won, "
            "count(*) FILTER (to_kind = 'lost') AS lost, NULL AS open, "
            "coalesce(sum(amount_k) FILTER (to_kind = 'won'), 0) AS won_k, "
            "count(*) FILTER (from_kind IN ('won', 'lost') AND to_kind = 'open') AS reopened FROM m",
            params,
        )[0]
    why: dict[int, dict[str, int]] = {}
    for r in reasons:
        why.setdefault(r["sid"], {})[r["reason"]] = r["n"]
    return {
        "summary": {**summary, "won_amount": summary.pop("won_k") / 100},
        "stages": [{**s, "lost_reasons": why.get(s["id"], {})} for s in stages],
        "links": links,
    }


def managers(
    con: Any, start: date, end: date, now: datetime, akb_days: int, pipeline: int | None = None
) -> dict[int, dict[str, Any]]:
    """Per owner: the figures of klientura.analytics.managers (one period)."""
    p = "AND pipeline_id = $p" if pipeline is not None else ""
    params: dict[str, Any] = {"s": start, "e": end, "now": now.astimezone(UTC).replace(tzinfo=None)}
    params["a"] = end - timedelta(days=akb_days - 1)
    if pipeline is not None:
        params["p"] = pipeline
    sql = f"""
    WITH closings AS (SELECT * FROM stage_moves WHERE left_ts IS NULL AND to_kind IN ('won', 'lost') {p}),
    closed AS (SELECT * FROM closings WHERE day BETWEEN $s AND $e),
    won_lost AS (
        SELECT c.owner_id, count(*) FILTER (c.to_kind = 'won') AS won, count(*) FILTER (c.to_kind = 'lost') AS lost,
               sum(c.amount_k) FILTER (c.to_kind = 'won') AS won_k,
               quantile_cont((epoch(c.ts) - epoch(f.born_ts)) / 86400.0, 0.5) FILTER (c.to_kind = 'won') AS cycle
        FROM closed c JOIN deal_facts f ON f.deal_id = c.deal_id GROUP BY 1),
    paid AS (
        SELECT w.owner_id, sum(s.net_k) AS paid_k, count(*) AS paid_orders
        FROM sales s JOIN deal_orders o ON o.order_id = s.oid JOIN closings w ON w.deal_id = o.deal_id
        WHERE w.to_kind = 'won' AND s.day BETWEEN $s AND $e GROUP BY 1),
    work AS (
        SELECT owner_id, count(*) AS in_work, sum(amount_k) AS in_work_k FROM deal_spans
        WHERE day <= $e AND (next_day IS NULL OR next_day > $e) AND stage_kind = 'open' {p} GROUP BY 1),
    lead_owner AS (
        SELECT l.id, l.ts, (SELECT w.owner_id FROM ownership w WHERE w.entity = 'lead' AND w.entity_id = l.id
                            AND w.owner_id IS NOT NULL AND w.to_ts > l.ts ORDER BY w.from_ts LIMIT 1) AS owner_id
        FROM leads l WHERE NOT l.deleted AND l.outcome = 'lead' AND l.day BETWEEN $s AND $e),
    reply AS (SELECT lead_id, min(first_reply_ts) AS r FROM conversations
              WHERE lead_id IS NOT NULL AND first_reply_ts IS NOT NULL GROUP BY 1),
    taken AS (
        SELECT owner_id, count(*) AS leads, count(r) AS answered,
               quantile_cont((epoch(r) - epoch(ts)) / 60.0, 0.5) AS first_response
        FROM lead_owner LEFT JOIN reply ON reply.lead_id = lead_owner.id GROUP BY 1),
    due AS (
        SELECT assignee_id AS owner_id, count(*) AS tasks,
               count(*) FILTER ((done_ts IS NULL AND due_ts < $now) OR done_ts > due_ts) AS overdue
        FROM tasks WHERE NOT deleted AND due_day BETWEEN $s AND $e GROUP BY 1),
    bought AS (
        SELECT s.oid, s.cid, s.ts, d.company_id FROM sales s
        LEFT JOIN (SELECT o.order_id, d.company_id FROM deal_orders o JOIN deals d ON d.id = o.deal_id
                   WHERE d.company_id IS NOT NULL) d ON d.order_id = s.oid
        WHERE s.cid IS NOT NULL AND s.day BETWEEN $a AND $e),
    clients AS (
        SELECT DISTINCT w.owner_id, CASE WHEN b.company_id IS NULL THEN 'customer' ELSE 'company' END AS kind,
               coalesce(b.company_id, b.cid) AS client
        FROM bought b LEFT JOIN ownership w
          ON w.entity = CASE WHEN b.company_id IS NULL THEN 'customer' ELSE 'company' END
         AND w.entity_id = coalesce(b.company_id, b.cid) AND b.ts >= w.from_ts AND b.ts < w.to_ts),
    akb AS (SELECT owner_id, count(*) AS akb FROM clients GROUP BY 1),
    everyone AS (SELECT owner_id FROM won_lost UNION SELECT owner_id FROM paid UNION SELECT owner_id FROM work
                 UNION SELECT owner_id FROM taken UNION SELECT owner_id FROM due UNION SELECT owner_id FROM akb)
    SELECT e.owner_id, won, lost, won_k, cycle, paid_k, paid_orders, in_work, in_work_k, leads, answered,
           first_response, tasks, overdue, akb
    FROM everyone e LEFT JOIN won_lost USING (owner_id) LEFT JOIN paid USING (owner_id) LEFT JOIN work USING (owner_id)
    LEFT JOIN taken USING (owner_id) LEFT JOIN due USING (owner_id) LEFT JOIN akb USING (owner_id)
    WHERE e.owner_id IS NOT NULL"""
    out = {}
    for r in _fetch(con, sql, params):
        won, lost = int(r["won"] or 0), int(r["lost"] or 0)
        won_amount = int(r["won_k"] or 0) / 100
        out[r["owner_id"]] = {
            "won": won,
            "lost": lost,
            "won_amount": won_amount,
            "paid": int(r["paid_k"] or 0) / 100,
            "paid_orders": int(r["paid_orders"] or 0),
            "conversion": won / (won + lost) if won + lost else None,
            "average_deal": won_amount / won if won else None,
            "cycle_days": r["cycle"],
            "in_work": int(r["in_work"] or 0),
            "in_work_amount": int(r["in_work_k"] or 0) / 100,
            "leads": int(r["leads"] or 0),
            "answered": int(r["answered"] or 0),
            "first_response_minutes": r["first_response"],
            "tasks": int(r["tasks"] or 0),
            "overdue": int(r["overdue"] or 0),
            "akb": int(r["akb"] or 0),
        }
    return out


def sources(con: Any, start: date, end: date, model: str = "last", window_days: int = 30) -> dict[tuple[str, str], Any]:
    """Per (source, campaign): the sums klientura.analytics.sources adds up (one period)."""
    pick = "ASC" if model == "first" else "DESC"
    params = {"s": start, "e": end, "w": window_days}
    key = "lower(nullif(trim({u}), '')), lower(nullif(trim({s}), ''))"
    sql = f"""
    WITH roots AS (SELECT id, root_id FROM customers),
    needed AS (
        SELECT deal_id FROM deal_facts WHERE born_day BETWEEN $s AND $e
        UNION SELECT deal_id FROM stage_moves WHERE left_ts IS NULL AND to_kind = 'won' AND day BETWEEN $s AND $e
        UNION SELECT l.deal_id FROM deal_orders l JOIN sales s ON s.oid = l.order_id WHERE s.day BETWEEN $s AND $e),
    deal_own AS (
        SELECT deal_id, src, camp, customer_id, born_ts FROM deal_facts WHERE deal_id IN (SELECT deal_id FROM needed)),
    deal_keys AS (
        SELECT deal_id, src, camp FROM deal_own WHERE src IS NOT NULL
        UNION ALL
        SELECT d.deal_id, coalesce(t.src, '(none)'), coalesce(t.camp, '') FROM deal_own d
        LEFT JOIN roots r ON r.id = d.customer_id
        LEFT JOIN LATERAL (
            SELECT src, camp FROM touches t WHERE t.cid = r.root_id AND t.ts <= d.born_ts
              AND t.ts >= d.born_ts - to_days(CAST($w AS BIGINT))
            ORDER BY t.ts {pick}, src, camp LIMIT 1) t ON true
        WHERE d.src IS NULL),
    born AS (SELECT k.src, k.camp, count(*) AS deals FROM deal_facts f JOIN deal_keys k USING (deal_id)
             WHERE f.born_day BETWEEN $s AND $e GROUP BY ALL),
    won AS (SELECT k.src, k.camp, count(*) AS won, sum(m.amount_k) AS won_k FROM stage_moves m JOIN deal_keys k USING (deal_id)
            WHERE m.left_ts IS NULL AND m.to_kind = 'won' AND m.day BETWEEN $s AND $e GROUP BY ALL),
    lead_rows AS (SELECT coalesce(coalesce({key.format(u="utm_source", s="source")}), '(none)') AS src,
                         coalesce(lower(trim(utm_campaign)), '') AS camp, count(*) AS leads
                  FROM leads WHERE NOT deleted AND outcome = 'lead' AND day BETWEEN $s AND $e GROUP BY ALL),
    o AS (SELECT s.oid, s.cid, s.ts, s.net_k, s.cost_k, s.items = 0 OR s.uncosted > 0 AS bare, k.src AS d_src,
                 k.camp AS d_camp FROM sales s
          LEFT JOIN deal_orders l ON l.order_id = s.oid LEFT JOIN deal_keys k ON k.deal_id = l.deal_id
          WHERE s.day BETWEEN $s AND $e),
    o_keys AS (
        SELECT o.net_k, o.cost_k, o.bare, coalesce(o.d_src, t.src, '(none)') AS src,
               CASE WHEN o.d_src IS NOT NULL THEN o.d_camp ELSE coalesce(t.camp, '') END AS camp FROM o
        LEFT JOIN LATERAL (
            SELECT src, camp FROM touches t WHERE o.d_src IS NULL AND t.cid = o.cid AND t.ts <= o.ts
              AND t.ts >= o.ts - to_days(CAST($w AS BIGINT))
            ORDER BY t.ts {pick}, src, camp LIMIT 1) t ON true),
    paid AS (SELECT src, camp, count(*) AS orders, sum(net_k) AS revenue_k, sum(net_k - cost_k) AS margin_k,
                    count(*) FILTER (bare) AS uncosted
             FROM o_keys GROUP BY ALL),
    spend AS (SELECT source AS src, campaign AS camp, sum(cost_k) AS spend_k FROM ad_costs
              WHERE day BETWEEN $s AND $e GROUP BY ALL),
    keys AS (SELECT src, camp FROM spend UNION SELECT src, camp FROM lead_rows UNION SELECT src, camp FROM born
             UNION SELECT src, camp FROM won UNION SELECT src, camp FROM paid)
    SELECT keys.src, keys.camp, spend_k, leads, deals, won, won_k, orders, revenue_k, margin_k, uncosted FROM keys
    LEFT JOIN spend USING (src, camp) LEFT JOIN lead_rows USING (src, camp) LEFT JOIN born USING (src, camp)
    LEFT JOIN won USING (src, camp) LEFT JOIN paid USING (src, camp)"""
    return {(r["src"], r["camp"]): r for r in _fetch(con, sql, params)}
