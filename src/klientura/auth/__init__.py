"""Users, roles, API keys with scopes, idempotency records."""

from klientura.auth.errors import KEY_LENGTH, KEY_RACE_FAILED, NOT_SIGNED_IN
from klientura.auth.models import ApiKey, IdempotencyRecord, User
from klientura.auth.permissions import ROLES, SCOPES, Permission, Role, can, owner_scope, permissions_of, require
from klientura.auth.service import (
    actor_for_api_key,
    actor_for_user,
    authenticate,
    cached_api_key_actor,
    create_api_key,
    create_user,
    get_user,
    idempotent_lookup,
    idempotent_store,
    revoke_api_key,
)

__all__ = [
    "KEY_LENGTH",
    "KEY_RACE_FAILED",
    "NOT_SIGNED_IN",
    "ROLES",
    "SCOPES",
    "ApiKey",
    "IdempotencyRecord",
    "Permission",
    "Role",
    "User",
    "actor_for_api_key",
    "actor_for_user",
    "authenticate",
    "cached_api_key_actor",
    "can",
    "create_api_key",
    "create_user",
    "get_user",
    "idempotent_lookup",
    "idempotent_store",
    "owner_scope",
    "permissions_of",
    "require",
    "revoke_api_key",
]
