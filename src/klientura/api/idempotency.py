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
from klientura.auth.service import idempotent_lookup, idempotent_store
from klientura.db import Session, commit
from klientura.kit.errors import Conflict, ValidationFailed


def key_of(request: Request, payload: Any) -> tuple[str, str] | None:
    """The request's Idempotency-Key and the digest of what it asks, or None without a key."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 1 <= len(key) <= 200:
        raise ValidationFailed("Idempotency-Key must be 1-200 characters")
    digest = hashlib.sha256(
        json.dumps([request.method, request.url.path, jsonable_encoder(payload)], sort_keys=True).encode()
    ).hexdigest()
    return key, digest


def run(
    request: Request, session: Session, actor: Actor, payload: Any, action: Callable[[], tuple[int, Any]]
) -> JSONResponse:
    """Run ``action`` (returns status and body), commit, and remember the answer under the key."""
    given = key_of(request, payload)
    if given is None:
        status, body = action()
        commit(session)
        return JSONResponse(jsonable_encoder(body), status_code=status)
    key, digest = given
    stored = idempotent_lookup(session, actor, key, digest)
    if stored is not None:
        return JSONResponse(stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"})
    status, body = action()
    encoded = jsonable_encoder(body)
    idempotent_store(session, actor, key, digest, status, encoded)
    try:
        commit(session)
    except Conflict:  # the same key won a race in another request: answer as it did
        stored = idempotent_lookup(session, actor, key, digest)
        if stored is None:
            raise
        return JSONResponse(stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"})
    return JSONResponse(encoded, status_code=status)
