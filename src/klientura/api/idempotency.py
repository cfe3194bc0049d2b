"""``Idempotency-Key``: a retried POST returns the stored answer instead of acting twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from klientura.audit import Actor
from klientura.auth import KEY_LENGTH, KEY_RACE_FAILED, idempotent_lookup, idempotent_store
from klientura.db import Session
from klientura.kit.errors import Conflict, ValidationFailed


def key_of(request: Request, payload: Any) -> tuple[str, str] | None:
    """The request's Idempotency-Key and the digest of what it asks, or None without a key."""
    return key_for(request.method, request.url.path, request.headers.get("idempotency-key"), payload)


def key_for(method: str, path: str, key: str | None, payload: Any) -> tuple[str, str] | None:
    """:func:`key_of` from the request's parts (the integrations' lane has no ``Request``)."""
    if key is None:
        return None
    if not 1 <= len(key) <= 200:
        raise ValidationFailed(KEY_LENGTH)
    digest = hashlib.sha256(json.dumps([method, path, jsonable_encoder(payload)], sort_keys=True).encode()).hexdigest()
    return key, digest


def run(
    request: Request, session: Session, actor: Actor, payload: Any, action: Callable[[], tuple[int, Any]]
) -> JSONResponse:
    """Run ``action`` (returns status and body) and remember the answer under the key; the request's session
    commits both. A key already answered is replayed; a key that a concurrent request answers while this one
    works wins: this request's work is rolled back and that answer replayed."""
    given = key_of(request, payload)
    if given is None:
        status, body = action()
        return JSONResponse(jsonable_encoder(body), status_code=status)
    key, digest = given
    stored = idempotent_lookup(session, actor, key, digest)
    if stored is not None:
        return _replay(stored.body, stored.status_code)
    status, body = action()
    encoded = jsonable_encoder(body)
    if not idempotent_store(session, actor, key, digest, status, encoded):
        session.rollback()
        stored = idempotent_lookup(session, actor, key, digest)
        if stored is None:
            raise Conflict(KEY_RACE_FAILED)
        return _replay(stored.body, stored.status_code)
    return JSONResponse(encoded, status_code=status)


def _replay(body: Any, status: int) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
