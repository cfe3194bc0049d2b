"""Users, roles, API keys with scopes, idempotency records."""

from klientura.auth.errors import CROSS_SITE, KEY_LENGTH, KEY_RACE_FAILED, NOT_SIGNED_IN
from klientura.auth.guard import Guard
from klientura.auth.models import ApiKey, IdempotencyRecord, User, UserSession
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
    list_api_keys,
    list_users,
    revoke_api_key,
    set_active,
    set_password,
    user_by_email,
)
from klientura.auth.sessions import end_session, end_sessions_of, start_session, user_of_session

__all__ = [
    "CROSS_SITE",
    "KEY_LENGTH",
    "KEY_RACE_FAILED",
    "NOT_SIGNED_IN",
    "ROLES",
    "SCOPES",
    "ApiKey",
    "Guard",
    "IdempotencyRecord",
    "Permission",
    "Role",
    "User",
    "UserSession",
    "actor_for_api_key",
    "actor_for_user",
    "authenticate",
    "cached_api_key_actor",
    "can",
    "create_api_key",
    "create_user",
    "end_session",
    "end_sessions_of",
    "get_user",
    "idempotent_lookup",
    "idempotent_store",
    "list_api_keys",
    "list_users",
    "owner_scope",
    "permissions_of",
    "require",
    "revoke_api_key",
    "set_active",
    "set_password",
    "start_session",
    "user_by_email",
    "user_of_session",
]
