"""Users, roles, API keys with scopes, idempotency records."""

from klientura.auth.errors import KEY_LENGTH, KEY_RACE_FAILED, NOT_SIGNED_IN
from klientura.auth.models import ApiKey, IdempotencyRecord, User
from klientura.auth.permissions import ROLES, SCOPES, can, owner_scope, permissions_of, require

__all__ = [
    "KEY_LENGTH",
    "KEY_RACE_FAILED",
    "NOT_SIGNED_IN",
    "ROLES",
    "SCOPES",
    "ApiKey",
    "IdempotencyRecord",
    "User",
    "can",
    "owner_scope",
    "permissions_of",
    "require",
]
