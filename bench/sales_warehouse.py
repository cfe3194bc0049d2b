"""A sales department's history at any scale, written straight into a warehouse's tables (what the sync would hold):
deals stepping through three pipelines with skips, returns, reassignments, losses with reasons and reopenings, about
ten history entries a deal; requests with their first answers, tasks, companies, owner changes, paying orders,
the orders' receipts (outlet, seller, points) and loyalty cards.

Deterministic (hashes, not random()): the same size gives the same base on every run and every thread count.
Used by bench/sales_reports_bench.py (a million deals, ten million entries) and by the randomised comparison of the
Ibis reports with the hand-written SQL in tests/analytics/test_sales_reports.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from klientura.analytics.sales_tables import TABLES, build

END = date(2026, 11, 30)
SPAN_DAYS = 730
MANAGERS = 60


def _u(*parts: str) -> str:
    """A uniform number in [0, 1) from a hash of the parts (SQL)."""
    return f"((hash({', '.join(parts)}) % 1000003) / 1000003.0)"


def generate(con: Any, deals: int, *, managers: int = MANAGERS) -> dict[str, int]:
    """Fill the sales tables of the warehouse ``con`` (replacing them) and build the derived ones; row counts."""
    for name, columns in TABLES.items():
        con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    con.execute("CREATE OR REPLACE TABLE customers (id BIGINT, root_id BIGINT, owner_id BIGINT)")
    con.execute(
        "INSERT INTO pipelines SELECT p, 'Pipeline ' || p, p, false FROM range(1, 4) t(p);"
        "INSERT INTO stages SELECT (p - 1) * 7 + s + 1, p, CASE s WHEN 5 THEN 'Won' WHEN 6 THEN 'Lost' "
        "ELSE 'Stage ' || s END, CASE s WHEN 5 THEN 'won' WHEN 6 THEN 'lost' ELSE 'open' END, "
        "CASE s WHEN 5 THEN 100 WHEN 6 THEN 0 ELSE 10 + 20 * s END, s, false FROM range(1, 4) a(p), range(0, 7) b(s);"
        f"INSERT INTO teams SELECT t, 'Team ' || t, {managers} + t FROM range(1, {managers // 10 + 1}) x(t);"
        f"INSERT INTO users SELECT i, 'Manager ' || i, 'manager', 1 + (i - 1) // 10, true FROM range(1, {managers + 1}) x(i);"
        f"INSERT INTO users SELECT {managers} + t, 'Head ' || t, 'head', NULL, true FROM range(1, {managers // 10 + 1}) x(t)"
    )
    start = f"TIMESTAMP '{END.isoformat()}' - INTERVAL {SPAN_DAYS} DAY"
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE g AS
    SELECT i AS id,
           CASE WHEN {_u("i", "'p'")} < 0.6 THEN 1 WHEN {_u("i", "'p'")} < 0.9 THEN 2 ELSE 3 END AS pipeline,
           1 + hash(i, 'o') % {managers} AS owner,
           1 + hash(i, 'n') % {managers} AS new_owner,
           {_u("i", "'r'")} < 0.1 AS reassigned,
           {start} + to_seconds(CAST({_u("i", "'b'")} * {SPAN_DAYS} * 86400 AS BIGINT)) AS born,
           CAST(least(4, floor(ln(1 - {_u("i", "'k'")}) / ln(0.72))) AS INTEGER) AS k,
           {_u("i", "'w'")} AS w,
           {_u("i", "'s'")} < 0.08 AS skips,
           {_u("i", "'t'")} < 0.05 AS returns,
           {_u("i", "'x'")} < 0.02 AS reopens,
           CAST(floor({_u("i", "'e'")} * 13) AS INTEGER) AS extra,
           1000 * (1 + hash(i, 'a') % 2000) AS amount_k,
           'src' || (hash(i, 'src') % 8) AS source,
           1 + hash(i, 'c') % {max(deals // 2, 1)} AS customer,
           CASE WHEN {_u("i", "'f'")} < 0.5 THEN 1 + hash(i, 'f') % {max(deals // 20, 1)} END AS company
    FROM range(1, {deals + 1}) t(i)""")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE g2 AS
    SELECT *, CASE WHEN k = 4 THEN (CASE WHEN w < 0.6 THEN 'won' WHEN w < 0.9 THEN 'lost' ELSE 'open' END)
                   WHEN k = 0 AND w < 0.03 THEN 'won'
                   ELSE (CASE WHEN w < 0.85 THEN 'lost' ELSE 'open' END) END AS outcome,
              CASE WHEN skips AND k >= 2 THEN 1 + hash(id, 'sp') % (k - 1) END AS skip_pos
    FROM g""")
    # the stage entries (pos: 0-4 open, 5 won, 6 lost) in order (ord), then the entries that change no stage
    con.execute("""
    CREATE OR REPLACE TEMP TABLE steps AS
    SELECT id, p AS pos, p * 10 AS ord, 'move' AS kind FROM g2, range(0, k + 1) r(p) WHERE p IS DISTINCT FROM skip_pos
    UNION ALL SELECT id, k - 1, k * 10 + 1, 'move' FROM g2 WHERE returns AND k >= 2
    UNION ALL SELECT id, k, k * 10 + 2, 'move' FROM g2 WHERE returns AND k >= 2
    UNION ALL SELECT id, CASE outcome WHEN 'won' THEN 5 ELSE 6 END, 100, 'move' FROM g2 WHERE outcome <> 'open'
    UNION ALL SELECT id, k, 101, 'move' FROM g2 WHERE reopens AND outcome <> 'open'
    UNION ALL SELECT id, CASE outcome WHEN 'won' THEN 5 ELSE 6 END, 102, 'move' FROM g2 WHERE reopens AND outcome <> 'open'
    UNION ALL SELECT id, NULL, (hash(id, e) % (k + 1)) * 10 + 5, 'amount' FROM g2, range(0, extra) r(e)""")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE entries AS
    WITH ordered AS (
        SELECT s.*, g2.pipeline, g2.born, g2.owner, g2.new_owner, g2.reassigned, g2.amount_k, g2.k,
               row_number() OVER (PARTITION BY s.id ORDER BY s.ord, s.kind, hash(s.id, s.ord, s.pos)) AS n
        FROM steps s JOIN g2 ON g2.id = s.id),
    placed AS (
        SELECT *, last_value(pos IGNORE NULLS) OVER (PARTITION BY id ORDER BY n ROWS UNBOUNDED PRECEDING) AS stage_pos,
               sum(CASE WHEN n = 1 THEN 0 ELSE 1 + hash(id, n, 'gap') % (CASE WHEN kind = 'amount' THEN 48 ELSE 400 END)
                   END) OVER (PARTITION BY id ORDER BY n ROWS UNBOUNDED PRECEDING) AS hours
        FROM ordered)
    SELECT row_number() OVER (ORDER BY born, id, n) AS hid, id AS deal_id, pipeline, n,
           born + to_hours(CAST(hours AS BIGINT)) + to_seconds(CAST(hash(id, n, 's') % 3600 AS BIGINT)) AS ts,
           (pipeline - 1) * 7 + stage_pos + 1 AS to_stage,
           CASE WHEN reassigned AND n > 1 + (hash(id, 'ra') % 3) THEN new_owner ELSE owner END AS owner_id,
           amount_k, CASE WHEN n = 1 THEN 'create' WHEN kind = 'amount' THEN 'amount' ELSE 'move' END AS kind,
           CASE WHEN stage_pos = 6 AND kind = 'move' THEN (CASE WHEN hash(id, n, 'why') % 7 = 6 THEN 'Другое'
                ELSE 'Reason ' || (hash(id, n, 'why') % 7) END) END AS reason
    FROM placed""")
    con.execute("""
    INSERT INTO deal_history
    SELECT hid, deal_id, ts, CAST(timezone('Europe/Moscow', timezone('UTC', ts)) AS DATE), owner_id,
           lag(to_stage) OVER (PARTITION BY deal_id ORDER BY n), to_stage, owner_id, amount_k, reason, kind
    FROM entries""")
    con.execute("""
    INSERT INTO deals
    SELECT e.deal_id, e.pipeline, e.to_stage, s.kind, g2.customer, g2.company, e.amount_k, e.owner_id,
           CASE WHEN g2.id % 5 > 0 THEN g2.source END,
           CASE WHEN g2.id % 4 > 0 THEN g2.source END, NULL,
           CASE WHEN g2.id % 4 = 1 THEN 'camp' || (8 * (hash(g2.id, 'cmp') % 25) + CAST(substr(g2.source, 4) AS INTEGER)) END,
           NULL, g2.born, false, 'Deal ' || g2.id
    FROM entries e JOIN g2 ON g2.id = e.deal_id JOIN stages s ON s.id = e.to_stage
    QUALIFY row_number() OVER (PARTITION BY e.deal_id ORDER BY e.n DESC) = 1""")
    _around(con, deals, managers)
    for name in ("g", "g2", "steps", "entries"):
        con.execute(f"DROP TABLE {name}")
    build(con)
    return {n: int(con.execute(f"SELECT count(*) FROM {n}").fetchone()[0]) for n in ("deals", "deal_history", "sales")}


def _around(con: Any, deals: int, managers: int) -> None:
    """Cards, companies, requests and their answers, tasks, owner changes, and the orders that pay won deals."""
    people, firms, leads = max(deals // 2, 1), max(deals // 20, 1), max(deals // 5, 1)
    con.execute(f"""
    INSERT INTO customers SELECT i, i, 1 + hash(i, 'co') % {managers} FROM range(1, {people + 1}) t(i);
    INSERT INTO companies SELECT i, 1 + hash(i, 'fo') % {managers}, false FROM range(1, {firms + 1}) t(i);
    INSERT INTO leads
    SELECT i, 1 + hash(i, 'lc') % {people}, NULL, 'form', 'src' || (hash(i, 'ls') % 8),
           CASE WHEN i % 3 > 0 THEN 'src' || (hash(i, 'lu') % 8) END, NULL,
           CASE WHEN i % 3 = 1 THEN 'camp' || (hash(i, 'lk') % 200) END, 'open',
           CASE WHEN hash(i, 'lo') % 10 = 0 THEN 'joined' ELSE 'lead' END, NULL,
           CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + hash(i, 'lw') % {managers} END, ts,
           CAST(timezone('Europe/Moscow', timezone('UTC', ts)) AS DATE), NULL, hash(i, 'ld') % 50 = 0
    FROM (SELECT i, TIMESTAMP '{END}' - to_seconds(CAST(hash(i, 'lt') % ({SPAN_DAYS} * 86400) AS BIGINT)) AS ts
          FROM range(1, {leads + 1}) t(i));
    INSERT INTO conversations
    SELECT id, id, NULL, customer_id, owner_id, 'telegram', ts,
           CASE WHEN hash(id, 'an') % 4 > 0 THEN ts + to_minutes(CAST(1 + hash(id, 'rm') % 600 AS BIGINT)) END
    FROM leads WHERE id % 2 = 0;
    INSERT INTO owner_changes
    SELECT row_number() OVER (), e, x, ts, b, a FROM (
        SELECT 'lead' AS e, id AS x, ts + INTERVAL 1 HOUR AS ts, owner_id AS b, 1 + hash(id, 'nw') % {managers} AS a
        FROM leads WHERE id % 7 = 0 AND id % 11 <> 0
        UNION ALL
        SELECT 'lead', id, ts + INTERVAL 2 HOUR, NULL, 1 + hash(id, 'gv') % {managers} FROM leads WHERE id % 11 = 0
        UNION ALL
        SELECT 'customer', id, TIMESTAMP '{END}' - to_seconds(CAST(hash(id, 'ct') % ({SPAN_DAYS} * 86400) AS BIGINT)),
               1 + hash(id, 'cb') % {managers}, owner_id FROM customers WHERE id % 9 = 0);
    INSERT INTO tasks
    SELECT i, 1 + hash(i, 'ta') % {managers}, CASE WHEN i % 3 = 0 THEN 1 + hash(i, 'tk') % {deals} END, NULL, due, CAST(timezone('Europe/Moscow', timezone('UTC', due)) AS DATE),
           CASE WHEN hash(i, 'td') % 5 > 0 THEN due + to_hours(CAST(hash(i, 'tl') % 72 AS BIGINT) - 48) END,
           due - INTERVAL 3 DAY, false
    FROM (SELECT i, TIMESTAMP '{END}' - to_seconds(CAST(hash(i, 'tt') % ({SPAN_DAYS} * 86400) AS BIGINT)) AS due
          FROM range(1, {deals // 2 + 1}) t(i))""")
    # one paying order per won deal (most of them), some days after the win; and the shop's other orders
    con.execute(f"""
    CREATE OR REPLACE TABLE sales AS
    WITH paying AS (
        SELECT h.deal_id, d.customer_id AS cid, h.ts + to_hours(CAST(24 + hash(h.deal_id, 'pay') % 500 AS BIGINT)) AS ts,
               d.amount_k AS net_k
        FROM deal_history h JOIN deals d ON d.id = h.deal_id JOIN stages s ON s.id = h.to_stage_id
        WHERE s.kind = 'won' AND h.kind = 'move' AND hash(h.deal_id, 'paid') % 10 < 8
        QUALIFY row_number() OVER (PARTITION BY h.deal_id ORDER BY h.ts) = 1),
    retail AS (
        SELECT CAST(1 + hash(i, 'rc') % {people} AS BIGINT) AS cid,
               TIMESTAMP '{END}' - to_seconds(CAST(hash(i, 'rt') % ({SPAN_DAYS} * 86400) AS BIGINT)) AS ts,
               100 * (1 + hash(i, 'rk') % 5000) AS net_k
        FROM range(1, {deals + 1}) t(i)),
    everything AS (SELECT deal_id, cid, ts, net_k FROM paying UNION ALL SELECT NULL, cid, ts, net_k FROM retail)
    SELECT row_number() OVER (ORDER BY ts) AS oid, cid, CAST(timezone('Europe/Moscow', timezone('UTC', ts)) AS DATE) AS day,
           ts, CAST(net_k AS BIGINT) AS net_k, CAST(net_k * 0.6 AS BIGINT) AS cost_k, deal_id,
           CAST(1 + hash(ts, 'it') % 4 AS DOUBLE) AS items, CAST(hash(ts, 'uc') % 50 = 0 AS INTEGER) AS uncosted
    FROM everything ORDER BY day, oid""")
    con.execute("INSERT INTO deal_orders SELECT oid, deal_id FROM sales WHERE deal_id IS NOT NULL")
    # a year of daily spend for 200 campaigns, campaign c run on source c % 8
    con.execute(f"""
    INSERT INTO ad_costs
    SELECT DATE '{END}' - CAST(d AS INTEGER), 'src' || (c % 8), 'camp' || c, 100 * (500 + hash(c, d) % 5000),
           10 + hash(c, d, 'k') % 300, 1000 + hash(c, d, 'i') % 20000
    FROM range(0, 365) a(d), range(0, 200) b(c)""")
    con.execute("ALTER TABLE sales DROP COLUMN deal_id")
    # the orders' receipts: 20 outlets, 80 sellers (a receipt in twelve names none), some paid partly with points, a
    # few not completed; loyalty cards: most people joined an hour or a day before a purchase, the rest at any time
    con.execute(f"""
    INSERT INTO receipts
    SELECT oid, CASE WHEN hash(oid, 'anon') % 7 = 0 THEN NULL ELSE cid END, 1 + hash(oid, 'out') % 20,
           CASE WHEN hash(oid, 'st') % 12 > 0 THEN 'Seller ' || (hash(oid, 'sn') % 80) END, day, ts,
           hash(oid, 'ok') % 40 > 0, CASE WHEN hash(oid, 'pt') % 6 = 0 THEN 100 * (1 + hash(oid, 'pv') % 300) ELSE 0 END
    FROM sales;
    INSERT INTO loyalty_accounts
    SELECT cid, joined, CAST(timezone('Europe/Moscow', timezone('UTC', joined)) AS DATE) FROM (
        SELECT cid, CASE WHEN hash(cid, 'lj') % 4 > 0 THEN first - to_hours(CAST(hash(cid, 'lh') % 30 AS BIGINT))
                         ELSE TIMESTAMP '{END}' - to_seconds(CAST(hash(cid, 'la') % ({SPAN_DAYS} * 86400) AS BIGINT))
                    END AS joined
        FROM (SELECT cid, min(ts) AS first FROM sales WHERE cid IS NOT NULL GROUP BY cid)
        WHERE hash(cid, 'lm') % 10 < 7)""")
