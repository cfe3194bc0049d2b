from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from klientura.audit.models import AuditEntry
from klientura.db import Session


@dataclass(frozen=True)
class Actor:
    """Whoever acts: a user, an API key or the system itself; carried into every service call."""

    type: str
    id: int | None
    name: str
    role: str = "admin"
    scopes: frozenset[str] = field(default_factory=frozenset)
    team: frozenset[int] = field(default_factory=frozenset)  # a head of sales': the members of the teams they head

    @property
    def is_user(self) -> bool:
        return self.type == "user"


SYSTEM = Actor(type="system", id=None, name="system", role="admin", scopes=frozenset({"*"}))


def jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return result


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_type=actor.type,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=jsonable(before),
        after=jsonable(after),
    )
    session.add(entry)
    return entry


def list_entries(session: Session, entity: str, entity_id: object, limit: int = 100) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
