"""Roles and API-key scopes map onto the same permission names, e.g. ``customers:write``."""

from __future__ import annotations

from typing import Literal, get_args

from klientura.audit import Actor
from klientura.auth.errors import NOT_PERMITTED
from klientura.kit.errors import Forbidden

Role = Literal["admin", "marketer", "head", "manager", "analyst"]
Permission = Literal[
    "customers:read",
    "customers:write",
    "orders:read",
    "orders:write",
    "events:read",
    "events:write",
    "catalog:read",
    "catalog:write",
    "dedup:write",
    "import:write",
    "analytics:read",
    "analytics:write",
    "segments:read",
    "segments:write",
    "loyalty:read",
    "loyalty:write",
    "loyalty:process",
    "campaigns:read",
    "campaigns:write",
    "sales:read",
    "sales:write",
    "users:admin",
]
ROLES: tuple[Role, ...] = get_args(Role)
SCOPES: tuple[Permission, ...] = get_args(Permission)  # a permission is also an API key's scope
_MANAGER = frozenset[Permission](
    {
        "customers:read",
        "customers:write",
        "orders:read",
        "orders:write",
        "events:read",
        "events:write",
        "catalog:read",
        "loyalty:read",
        "sales:read",
        "sales:write",
    }
)
_ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(SCOPES),
    "marketer": frozenset(s for s in SCOPES if s != "users:admin"),
    "analyst": frozenset(s for s in SCOPES if s.endswith(":read")),
    "head": _MANAGER | {"analytics:read", "segments:read", "campaigns:read"},
    "manager": _MANAGER,
}


def permissions_of(actor: Actor) -> frozenset[str]:
    if actor.type == "system" or "*" in actor.scopes:
        return frozenset(SCOPES)
    if actor.type == "api_key":
        return actor.scopes
    return _ROLE_PERMISSIONS.get(actor.role, frozenset())


def can(actor: Actor, permission: Permission) -> bool:
    return permission in permissions_of(actor)


def require(actor: Actor, permission: Permission) -> None:
    if not can(actor, permission):
        raise Forbidden(NOT_PERMITTED, actor=actor.name, permission=permission)


def owner_scope(actor: Actor) -> frozenset[int] | None:
    """The owners whose records the actor is confined to: a manager's own, a head of sales' own and their teams';
    None for everyone else (they see all)."""
    if actor.type == "user" and actor.role == "manager" and actor.id is not None:
        return frozenset({actor.id})
    if actor.type == "user" and actor.role == "head" and actor.id is not None:
        return actor.team | {actor.id}
    return None


def confined(actor: Actor) -> bool:
    """Whether the actor sees only some owners' records (a manager, a head of sales)."""
    return owner_scope(actor) is not None
