"""Errors that every layer understands; transports render them (problem+json, UI message, CLI line)."""

from __future__ import annotations

from typing import Any


class KlienturaError(Exception):
    """Base of all expected errors. ``status`` is the HTTP status a transport should use."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ValidationFailed(KlienturaError):
    status = 422
    title = "Validation failed"
    type_slug = "validation-failed"


class NotFound(KlienturaError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(KlienturaError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class Forbidden(KlienturaError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class Unauthorized(KlienturaError):
    status = 401
    title = "Unauthorized"
    type_slug = "unauthorized"


def invalid(exc: Any) -> ValidationFailed:
    """A pydantic ``ValidationError`` as the domain's error: the first problem, where it is ('tiers.1: ...')."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return ValidationFailed(f"{where}: {message}" if where else message)
