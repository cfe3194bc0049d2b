"""Who may do what: the codes of refusals to sign in and to act."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

UNKNOWN_ROLE = code("user.role.unknown", N_("unknown role '%(value)s'; use one of %(allowed)s"))
SHORT_PASSWORD = code("user.password.short", N_("a password needs at least 8 characters"))
USER_EXISTS = code("user.exists", N_("a user with e-mail %(email)s exists"))
WRONG_PASSWORD = code("auth.wrong_password", N_("wrong e-mail or password"))
UNKNOWN_SCOPES = code("api_key.unknown_scopes", N_("unknown scopes: %(scopes)s"))
KEY_NOT_FOUND = code("api_key.not_found", N_("API key %(id)s not found"))
MALFORMED_KEY = code("api_key.malformed", N_("malformed API key"))
UNKNOWN_KEY = code("api_key.unknown", N_("unknown or revoked API key"))
KEY_REUSED = code("idempotency.key_reused", N_("Idempotency-Key was already used with a different request"))
KEY_LENGTH = code("idempotency.key_length", N_("Idempotency-Key must be 1-200 characters"))
KEY_RACE_FAILED = code(
    "idempotency.race_failed", N_("a concurrent request with the same Idempotency-Key failed; retry")
)
NOT_PERMITTED = code("auth.forbidden", N_("%(actor)s lacks the permission '%(permission)s'"))
NOT_SIGNED_IN = code("auth.required", N_("log in or send an API key: 'Authorization: Bearer kl_...'"))
FORM_THROTTLED = code("form.throttled", N_("too many submissions; try again in %(retry_after)s seconds"))
THROTTLED = code("auth.throttled", N_("too many failed attempts; try again in %(retry_after)s seconds"))
USER_NOT_FOUND = code("user.not_found", N_("user %(id)s not found"))
CROSS_SITE = code("auth.cross_site", N_("a request from another site was refused (no valid CSRF token)"))
TEAM_NOT_FOUND = code("team.not_found", N_("team %(id)s not found"))
TEAM_EXISTS = code("team.exists", N_("a team named %(name)s exists"))
NOT_A_HEAD = code("team.head_role", N_("user %(id)s cannot head a team: give them the role 'head' first"))
TELEGRAM_CHAT = code("user.telegram_chat", N_("'%(value)s' is not a Telegram chat id (digits, e.g. 123456789)"))
TELEGRAM_FOR_USERS = code("user.telegram_for_users", N_("Telegram reminders are a user's: an API key has none"))
