"""A request (lead) from an integration on PostgreSQL without the ORM: the person's card found and locked, or made
(:func:`klientura.customers.card_for_request`), then the repeat-request rule decided and everything written in one
statement — the lead, its owner's task and the task's first event, the audit entry, the Idempotency-Key's answer —
in one transaction on an async connection, written as :func:`.leads.submit_request` writes them
(``tests/sales/test_fast_lead.py`` compares the rows).

Anything else raises :class:`Fallback` with nothing written (the transaction rolled back) and the endpoint takes
the ORM path, the reference: a user's session, a card given by id or a company, a request that adds to a known
card or brings consents or tags, a person whose deal was won lately (a repeat deal is opened there), a key already
answered.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from klientura import customers
from klientura.asyncdb import Connection
from klientura.audit import Actor
from klientura.auth import owner_scope, require
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop
from klientura.sales.errors import Fallback
from klientura.sales.schemas import LeadIn, LeadOutcome

# a routing rule in force: a new person's request is the ORM path's to route
ROUTED = "SELECT 1 FROM lead_routing WHERE mode <> 'off' LIMIT 1"

ROUTE = """
WITH od AS (  -- the person's open deal: their own first, else one of a live company they are a contact of
    SELECT id, owner_id FROM (
        SELECT d.id, d.owner_id, 1 AS mine, d.updated_at FROM deals d
        WHERE d.customer_id = %(card)s AND d.status = 'open' AND d.deleted_at IS NULL
        UNION ALL  -- two index scans (an OR of the two would read every deal)
        SELECT d.id, d.owner_id, 0 AS mine, d.updated_at FROM deals d
        WHERE d.company_id IN (SELECT cc.company_id FROM company_contacts cc JOIN companies co ON co.id = cc.company_id
                               WHERE cc.customer_id = %(card)s AND co.deleted_at IS NULL)
          AND d.status = 'open' AND d.deleted_at IS NULL
    ) AS both_kinds
    ORDER BY mine DESC, updated_at DESC, id DESC LIMIT 1
), won AS (
    SELECT 1 AS x FROM deals
    WHERE customer_id = %(card)s AND status = 'won' AND deleted_at IS NULL AND closed_at >= %(since)s LIMIT 1
), ol AS (
    SELECT id, owner_id FROM leads WHERE customer_id = %(card)s AND status = 'open' AND deleted_at IS NULL
    ORDER BY id DESC LIMIT 1
), dec AS (
    SELECT CASE WHEN EXISTS (SELECT 1 FROM idempotency_keys WHERE actor = %(idem_actor)s AND key = %(idem_key)s)
                    THEN 'replay'
                WHEN od.id IS NOT NULL THEN 'attached'
                WHEN won.x IS NOT NULL THEN 'repeat'
                WHEN ol.id IS NOT NULL THEN 'joined'
                ELSE 'lead' END AS outcome,
           od.id AS deal_id, od.owner_id AS deal_owner, ol.id AS lead_id, ol.owner_id AS lead_owner
    FROM (SELECT 1) AS one LEFT JOIN od ON true LEFT JOIN won ON true LEFT JOIN ol ON true
), l AS (
    INSERT INTO leads (customer_id, channel, text, source, utm_source, utm_medium, utm_campaign, status, outcome,
                       parent_id, deal_id, owner_id, created_at, closed_at)
    SELECT %(card)s, %(channel)s, %(text)s, %(source)s, %(utm_source)s, %(utm_medium)s, %(utm_campaign)s,
           CASE WHEN outcome = 'lead' THEN 'open' ELSE 'attached' END, outcome,
           CASE WHEN outcome = 'joined' THEN lead_id END,
           CASE WHEN outcome = 'attached' THEN deal_id END,
           CASE outcome WHEN 'attached' THEN deal_owner WHEN 'joined' THEN lead_owner ELSE %(card_owner)s END,
           %(now)s, CASE WHEN outcome = 'lead' THEN NULL ELSE %(now)s END
    FROM dec WHERE outcome IN ('lead', 'joined', 'attached')
    RETURNING id, outcome, parent_id, deal_id, owner_id
), t AS (
    INSERT INTO tasks (kind, title, assignee_id, due_at, lead_id, deal_id, customer_id, created_at)
    SELECT %(task_kind)s, %(task_title)s, l.owner_id, %(now)s, l.id, l.deal_id, %(card)s, %(now)s
    FROM l JOIN users u ON u.id = l.owner_id AND u.is_active
    RETURNING id, assignee_id
), e AS (
    INSERT INTO task_events (task_id, at, actor_id, actor_name, kind, to_user_id, due_at)
    SELECT t.id, %(now)s, %(actor_id)s, %(actor_name)s, 'created', t.assignee_id, %(now)s FROM t
), a AS (
    INSERT INTO audit_log (at, actor_type, actor_id, actor_name, action, entity, entity_id, before, after)
    SELECT %(now)s, %(actor_type)s, %(actor_id)s, %(actor_name)s, 'lead.create', 'lead', l.id::text, NULL,
           jsonb_build_object('outcome', l.outcome, 'deal_id', l.deal_id)
    FROM l
), answer AS (
    SELECT l.outcome, l.id AS lead_id, l.parent_id AS parent_lead_id, l.deal_id, l.owner_id,
           (SELECT id FROM t) AS task_id
    FROM l
), k AS (
    INSERT INTO idempotency_keys (actor, key, request_hash, status_code, body, created_at)
    SELECT %(idem_actor)s, %(idem_key)s, %(idem_hash)s, 201,
           to_jsonb(answer) || jsonb_build_object('customer_id', %(card)s::int, 'customer_created', %(created)s::bool),
           %(now)s
    FROM answer WHERE %(idem_key)s::text IS NOT NULL
)
SELECT dec.outcome, answer.lead_id, answer.parent_lead_id, answer.deal_id, answer.owner_id, answer.task_id
FROM dec LEFT JOIN answer ON true
"""


async def fast_lead(
    conn: Connection,
    actor: Actor,
    data: LeadIn,
    *,
    shop: Shop,
    repeat_days: int,
    idem: tuple[str, str] | None = None,
    within: bool = False,
    routing: bool | None = None,
) -> LeadOutcome:
    """``idem`` is the request's Idempotency-Key and digest (:func:`klientura.api.idempotency.key_of`).
    ``within``: the caller's transaction is open and holds this work (no savepoint: two round trips fewer); a
    Fallback then leaves the caller to roll it back. ``routing``: whether a routing rule is on, when the caller has
    read it already (:data:`ROUTED`; None: read here when a new person's request needs it)."""
    require(actor, "sales:write")
    if actor.type not in ("api_key", "system") or owner_scope(actor) is not None:
        raise Fallback
    if data.customer is None or data.customer_id is not None or data.company_id is not None:
        raise Fallback
    try:
        prepared = customers.prepare(data.customer, shop=shop, source=data.channel)
    except KlienturaError as exc:  # the ORM path words the refusal
        raise Fallback from exc
    now = shop.now()
    async with contextlib.nullcontext() if within else conn.transaction():
        card = await customers.card_for_request(conn, actor, prepared, source=data.channel, now=now)
        if card is None:
            raise Fallback
        if card.owner_id is None:  # a new person's request may be routed to a manager on duty: the ORM's rule
            if routing is None:
                async with conn.cursor() as cur:
                    await cur.execute(ROUTED, prepare=True)
                    routing = await cur.fetchone() is not None
            if routing:
                raise Fallback
        params: dict[str, Any] = {
            "card": card.id,
            "card_owner": card.owner_id,
            "created": card.created,
            "since": now - timedelta(days=repeat_days),
            "now": now,
            "channel": data.channel,
            "text": data.text,
            "source": data.source or data.channel,
            "utm_source": data.utm_source,
            "utm_medium": data.utm_medium,
            "utm_campaign": data.utm_campaign,
            "task_kind": "call" if data.channel == "call" else "todo",
            "task_title": " ".join((data.text or "").split())[:300] or data.channel,
            "actor_type": actor.type,
            "actor_id": actor.id,
            "actor_name": actor.name[:200],
            "idem_actor": f"{actor.type}:{actor.id}",
            "idem_key": idem[0] if idem else None,
            "idem_hash": idem[1] if idem else None,
        }
        async with conn.cursor() as cur:
            await cur.execute(ROUTE, params, prepare=True)
            row = await cur.fetchone()
        assert row is not None
        outcome, lead_id, parent_id, deal_id, owner_id, task_id = row
        if lead_id is None:  # a repeat deal to open, or a key already answered: nothing was written
            raise Fallback
    return LeadOutcome(
        outcome=outcome,
        lead_id=lead_id,
        parent_lead_id=parent_id,
        deal_id=deal_id,
        customer_id=card.id,
        customer_created=card.created,
        owner_id=owner_id,
        task_id=task_id,
    )
