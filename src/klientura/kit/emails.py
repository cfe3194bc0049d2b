"""E-mail addresses: syntax check and normalisation (lower-case, IDNA domain), no DNS look-ups."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from klientura.kit.errors import ValidationFailed

__all__ = ["InvalidEmail", "normalize_email"]


class InvalidEmail(ValidationFailed):
    type_slug = "invalid-email"


def normalize_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidEmail("empty e-mail")
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(f"not a valid e-mail: {text!r} ({exc})") from exc
    return f"{info.local_part.lower()}@{info.ascii_domain.lower()}"
