"""Opaque cursors for keyset pagination: the last seen sort key, base64-encoded JSON."""

from __future__ import annotations

import base64
import json
from typing import Any

from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

__all__ = ["decode_cursor", "encode_cursor"]

BAD_CURSOR = code("cursor.invalid", N_("invalid cursor"))


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ValidationFailed(BAD_CURSOR) from exc
    if not isinstance(value, list):
        raise ValidationFailed(BAD_CURSOR)
    return value
