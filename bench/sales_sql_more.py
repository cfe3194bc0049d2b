"""The signals, the forecast and the shop floor written by hand in DuckDB SQL: the reference the Ibis code of
klientura.analytics.signals / forecast / staff is timed against (bench/sales_reports_bench.py) and the second
implementation its numbers are checked against (tests/analytics/test_sales_second.py). Written from the modules'
docstrings, not from their code: the forecast reads the state of each deal from its history entries, not from the
derived spans; rotting reads the last history entry, not the spans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.sales_sql import _fetch, _in

OTHER = ("друг", "проч", "ино", "other", "без причин", "не указ")


def signals(
    con: Any,
    start: date,
    end: date,
    now: datetime,
    *,
    pipeline: int | None = None,
    owners: frozenset[int] | None = None,
    quick_minutes: int = 10,
    rot_days: int = 14,
    unpaid_days: int = 14,
    listed: int = 200,
) -> dict[str, Any]:
    """Per signal: total, per owner, the latest ``listed`` deals (deal_id, owner_id, ts, amount_k, title); the
    "other" shares per owner."""
    p = "AND pipeline_id = $p" if pipeline is not None else ""
    own = f"AND owner_id {_in(owners)}" if owners is not None else ""
    params: dict[str, Any] = {"s": start, "e": end, "now": now.astimezone(UTC).replace(tzinfo=None)}
    params |= {"q": quick_minutes * 60, "rot": rot_days, "unpaid": unpaid_days}
    if pipeline is not None:
        params["p"] = pipeline
    other = " OR ".join(["coalesce(reason, '') = ''", *(f"starts_with(lower(reason), '{w}')" for w in OTHER)])
    sql = f"""
    WITH m AS (SELECT * FROM stage_moves WHERE true {p}),
    won_deals AS (SELECT DISTINCT deal_id FROM m WHERE to_kind = 'won' AND day BETWEEN $s AND $e),
    seq AS (
        SELECT m.*, row_number() OVER w - 1 AS n, sum(CASE WHEN to_kind = 'won' THEN 1 ELSE 0 END) OVER w AS wins
        FROM m WHERE deal_id IN (SELECT deal_id FROM won_deals)
        WINDOW w AS (PARTITION BY deal_id ORDER BY ts, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
    lost AS (SELECT m.*, f.born_ts FROM m JOIN deal_facts f USING (deal_id)
             WHERE m.to_kind = 'lost' AND m.day BETWEEN $s AND $e),
    last_entry AS (SELECT deal_id, max(ts) AS last FROM deal_history GROUP BY 1),
    last_done AS (SELECT deal_id, max(done_ts) AS done FROM tasks
                  WHERE NOT deleted AND deal_id IS NOT NULL AND done_ts IS NOT NULL GROUP BY 1),
    rot AS (SELECT f.deal_id, f.owner_id, greatest(e.last, coalesce(d.done, e.last)) AS ts, f.amount_k
            FROM deal_facts f JOIN last_entry e USING (deal_id) LEFT JOIN last_done d USING (deal_id)
            WHERE f.status = 'open' {p.replace("pipeline_id", "f.pipeline_id")}),
    paid AS (SELECT DISTINCT o.deal_id FROM deal_orders o JOIN sales s ON s.oid = o.order_id),
    found AS (
        SELECT 'straight_to_won' AS kind, deal_id, owner_id, ts, amount_k FROM seq
        WHERE to_kind = 'won' AND day BETWEEN $s AND $e AND n <= 1
        UNION ALL SELECT 'won_again', deal_id, owner_id, ts, amount_k FROM seq
        WHERE to_kind = 'won' AND day BETWEEN $s AND $e AND wins >= 2
        UNION ALL SELECT 'lost_at_once', deal_id, owner_id, ts, amount_k FROM lost WHERE epoch(ts) - epoch(born_ts) < $q
        UNION ALL SELECT 'other_reason', deal_id, owner_id, ts, amount_k FROM lost WHERE {other}
        UNION ALL SELECT 'rotting', deal_id, owner_id, ts, amount_k FROM rot WHERE ts < $now - to_days(CAST($rot AS BIGINT))
        UNION ALL SELECT 'won_not_paid', deal_id, owner_id, ts, amount_k FROM m
        WHERE left_ts IS NULL AND to_kind = 'won' AND day BETWEEN $s AND $e
          AND ts < $now - to_days(CAST($unpaid AS BIGINT)) AND deal_id NOT IN (SELECT deal_id FROM paid))
    SELECT f.kind, f.deal_id, f.owner_id, f.ts, f.amount_k, d.title FROM found f JOIN deal_facts d USING (deal_id)
    WHERE true {own.replace("owner_id", "f.owner_id")}
    ORDER BY f.kind, f.ts DESC, f.deal_id"""
    out: dict[str, Any] = {}
    for r in _fetch(con, sql, params):
        got = out.setdefault(r.pop("kind"), {"total": 0, "by_owner": {}, "deals": []})
        got["total"] += 1
        got["by_owner"][r["owner_id"]] = got["by_owner"].get(r["owner_id"], 0) + 1
        if len(got["deals"]) < listed:
            got["deals"].append(r)
    shares = _fetch(
        con,
        f"""SELECT owner_id, count(*) FILTER ({other}) AS other, count(*) AS lost FROM stage_moves
        WHERE to_kind = 'lost' AND day BETWEEN $s AND $e {p} {own} GROUP BY 1""",
        {k: v for k, v in params.items() if k in ("s", "e", "p")},
    )
    out["other_share"] = {r["owner_id"]: (r["other"], r["lost"]) for r in shares}
    return out


def forecast_parts(con: Any, pipeline: int, as_of: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """As of the start of ``as_of``: per (stage, source) the deals that had entered the stage and were closed then
    (and how many won); per (stage, source) the deals open at the end of the day before, their amount then and what
    they brought in the end (the amount of their last change of stage). From the history entries themselves."""
    params = {"p": pipeline, "d": as_of}
    state = """
    WITH h AS (SELECT h.*, s.kind AS sk FROM deal_history h JOIN stages s ON s.id = h.to_stage_id
               JOIN deal_facts f ON f.deal_id = h.deal_id WHERE f.pipeline_id = $p),
    before AS (SELECT * FROM h WHERE day < $d QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY ts DESC, id DESC) = 1),
    final AS (SELECT * FROM h WHERE from_stage_id IS NULL OR from_stage_id <> to_stage_id
              QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY ts DESC, id DESC) = 1)"""
    rates = _fetch(
        con,
        f"""{state},
        entered AS (SELECT DISTINCT deal_id, to_stage_id AS stage_id FROM h WHERE day < $d AND sk = 'open')
        SELECT e.stage_id, f.src, count(*) AS closed, count(*) FILTER (b.sk = 'won') AS won
        FROM entered e JOIN before b USING (deal_id) JOIN deal_facts f USING (deal_id)
        WHERE b.sk IN ('won', 'lost') GROUP BY ALL""",
        params,
    )
    opened = _fetch(
        con,
        f"""{state}
        SELECT b.to_stage_id AS stage_id, f.src, count(*) AS deals, sum(b.amount_k) AS amount_k,
               count(*) FILTER (z.sk = 'won') AS won, coalesce(sum(z.amount_k) FILTER (z.sk = 'won'), 0) AS won_k,
               count(*) FILTER (z.sk = 'open') AS still_open
        FROM before b JOIN final z USING (deal_id) JOIN deal_facts f USING (deal_id)
        WHERE b.sk = 'open' GROUP BY ALL""",
        params,
    )
    return rates, opened


def forecast(con: Any, pipeline: int, as_of: date, min_closed: int = 10, by_source_from: int = 30) -> dict[str, Any]:
    """The totals of the forecast as of ``as_of``: open deals, amount, learned- and static-weighted amounts, what was
    won of them since."""
    rates, opened = forecast_parts(con, pipeline, as_of)
    static = {r["id"]: r["probability"] / 100 for r in _fetch(con, "SELECT * FROM stages WHERE pipeline_id = $p",
                                                              {"p": pipeline})}  # fmt: skip
    stage_closed: dict[int, int] = {}
    stage_won: dict[int, int] = {}
    for r in rates:
        stage_closed[r["stage_id"]] = stage_closed.get(r["stage_id"], 0) + r["closed"]
        stage_won[r["stage_id"]] = stage_won.get(r["stage_id"], 0) + r["won"]
    source = {(r["stage_id"], r["src"]): (r["closed"], r["won"]) for r in rates}
    totals = {"deals": 0, "amount": 0.0, "learned": 0.0, "static": 0.0, "won": 0, "won_amount": 0.0, "still_open": 0}
    for r in opened:
        closed, won = source.get((r["stage_id"], r["src"]), (0, 0))
        if closed < by_source_from:
            closed, won = stage_closed.get(r["stage_id"], 0), stage_won.get(r["stage_id"], 0)
        p = won / closed if closed >= min_closed else static.get(r["stage_id"], 0.0)
        amount = int(r["amount_k"]) / 100
        totals["deals"] += r["deals"]
        totals["amount"] += amount
        totals["learned"] += amount * p
        totals["static"] += amount * static.get(r["stage_id"], 0.0)
        totals["won"] += r["won"]
        totals["won_amount"] += int(r["won_k"]) / 100
        totals["still_open"] += r["still_open"]
    return totals


def staff(con: Any, start: date, end: date, by: str, return_days: int = 30) -> dict[Any, dict[str, Any]]:
    """Per outlet or seller: receipts, identified, with points, cards issued, came back within ``return_days``."""
    key = "outlet_id" if by == "outlet" else "staff"
    sql = f"""
    WITH r AS (SELECT r.*, c.root_id AS root FROM receipts r LEFT JOIN customers c ON c.id = r.customer_id
               WHERE r.completed),
    counts AS (SELECT {key} AS k, count(*) AS receipts, count(customer_id) AS identified,
                      count(*) FILTER (points_redeemed > 0) AS with_points
               FROM r WHERE day BETWEEN $s AND $e GROUP BY 1),
    joined AS (SELECT c.root_id AS root, a.created_ts AS joined FROM loyalty_accounts a
               JOIN customers c ON c.id = a.customer_id WHERE a.created_day BETWEEN $s AND $e),
    theirs AS (SELECT j.root, j.joined, r.ts, r.{key} AS k,
                      row_number() OVER (PARTITION BY j.root ORDER BY r.ts, r.id) AS n
               FROM joined j JOIN r ON r.root = j.root AND r.ts >= j.joined - INTERVAL 1 DAY),
    cards AS (SELECT a.k, count(*) AS cards,
                     count(*) FILTER (b.ts IS NOT NULL AND b.ts <= a.ts + to_days(CAST($back AS BIGINT))) AS came_back
              FROM theirs a LEFT JOIN theirs b ON b.root = a.root AND b.n = 2
              WHERE a.n = 1 AND a.ts <= a.joined + INTERVAL 1 DAY GROUP BY 1)
    SELECT coalesce(counts.k, cards.k) AS k, receipts, identified, with_points, cards, came_back
    FROM counts FULL JOIN cards ON counts.k IS NOT DISTINCT FROM cards.k"""
    out = {}
    for r in _fetch(con, sql, {"s": start, "e": end, "back": return_days}):
        n, cards = int(r["receipts"] or 0), int(r["cards"] or 0)
        out[r["k"]] = {
            "receipts": n,
            "identified_share": int(r["identified"] or 0) / n if n else None,
            "points_share": int(r["with_points"] or 0) / n if n else None,
            "cards_issued": cards,
            "came_back_share": int(r["came_back"] or 0) / cards if cards else None,
        }
    return out


def backtest_days(today: date, months: int = 12) -> list[date]:
    """The first days of the ``months`` months before ``today``'s."""
    days, first = [], today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        days.append(first)
    return sorted(days)
