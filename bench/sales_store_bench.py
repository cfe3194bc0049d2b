"""The sync of the sales side at a million deals: the generated department of bench/sales_warehouse.py written into a
SQLite store made by the migrations (deals, their ten million history entries, requests, tasks, conversations,
companies, cards, orders, loyalty cards, ad spend, owner changes in the audit log), then copied into a fresh
warehouse by ``analytics.sync`` — first in full, then with nothing changed, then after a thousand new moves.

    python -m bench.sales_store_bench [--deals 1000000]

Prints one JSON line per step: seconds, and the sync's peak memory (it runs in a child process). The store is kept
in bench/out/sales-store-<deals>.db; the warehouse it is generated from is bench/out/sales-<deals>.duckdb (made by
bench/sales_reports_bench.py, or here when missing).
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import time
from pathlib import Path

import duckdb

from bench.sales_reports_bench import OUT
from bench.sales_warehouse import generate
from klientura.analytics import sync
from klientura.analytics.warehouse import _load as load_extension  # the scanner from its wheel, offline
from klientura.migrations import upgrade

NOW = "TIMESTAMP '2026-12-01 09:00:00'"
COPIES = {
    "teams": f"SELECT id, name, head_id, {NOW} FROM w.teams",
    "users": f"SELECT id, 'm' || id || '@bench.local', name, role, 'x', 'ru', is_active, team_id, {NOW} FROM w.users",
    "pipelines": f"SELECT id, name, position, archived, {NOW} FROM w.pipelines",
    "stages": "SELECT id, pipeline_id, name, kind, probability, position, archived FROM w.stages",
    "customers": f"SELECT id, owner_id, '{{}}', {NOW}, {NOW} FROM w.customers",
    "companies": f"SELECT id, 'Company ' || id, owner_id, {NOW}, {NOW} FROM w.companies",
    "deals": "SELECT id, pipeline_id, stage_id, status, title, amount_k / 100.0, customer_id, company_id, owner_id, "
    "source, utm_source, utm_campaign, created_ts, created_ts FROM w.deals",
    "deal_history": "SELECT h.id, h.deal_id, h.ts, 'bench', h.from_stage_id, h.to_stage_id, h.owner_id, "
    "h.amount_k / 100.0, s.probability, h.reason, h.kind FROM w.deal_history h JOIN w.stages s ON s.id = h.to_stage_id",
    "orders": "SELECT oid, 'bench', CAST(oid AS VARCHAR), cid, ts, 'completed', net_k / 100.0, 0, net_k / 100.0, 0, 0, "
    "ts FROM w.sales",
    "deal_orders": "SELECT o.order_id, o.deal_id, s.ts, 'bench' FROM w.deal_orders o JOIN w.sales s ON s.oid = o.order_id",
    "leads": "SELECT id, customer_id, channel, source, utm_source, utm_campaign, status, outcome, owner_id, ts, "
    "CASE WHEN deleted THEN ts END FROM w.leads",
    "tasks": "SELECT id, 'call', 'Call', assignee_id, deal_id, due_ts, done_ts, created_ts FROM w.tasks",
    "conversations": "SELECT id, channel, 'peer' || id, customer_id, 'open', 0, created_ts, created_ts, lead_id, "
    "assignee_id, first_reply_ts FROM w.conversations",
    "loyalty_accounts": "SELECT customer_id, 'base', created_ts FROM w.loyalty_accounts",
    "ad_costs": "SELECT row_number() OVER (), day, source, campaign, cost_k / 100.0, clicks, impressions, 'import', "
    f"'bench', {NOW} FROM w.ad_costs",
    "audit_log": "SELECT id, ts, 'user', 'bench', 'update', entity, CAST(entity_id AS VARCHAR), "
    "json_object('owner_id', before_owner), json_object('owner_id', after_owner) FROM w.owner_changes",
}
COLUMNS = {
    "teams": "id, name, head_id, created_at",
    "users": "id, email, name, role, password_hash, locale, is_active, team_id, created_at",
    "pipelines": "id, name, position, archived, created_at",
    "stages": "id, pipeline_id, name, kind, probability, position, archived",
    "customers": "id, owner_id, attributes, created_at, updated_at",
    "companies": "id, name, owner_id, created_at, updated_at",
    "deals": "id, pipeline_id, stage_id, status, title, amount, customer_id, company_id, owner_id, source, "
    "utm_source, utm_campaign, created_at, updated_at",
    "deal_history": "id, deal_id, at, actor_name, from_stage_id, to_stage_id, owner_id, amount, probability, reason, "
    "kind",
    "orders": "id, source, external_id, customer_id, placed_at, status, total, discount, paid, points_redeemed, "
    "points_earned, created_at",
    "deal_orders": "order_id, deal_id, linked_at, linked_by",
    "leads": "id, customer_id, channel, source, utm_source, utm_campaign, status, outcome, owner_id, created_at, "
    "deleted_at",
    "tasks": "id, kind, title, assignee_id, deal_id, due_at, done_at, created_at",
    "conversations": "id, channel, peer, customer_id, status, unread, last_at, created_at, lead_id, assignee_id, "
    "first_reply_at",
    "loyalty_accounts": "customer_id, tier, created_at",
    "ad_costs": "id, day, source, campaign, cost, clicks, impressions, origin, changed_by, changed_at",
    "audit_log": "id, at, actor_type, actor_name, action, entity, entity_id, before, after",
}


def write_store(warehouse: Path, store: Path) -> dict[str, int]:
    """The generated department into a new SQLite store; rows per table."""
    upgrade(f"sqlite:///{store}")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    load_extension(con, "sqlite")
    con.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")
    con.execute(f"ATTACH '{store}' AS s (TYPE sqlite)")
    counts = {}
    for name, select in COPIES.items():
        quoted = ", ".join(f'"{c.strip()}"' for c in COLUMNS[name].split(","))  # "at" is a keyword
        con.execute(f"INSERT INTO s.{name} ({quoted}) {select}")
        counts[name] = int(con.execute(f"SELECT count(*) FROM s.{name}").fetchone()[0])  # type: ignore[index]
    con.close()
    return counts


def _step(name: str, store: str, path: Path) -> None:
    t = time.perf_counter()
    report = sync(store, path, timezone="Europe/Moscow")
    peak = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    print(json.dumps({"step": name, "seconds": round(time.perf_counter() - t, 1), "peak_mb_so_far": peak,
                      "copied": report.copied}), flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=1_000_000)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    warehouse = OUT / f"sales-{args.deals}.duckdb"
    if not warehouse.exists():
        con = duckdb.connect(str(warehouse))
        con.execute("SET TimeZone = 'UTC'")
        generate(con, args.deals)
        con.close()
    store = OUT / f"sales-store-{args.deals}.db"
    if not store.exists():
        t = time.perf_counter()
        counts = write_store(warehouse, store)
        print(json.dumps({"step": "store", "seconds": round(time.perf_counter() - t, 1), **counts}), flush=True)
    url = f"sqlite:///{store}"
    path = OUT / f"sales-sync-{args.deals}.duckdb"
    path.unlink(missing_ok=True)
    _step("sync, first (full)", url, path)
    _step("sync, nothing changed", url, path)
    with sqlite3.connect(store) as db:  # a thousand deals change their amount
        top = db.execute("SELECT max(id) FROM deal_history").fetchone()[0]
        db.execute(
            "INSERT INTO deal_history (id, deal_id, at, actor_name, from_stage_id, to_stage_id, owner_id, amount, "
            "probability, reason, kind) SELECT ? + id, id, '2026-12-01 10:00:00.000000', 'bench', stage_id, stage_id, "
            "owner_id, amount + 1, 50, NULL, 'amount' FROM deals WHERE id <= 1000",
            (top,),
        )
        db.execute("UPDATE deals SET amount = amount + 1, updated_at = '2026-12-01 10:00:00.000000' WHERE id <= 1000")
    _step("sync, a thousand deals changed", url, path)


if __name__ == "__main__":
    main()
