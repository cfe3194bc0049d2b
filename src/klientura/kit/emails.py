"""E-mail addresses: syntax check and normalisation (lower-case, IDNA domain), no DNS look-ups."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from klientura.kit.errors import ValidationFailed

__all__ = ["InvalidEmail", "normalize_email"]


class InvalidEmail(ValidationFailed):
    type_slug = "invalid-email"


# The plain ASCII addresses that make up nearly every base; anything else goes through email-validator.
_SIMPLE = re.compile(r"[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}")


def normalize_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidEmail("empty e-mail")
    lowered = text.lower()
    if len(lowered) <= 254 and _SIMPLE.fullmatch(lowered) and len(lowered.partition("@")[0]) <= 64:
        return lowered
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(f"not a valid e-mail: {text!r} ({exc})") from exc
    return f"{info.local_part.lower()}@{info.ascii_domain.lower()}"
