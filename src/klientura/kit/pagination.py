"""Opaque cursors for keyset pagination: the last seen sort key, base64-encoded JSON."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_

__all__ = ["decode_cursor", "encode_cursor"]

BAD_CURSOR = code("cursor.invalid", N_("invalid cursor"))


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, shape: Sequence[type[int] | type[str]]) -> list[Any]:
    """The values of a cursor we made, checked against ``shape`` (the type of each sort key): a cursor forged or
    damaged into a list, an object, a huge number or a long text is a 422, never a query the store refuses."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ValidationFailed(BAD_CURSOR) from exc
    if not isinstance(value, list) or len(value) != len(shape):
        raise ValidationFailed(BAD_CURSOR)
    for v, kind in zip(value, shape, strict=True):
        if kind is int and not (type(v) is int and -(2**63) <= v < 2**63):
            raise ValidationFailed(BAD_CURSOR)
        if kind is str and not (isinstance(v, str) and len(v) <= 500):
            raise ValidationFailed(BAD_CURSOR)
    return value
