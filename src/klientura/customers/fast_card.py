"""The person's card for a request on PostgreSQL's async pool, inside the caller's transaction: the card their
identities point to, locked, when the request brings nothing new to it; else a new card with those identities —
as :func:`.resolve.resolve` finds or makes it, which stays the reference (``tests/sales/test_fast_lead.py``
compares the rows). ``None`` when the request needs that path: it adds an identity or a value to a known card, has
consents, tags, attributes or an owner to give, or its identities point to different cards or to a merged or
erased one. A concurrent request making the same person's card first raises :class:`klientura.asyncdb.Duplicate`
(a unique index): the caller's transaction rolls back and the ORM path lands on that card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from klientura.asyncdb import Connection
from klientura.audit import Actor, jsonable
from klientura.auth import owner_scope
from klientura.customers.resolve import CARD_FIELDS, PRIORITY, Prepared, owner_for, profile_diff

_FIELD_LIST = ", ".join(CARD_FIELDS)

LOCK = f"""
WITH asked AS (
    SELECT u.kind, u.value, u.n FROM unnest(%(kinds)s::text[], %(values)s::text[]) WITH ORDINALITY AS u(kind, value, n)
), found AS (
    SELECT i.kind, i.value, i.customer_id, array_position(%(priority)s::text[], i.kind::text) AS rank, asked.n
    FROM identities i JOIN asked ON i.kind = asked.kind AND i.value = asked.value
)
SELECT c.id, c.owner_id, c.merged_into_id IS NOT NULL OR c.erased_at IS NOT NULL AS gone, {_FIELD_LIST},
       (SELECT array_agg(DISTINCT customer_id) FROM found) AS holders, (SELECT count(*) FROM found) AS known
FROM customers c
WHERE c.id = (SELECT customer_id FROM found ORDER BY rank, n LIMIT 1)
FOR UPDATE OF c
"""

CREATE = f"""
WITH c AS (
    INSERT INTO customers ({_FIELD_LIST}, owner_id, attributes, created_at, updated_at)
    VALUES ({", ".join(f"%({name})s" for name in CARD_FIELDS)}, %(owner)s, '{{}}', %(now)s, %(now)s)
    RETURNING id
), i AS (
    INSERT INTO identities (customer_id, kind, value, raw, source, is_primary, created_at)
    SELECT c.id, u.kind, u.value, u.raw, %(source)s, false, %(now)s
    FROM c, unnest(%(kinds)s::text[], %(values)s::text[], %(raws)s::text[]) WITH ORDINALITY AS u(kind, value, raw, n)
    ORDER BY u.n
), a AS (
    INSERT INTO audit_log (at, actor_type, actor_id, actor_name, action, entity, entity_id, before, after)
    SELECT %(now)s, %(actor_type)s, %(actor_id)s, %(actor_name)s, 'customer.create', 'customer', c.id::text, NULL,
           %(after)s
    FROM c
)
SELECT id FROM c
"""


@dataclass(frozen=True)
class Card:
    id: int
    owner_id: int | None
    created: bool


def plain(prepared: Prepared) -> bool:
    """Whether the request brings only identities and card values (what the fast path can take)."""
    return bool(prepared.identities) and not (
        prepared.consents or prepared.tags or prepared.attributes or prepared.owner_id is not None
    )


async def card_for_request(
    conn: Connection, actor: Actor, prepared: Prepared, *, source: str | None, now: datetime
) -> Card | None:
    """Call inside a transaction: the known card is locked until it ends, so that two requests from one person
    take turns deciding (as :func:`.service.lock_card`)."""
    if not plain(prepared) or owner_scope(actor) is not None:
        return None
    kinds = [k for k, _v, _r in prepared.identities]
    values = [v for _k, v, _r in prepared.identities]
    async with conn.cursor() as cur:
        await cur.execute(LOCK, {"kinds": kinds, "values": values, "priority": list(PRIORITY)}, prepare=True)
        row = await cur.fetchone()
        if row is not None:
            return _known(row, prepared)
        owner = owner_for(actor, None, None)
        after: dict[str, Any] = {name: prepared.profile.get(name) for name in CARD_FIELDS}
        after |= {"owner_id": owner, "identities": [f"{k}:{v}" for k, v in zip(kinds, values, strict=True)]}
        params = {
            **{name: prepared.profile.get(name) for name in CARD_FIELDS},
            "owner": owner,
            "now": now,
            "source": source,
            "kinds": kinds,
            "values": values,
            "raws": [r for _k, _v, r in prepared.identities],
            "actor_type": actor.type,
            "actor_id": actor.id,
            "actor_name": actor.name,
            "after": Jsonb(jsonable(after)),
        }
        await cur.execute(CREATE, params, prepare=True)
        made = await cur.fetchone()
    assert made is not None
    return Card(id=made[0], owner_id=owner, created=True)


def _known(row: Any, prepared: Prepared) -> Card | None:
    card_id, owner_id, gone, *fields, holders, known = row
    if gone or holders != [card_id] or known != len(prepared.identities):
        return None  # identities of other cards, or new ones to add: the ORM path
    fills, conflicts = profile_diff(dict(zip(CARD_FIELDS, fields, strict=True)), prepared.profile)
    if fills or conflicts:
        return None
    return Card(id=card_id, owner_id=owner_id, created=False)
