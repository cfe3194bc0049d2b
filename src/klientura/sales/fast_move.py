"""A deal's everyday move on PostgreSQL without the ORM: from an open stage to another open stage of its pipeline,
by an integration's API key, in one statement on an async connection — the deal locked and changed, the history
entry and the audit entry appended, the answer read back — written exactly as :func:`.deals.move_deal` writes them
(``tests/sales/test_fast_move.py`` compares the rows); a move to the stage the deal is in writes nothing and
answers the deal, as there.

Anything else raises :class:`Fallback` before a row is written and the endpoint takes the ORM path, which is the
reference: a user's session (their visibility), a closing or reopening move (the pipeline's roles, the lost reason),
an unknown, deleted or closed deal, a stage of another pipeline or archived.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg.rows import dict_row

from klientura.asyncdb import Connection
from klientura.audit import Actor
from klientura.auth import owner_scope, require
from klientura.sales.errors import Fallback
from klientura.sales.schemas import DealRead, MoveIn

MOVE = """
WITH d AS (
    SELECT id, pipeline_id, stage_id, status FROM deals
    WHERE id = %(deal)s AND deleted_at IS NULL AND status = 'open' FOR UPDATE
), t AS (
    SELECT st.id, st.probability, st.id = d.stage_id AS same FROM stages st JOIN d ON st.pipeline_id = d.pipeline_id
    WHERE st.id = %(stage)s AND st.kind = 'open' AND NOT st.archived
), s AS (
    SELECT id, probability FROM t WHERE NOT same
), u AS (
    UPDATE deals SET stage_id = s.id, lost_reason = NULL, closed_at = NULL, updated_at = %(now)s
    FROM d, s WHERE deals.id = d.id
    RETURNING deals.*
), r AS (
    SELECT * FROM u
    UNION ALL
    SELECT deals.* FROM deals JOIN d ON deals.id = d.id JOIN t ON t.same
), h AS (
    INSERT INTO deal_history (deal_id, at, actor_id, actor_name, from_stage_id, to_stage_id, owner_id, amount,
                              probability, reason, kind)
    SELECT u.id, %(now)s, %(actor_id)s, %(actor_name)s, d.stage_id, u.stage_id, u.owner_id, u.amount,
           coalesce(u.probability, s.probability), NULL, 'move'
    FROM u, d, s
), a AS (
    INSERT INTO audit_log (at, actor_type, actor_id, actor_name, action, entity, entity_id, before, after)
    SELECT %(now)s, %(actor_type)s, %(actor_id)s, %(actor_name)s, 'deal.move', 'deal', u.id::text,
           jsonb_build_object('stage_id', d.stage_id, 'status', d.status),
           jsonb_build_object('stage_id', u.stage_id, 'status', u.status)
    FROM u, d
)
SELECT r.*,
       coalesce((SELECT array_agg(l.order_id ORDER BY l.order_id) FROM deal_orders l WHERE l.deal_id = r.id), '{}')
           AS order_ids,
       coalesce((SELECT sum(o.paid) FROM deal_orders l JOIN orders o ON o.id = l.order_id
                 WHERE l.deal_id = r.id AND o.status = 'completed'), 0) AS paid_amount
FROM r
"""


async def fast_move(conn: Connection, actor: Actor, deal_id: int, data: MoveIn, now: datetime) -> DealRead:
    """``now`` is the shop's clock (the server's time; no backdating)."""
    require(actor, "sales:write")
    if actor.type != "api_key" or owner_scope(actor) is not None or data.lost_reason:
        raise Fallback
    params: dict[str, Any] = {
        "deal": deal_id,
        "stage": data.stage_id,
        "now": now,
        "actor_type": actor.type,
        "actor_id": actor.id,
        "actor_name": actor.name[:200],
    }
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(MOVE, params, prepare=True)
        row = await cur.fetchone()
    if row is None:
        raise Fallback
    read = DealRead.model_validate(row)
    read.order_ids = list(row["order_ids"])
    read.paid_amount = Decimal(row["paid_amount"])
    return read
