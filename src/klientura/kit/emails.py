"""E-mail addresses: syntax check and normalisation (lower-case, IDNA domain), no DNS look-ups."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

__all__ = ["InvalidEmail", "normalize_email"]

EMAIL_EMPTY = code("email.empty", N_("empty e-mail"))
EMAIL_INVALID = code("email.invalid", N_("not a valid e-mail: '%(value)s' (%(why)s)"))


class InvalidEmail(ValidationFailed):
    type_slug = "invalid-email"


# The plain ASCII addresses that make up nearly every base; anything else goes through email-validator.
_SIMPLE = re.compile(r"[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}")


def normalize_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidEmail(EMAIL_EMPTY)
    lowered = text.lower()
    if len(lowered) <= 254 and _SIMPLE.fullmatch(lowered) and len(lowered.partition("@")[0]) <= 64:
        return lowered
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(EMAIL_INVALID, value=text, why=str(exc)) from exc
    return f"{info.local_part.lower()}@{info.ascii_domain.lower()}"
