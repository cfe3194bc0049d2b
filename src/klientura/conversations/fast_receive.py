"""A messenger's message on PostgreSQL without the ORM, for the webhooks' everyday load: the message the provider
already delivered answered as it was; a message of an open conversation added to it in one statement; the first
message of a conversation routed by the repeat-request rule through :func:`klientura.sales.fast_lead` and its
conversation opened, in one transaction (the card's lock, taken there, makes two first messages of one person take
turns: the second finds the first's conversation).

Anything else raises :class:`klientura.sales.Fallback` with nothing written, and the hook takes the ORM path,
:func:`.service.receive`, the reference (a shared contact to add to the card, a card to fill in, a concurrent twin
of the same update, whatever fast_lead leaves to the ORM)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from klientura import customers, sales
from klientura.asyncdb import Connection
from klientura.conversations.schemas import Inbound
from klientura.conversations.service import inbound_actor
from klientura.conversations.sla import Sla
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop

SEEN = """
SELECT (SELECT conversation_id FROM conversation_messages WHERE channel = %(channel)s AND provider_id = %(pid)s),
       (SELECT id FROM conversation_messages WHERE channel = %(channel)s AND provider_id = %(pid)s),
       t.id, t.bot_state, (SELECT enabled FROM bots WHERE channel = %(channel)s),
       EXISTS (SELECT 1 FROM lead_routing WHERE mode <> 'off')
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT id, bot_state FROM conversations WHERE channel = %(channel)s AND peer = %(peer)s
                   AND status = 'open' ORDER BY id DESC LIMIT 1) AS t ON true
"""

JOIN = """
WITH talk AS (
    UPDATE conversations SET unread = unread + 1, last_at = %(now)s, waiting_since = COALESCE(waiting_since, %(now)s),
        sla_due_at = CASE WHEN waiting_since IS NULL THEN %(due)s ELSE sla_due_at END
    WHERE id = %(talk)s AND status = 'open' RETURNING id
)
INSERT INTO conversation_messages (conversation_id, channel, direction, provider_id, text, attachments, data, at)
SELECT id, %(channel)s, 'in', %(pid)s, %(text)s, %(attachments)s, %(data)s, %(now)s FROM talk
RETURNING conversation_id, id
"""

OPEN = """
WITH talk AS (  -- another first message of this person may have opened it while we waited for the card's lock
    SELECT id FROM conversations WHERE channel = %(channel)s AND peer = %(peer)s AND status = 'open'
    ORDER BY id DESC LIMIT 1
), joined AS (
    UPDATE conversations c SET unread = c.unread + 1, last_at = %(now)s,
        waiting_since = COALESCE(c.waiting_since, %(now)s), lead_id = %(lead)s, deal_id = %(deal)s,
        sla_due_at = CASE WHEN c.waiting_since IS NULL THEN %(due)s ELSE c.sla_due_at END,
        assignee_id = COALESCE(c.assignee_id, %(owner)s)
    FROM talk WHERE c.id = talk.id RETURNING c.id
), made AS (
    INSERT INTO conversations (channel, peer, subject, customer_id, lead_id, deal_id, assignee_id, status, unread,
                               waiting_since, sla_due_at, last_at, created_at)
    SELECT %(channel)s, %(peer)s, %(subject)s, %(card)s, %(lead)s, %(deal)s, %(owner)s, 'open', 1, %(now)s, %(due)s,
           %(now)s, %(now)s
    WHERE NOT EXISTS (SELECT 1 FROM talk) RETURNING id
)
INSERT INTO conversation_messages (conversation_id, channel, direction, provider_id, text, attachments, data, at)
SELECT id, %(channel)s, 'in', %(pid)s, %(text)s, %(attachments)s, %(data)s, %(now)s
FROM (SELECT id FROM joined UNION ALL SELECT id FROM made) AS one
RETURNING conversation_id, id
"""


async def fast_receive(
    conn: Connection, shop: Shop, inbound: Inbound, *, repeat_days: int, sla: Sla | None = None
) -> tuple[int, int]:
    """The conversation's and the message's ids (see the module)."""
    if inbound.provider_id is None or "phone" in inbound.identities:
        raise sales.Fallback
    now: datetime = shop.now()
    if sla is not None and sla.away_text(now) is not None:  # out of hours: the automatic answer is the ORM's
        raise sales.Fallback
    params: dict[str, Any] = {
        "channel": inbound.channel,
        "pid": inbound.provider_id,
        "peer": inbound.peer,
        "text": inbound.text[:8000],
        "attachments": Jsonb(inbound.attachments),
        "data": Jsonb(inbound.data),
        "subject": inbound.subject,
        "now": now,
        "due": sla.due(inbound.channel, now) if sla is not None else None,
    }
    async with conn.cursor() as cur:
        await cur.execute(SEEN, params, prepare=True)
        found = await cur.fetchone()
        assert found is not None  # one row of three subqueries
        seen_talk, seen_id, open_talk, bot_state, bot_on, routing = found
        if seen_id is not None:
            return int(seen_talk), int(seen_id)
        if bot_on and (open_talk is None or bot_state in ("bot", "asked")):  # the bot answers: the ORM path's
            raise sales.Fallback
        if open_talk is not None:
            await cur.execute(JOIN, {**params, "talk": open_talk}, prepare=True)
            row = await cur.fetchone()
            if row is None:  # closed meanwhile
                raise sales.Fallback
            return row[0], row[1]
    data = sales.LeadIn(
        customer=customers.CustomerIn.model_validate(inbound.identities),
        channel=inbound.lead_channel,
        text=inbound.text[:4000] or None,
        source=inbound.channel,
    )
    actor = inbound_actor(f"inbound:{inbound.channel}")
    try:
        # pipeline mode: BEGIN goes out with the card's statement, the conversation's statement with COMMIT — two
        # round trips fewer for a first message
        async with conn.pipeline(), conn.cursor() as cur:
            async with conn.transaction():
                outcome = await sales.fast_lead(conn, actor, data, shop=shop, repeat_days=repeat_days, within=True,
                                                routing=bool(routing))  # fmt: skip
                more = {"lead": outcome.lead_id, "deal": outcome.deal_id, "owner": outcome.owner_id}
                await cur.execute(OPEN, {**params, **more, "card": outcome.customer_id}, prepare=True)
            row = await cur.fetchone()
    except KlienturaError as exc:  # a refusal of the card's data: the ORM path words it
        raise sales.Fallback from exc
    assert row is not None
    return row[0], row[1]
