"""The sales side's tables in the warehouse: what the funnel, the managers' figures, the forecast and the end-to-end
analytics are computed from.

- ``deal_history`` is append-only in the store (a trigger refuses changes): a fact, copied by id. Its time is when
  the move happened (an imported entry's own time, else the server's), in UTC, with the shop's local day.
- ``owner_changes`` are the audit log's entries that changed the owner of a card, a lead or a company: who owned
  what when (the owner at the time of an order or a lead, not today's). A fact too; only those rows are kept.
- The rest change in place and are copied whole when their fingerprint moved: deals, stages, pipelines, users,
  teams, leads, deals' orders, tasks, conversations (their first reply), companies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TABLES = {
    "deal_history": "id BIGINT PRIMARY KEY, deal_id BIGINT NOT NULL, ts TIMESTAMP NOT NULL, day DATE NOT NULL, "
    "actor_id BIGINT, from_stage_id BIGINT, to_stage_id BIGINT NOT NULL, owner_id BIGINT, amount_k BIGINT NOT NULL, "
    "reason VARCHAR, kind VARCHAR NOT NULL",
    "owner_changes": "id BIGINT PRIMARY KEY, entity VARCHAR NOT NULL, entity_id BIGINT NOT NULL, ts TIMESTAMP NOT NULL, "
    "before_owner BIGINT, after_owner BIGINT",
    "deals": "id BIGINT PRIMARY KEY, pipeline_id BIGINT NOT NULL, stage_id BIGINT NOT NULL, status VARCHAR NOT NULL, "
    "customer_id BIGINT, company_id BIGINT, amount_k BIGINT NOT NULL, owner_id BIGINT, source VARCHAR, "
    "utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, lost_reason VARCHAR, created_ts TIMESTAMP NOT NULL, "
    "deleted BOOLEAN NOT NULL, title VARCHAR",
    "pipelines": "id BIGINT PRIMARY KEY, name VARCHAR, position INTEGER, archived BOOLEAN",
    "stages": "id BIGINT PRIMARY KEY, pipeline_id BIGINT, name VARCHAR, kind VARCHAR, probability INTEGER, "
    "position INTEGER, archived BOOLEAN",
    "users": "id BIGINT PRIMARY KEY, name VARCHAR, role VARCHAR, team_id BIGINT, is_active BOOLEAN",
    "teams": "id BIGINT PRIMARY KEY, name VARCHAR, head_id BIGINT",
    "deal_orders": "order_id BIGINT PRIMARY KEY, deal_id BIGINT NOT NULL",
    "leads": "id BIGINT PRIMARY KEY, customer_id BIGINT, company_id BIGINT, channel VARCHAR, source VARCHAR, "
    "utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, status VARCHAR, outcome VARCHAR, deal_id BIGINT, "
    "owner_id BIGINT, ts TIMESTAMP NOT NULL, day DATE NOT NULL, closed_ts TIMESTAMP, deleted BOOLEAN NOT NULL",
    "tasks": "id BIGINT PRIMARY KEY, assignee_id BIGINT, deal_id BIGINT, lead_id BIGINT, due_ts TIMESTAMP NOT NULL, "
    "due_day DATE NOT NULL, done_ts TIMESTAMP, created_ts TIMESTAMP NOT NULL, deleted BOOLEAN NOT NULL",
    "conversations": "id BIGINT PRIMARY KEY, lead_id BIGINT, deal_id BIGINT, customer_id BIGINT, assignee_id BIGINT, "
    "channel VARCHAR, created_ts TIMESTAMP NOT NULL, first_reply_ts TIMESTAMP",
    "companies": "id BIGINT PRIMARY KEY, owner_id BIGINT, deleted BOOLEAN NOT NULL",
    "receipts": "id BIGINT PRIMARY KEY, customer_id BIGINT, outlet_id BIGINT, staff VARCHAR, day DATE NOT NULL, "
    "ts TIMESTAMP NOT NULL, completed BOOLEAN NOT NULL, points_redeemed BIGINT NOT NULL",
    "loyalty_accounts": "customer_id BIGINT PRIMARY KEY, created_ts TIMESTAMP NOT NULL, created_day DATE NOT NULL",
    "ad_costs": "day DATE NOT NULL, source VARCHAR NOT NULL, campaign VARCHAR NOT NULL, cost_k BIGINT NOT NULL, "
    "clicks BIGINT, impressions BIGINT",
}

FACTS = {"deal_history": "deal_history", "owner_changes": "audit_log", "receipts": "orders"}  # warehouse: store

Local = Callable[[str], str]  # a UTC column -> the shop's local timestamp
Utc = Callable[[str], str]  # a UTC column -> a naive UTC timestamp


def _k(column: str) -> str:
    return f"CAST(round(CAST({column} AS DECIMAL(18, 2)) * 100) AS BIGINT)"


def fact_select(name: str, local: Local, utc: Utc) -> str:
    if name == "deal_history":
        at = "coalesce(s.occurred_at, s.at)"
        return (
            f"SELECT s.id, s.deal_id, {utc(at)}, CAST({local(at)} AS DATE), s.actor_id, s.from_stage_id, "
            f"s.to_stage_id, s.owner_id, {_k('s.amount')}, s.reason, s.kind FROM oltp.deal_history s"
        )
    if name == "receipts":  # who sold: the retail staff's figures
        return (
            f"SELECT s.id, s.customer_id, s.outlet_id, nullif(trim(s.staff), ''), CAST({local('s.placed_at')} AS DATE), "
            f"{utc('s.placed_at')}, s.status = 'completed', s.points_redeemed FROM oltp.orders s"
        )
    if name == "owner_changes":
        before = "json_extract_string(CAST(s.before AS VARCHAR), '$.owner_id')"
        after = "json_extract_string(CAST(s.after AS VARCHAR), '$.owner_id')"
        return (
            f"SELECT s.id, s.entity, CAST(s.entity_id AS BIGINT), {utc('s.at')}, TRY_CAST({before} AS BIGINT), "
            f"TRY_CAST({after} AS BIGINT) FROM oltp.audit_log s "
            f"WHERE s.entity IN ('customer', 'lead', 'company') AND {after} IS NOT NULL "
            f"AND {before} IS DISTINCT FROM {after}"
        )
    raise KeyError(name)


def dimensions(local: Local, utc: Utc) -> dict[str, str]:
    return {
        "deals": (
            f"SELECT id, pipeline_id, stage_id, status, customer_id, company_id, {_k('amount')}, owner_id, source, "
            f"utm_source, utm_medium, utm_campaign, lost_reason, {utc('created_at')}, deleted_at IS NOT NULL, title "
            "FROM oltp.deals"
        ),
        "pipelines": "SELECT id, name, position, archived FROM oltp.pipelines",
        "stages": "SELECT id, pipeline_id, name, kind, probability, position, archived FROM oltp.stages",
        "users": "SELECT id, name, role, team_id, is_active FROM oltp.users",
        "teams": "SELECT id, name, head_id FROM oltp.teams",
        "deal_orders": "SELECT order_id, deal_id FROM oltp.deal_orders",
        "leads": (
            f"SELECT id, customer_id, company_id, channel, source, utm_source, utm_medium, utm_campaign, status, "
            f"outcome, deal_id, owner_id, {utc('created_at')}, CAST({local('created_at')} AS DATE), "
            f"{utc('closed_at')}, deleted_at IS NOT NULL FROM oltp.leads"
        ),
        "tasks": (
            f"SELECT id, assignee_id, deal_id, lead_id, {utc('due_at')}, CAST({local('due_at')} AS DATE), "
            f"{utc('done_at')}, {utc('created_at')}, "
            "deleted_at IS NOT NULL FROM oltp.tasks"
        ),
        "conversations": (
            f"SELECT id, lead_id, deal_id, customer_id, assignee_id, channel, {utc('created_at')}, "
            f"{utc('first_reply_at')} FROM oltp.conversations"
        ),
        "companies": "SELECT id, owner_id, deleted_at IS NOT NULL FROM oltp.companies",
        "loyalty_accounts": f"SELECT customer_id, {utc('created_at')}, CAST({local('created_at')} AS DATE) "
        "FROM oltp.loyalty_accounts",
        "ad_costs": f"SELECT day, lower(source), lower(campaign), {_k('cost')}, clicks, impressions FROM oltp.ad_costs",
    }


def fingerprints(ms: Callable[[str], str], p: int) -> dict[str, str]:
    """Aggregates any insert, update or delete moves (see the sync's own)."""

    def n(column: str) -> str:
        return f"sum(coalesce({column}, 0) % {p})"

    return {
        "deals": f"SELECT count(*), {n('id')}, sum({ms('updated_at')}), {n('owner_id')} FROM deals",
        "pipelines": "SELECT count(*), sum(id), sum(position), sum(CASE WHEN archived THEN id ELSE 0 END), "
        "sum(length(name) * id) FROM pipelines",
        "stages": "SELECT count(*), sum(id), sum(position * id), sum(probability * id), "
        "sum(CASE WHEN archived THEN id ELSE 0 END), sum(length(name) * id), sum(length(kind) * id) FROM stages",
        "users": "SELECT count(*), sum(id), sum(coalesce(team_id, 0) * id), sum(CASE WHEN is_active THEN id ELSE 0 END), "
        "sum(length(name) * id), sum(length(role) * id) FROM users",
        "teams": "SELECT count(*), sum(id), sum(coalesce(head_id, 0) * id), sum(length(name) * id) FROM teams",
        "deal_orders": f"SELECT count(*), {n('order_id')}, {n('deal_id')}, "
        "sum((order_id % 1000) * (deal_id % 1000)) FROM deal_orders",
        "leads": f"SELECT count(*), {n('id')}, {n('owner_id')}, {n('deal_id')}, sum(length(status) * (id % 1000)), "
        f"sum({ms('closed_at')}), sum(CASE WHEN deleted_at IS NULL THEN 0 ELSE id % {p} END) FROM leads",
        "tasks": f"SELECT count(*), {n('id')}, {n('assignee_id')}, sum({ms('due_at')}), sum({ms('done_at')}), "
        f"sum(CASE WHEN deleted_at IS NULL THEN 0 ELSE id % {p} END) FROM tasks",
        "conversations": f"SELECT count(*), {n('id')}, {n('lead_id')}, {n('deal_id')}, sum({ms('first_reply_at')}) "
        "FROM conversations",
        "companies": f"SELECT count(*), {n('id')}, {n('owner_id')}, "
        f"sum(CASE WHEN deleted_at IS NULL THEN 0 ELSE id % {p} END) FROM companies",
        "loyalty_accounts": f"SELECT count(*), {n('id')}, {n('customer_id')}, sum({ms('created_at')}) "
        "FROM loyalty_accounts",
        "ad_costs": f"SELECT count(*), {n('id')}, sum(cost * (id % 1000)), sum(coalesce(clicks, 0) * (id % 1000)), "
        f"sum({ms('changed_at')}) FROM ad_costs",
    }


DEAL_FACTS = """
CREATE OR REPLACE TABLE deal_facts AS
WITH first AS (
    SELECT deal_id, ts AS born_ts, day AS born_day, owner_id AS born_owner, to_stage_id AS first_stage_id
    FROM deal_history
    QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY ts, id) = 1
)
SELECT d.id AS deal_id, d.pipeline_id, d.stage_id, d.status, d.customer_id, d.company_id, d.amount_k, d.owner_id,
       d.source, d.utm_source, d.utm_campaign, f.born_ts, f.born_day, f.born_owner, d.title,
       coalesce(lower(nullif(trim(d.utm_source), '')), lower(nullif(trim(d.source), ''))) AS src,
       coalesce(lower(trim(d.utm_campaign)), '') AS camp
FROM deals d JOIN first f ON f.deal_id = d.id
WHERE NOT d.deleted
ORDER BY f.born_day, d.id
"""
# Each live deal with when it was born (its first history entry: an import's own time, not the import's) and its
# owner then; sorted by that day so a cohort's scan skips the rest.

STAGE_MOVES = """
CREATE OR REPLACE TABLE stage_moves AS
SELECT h.id, h.deal_id, f.pipeline_id, h.ts, h.day, h.from_stage_id, h.to_stage_id, h.owner_id, h.amount_k,
       h.reason, t.kind AS to_kind,
       CASE WHEN t.kind = 'won' THEN 1000000 WHEN t.kind = 'lost' THEN -1 ELSE t.position END AS to_rank,
       CASE WHEN fs.kind = 'won' THEN 1000000 WHEN fs.kind = 'lost' THEN -1 ELSE fs.position END AS from_rank,
       fs.kind AS from_kind,
       lead(h.ts) OVER (PARTITION BY h.deal_id ORDER BY h.ts, h.id) AS left_ts,
       lead(h.day) OVER (PARTITION BY h.deal_id ORDER BY h.ts, h.id) AS left_day,
       lead(h.to_stage_id) OVER (PARTITION BY h.deal_id ORDER BY h.ts, h.id) AS next_stage_id
FROM deal_history h
JOIN deal_facts f ON f.deal_id = h.deal_id
JOIN stages t ON t.id = h.to_stage_id
LEFT JOIN stages fs ON fs.id = h.from_stage_id
WHERE h.from_stage_id IS NULL OR h.from_stage_id <> h.to_stage_id
ORDER BY h.day, h.id
"""
# Every change of stage of a live deal, with the ranks of both ends (open stages by position, won above them all,
# lost below), and when the deal left the stage it entered and for where (none: it is still there).


DEAL_SPANS = """
CREATE OR REPLACE TABLE deal_spans AS
SELECT h.deal_id, f.pipeline_id, h.ts, h.day, h.owner_id, h.to_stage_id AS stage_id, s.kind AS stage_kind, h.amount_k,
       lead(h.day) OVER (PARTITION BY h.deal_id ORDER BY h.ts, h.id) AS next_day
FROM deal_history h
JOIN deal_facts f ON f.deal_id = h.deal_id
JOIN stages s ON s.id = h.to_stage_id
ORDER BY h.day, h.deal_id
"""
# Who owned each live deal, in which stage and for how much, from each history entry to the next (any entry: a
# reassignment too): the deals in work at a moment are a filter, not a window, at report time. A span that begins
# and ends the same day is never the state at a day's end and is left out of those counts by its next_day.

_NEVER, _ALWAYS = "TIMESTAMP '1900-01-01 00:00:00'", "TIMESTAMP '9999-12-31 00:00:00'"
OWNERSHIP = f"""
CREATE OR REPLACE TABLE ownership AS
WITH ch AS (
    SELECT entity, entity_id, ts, before_owner, after_owner,
           lead(ts) OVER (PARTITION BY entity, entity_id ORDER BY ts, id) AS next_ts,
           row_number() OVER (PARTITION BY entity, entity_id ORDER BY ts, id) AS n
    FROM owner_changes
)
SELECT entity, entity_id, {_NEVER} AS from_ts, ts AS to_ts, before_owner AS owner_id FROM ch WHERE n = 1
UNION ALL
SELECT entity, entity_id, ts, coalesce(next_ts, {_ALWAYS}), after_owner FROM ch
UNION ALL
SELECT 'customer', c.id, {_NEVER}, {_ALWAYS}, c.owner_id FROM customers c
WHERE c.id NOT IN (SELECT entity_id FROM owner_changes WHERE entity = 'customer')
UNION ALL
SELECT 'company', c.id, {_NEVER}, {_ALWAYS}, c.owner_id FROM companies c
WHERE c.id NOT IN (SELECT entity_id FROM owner_changes WHERE entity = 'company')
UNION ALL
SELECT 'lead', l.id, {_NEVER}, {_ALWAYS}, l.owner_id FROM leads l
WHERE l.id NOT IN (SELECT entity_id FROM owner_changes WHERE entity = 'lead')
ORDER BY 1, 2, 3
"""
# Who owned a card, a company or a lead over time, from the audited changes of its owner: before the first change
# the owner it replaced, from each change the owner it set; never changed, its owner now. [from_ts, to_ts) in UTC.

TOUCHES = """
CREATE OR REPLACE TABLE touches AS
SELECT c.root_id AS cid, x.ts, x.src, x.camp FROM (
    SELECT customer_id, ts, coalesce(lower(nullif(trim(utm_source), '')), lower(nullif(trim(source), ''))) AS src,
           coalesce(lower(trim(utm_campaign)), '') AS camp
    FROM leads WHERE NOT deleted
    UNION ALL
    SELECT customer_id, born_ts, src, camp FROM deal_facts
) x JOIN customers c ON c.id = x.customer_id
WHERE x.src IS NOT NULL
ORDER BY 1, 2
"""
# Every touch of a person (their surviving card) with a source: their requests and their deals, with the source they
# came with (the UTM source and campaign, else the source recorded) — what orders and untagged deals are attributed to.

SOURCES_OF_DERIVED = frozenset(
    {"deal_history", "owner_changes", "deals", "stages", "leads", "companies", "customers"}
)  # a copy of any of them rebuilds the tables above


def build(con: Any) -> None:
    con.execute(DEAL_FACTS)
    con.execute(STAGE_MOVES)
    con.execute(DEAL_SPANS)
    con.execute(OWNERSHIP)
    con.execute(TOUCHES)
