"""The request owns the transaction: committed when the handler returns (before the answer is sent), a conflict found
at commit is a 409, an error (raised or answered) writes nothing, and no GET route writes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth.service import create_user
from klientura.customers.models import Tag
from klientura.deps import SessionDep, new_router
from klientura.kit.errors import ValidationFailed
from tests import factories

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b", re.I)


def _app(app_factory: Any) -> FastAPI:
    """The real app with four routes that do what handlers do, each on the request's session."""
    app: FastAPI = app_factory()
    router = new_router(read="public", write="public")

    @router.post("/_t/ok")
    def ok(session: SessionDep) -> dict[str, str]:
        session.add(Tag(name="kept"))
        session.flush()
        return {"done": "yes"}

    @router.post("/_t/conflict")
    def conflict(session: SessionDep) -> dict[str, str]:
        session.add(Tag(name="taken"))  # not flushed: the unique index refuses it only when the request commits
        return {"done": "yes"}

    @router.post("/_t/raised")
    def raised(session: SessionDep) -> dict[str, str]:
        session.add(Tag(name="raised"))
        session.flush()
        raise ValidationFailed("refused after a flush")

    @router.post("/_t/answered")
    def answered(session: SessionDep) -> JSONResponse:
        session.add(Tag(name="answered"))
        session.flush()
        return JSONResponse({"error": "shown, not raised"}, status_code=422)

    app.include_router(router)
    return app


def route_table(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """Every route of the app as (path, methods), through included routers (FastAPI keeps them nested)."""
    for route in routes:
        if (inner := getattr(route, "original_router", None)) is not None:
            yield from route_table(inner.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            yield prefix + route.path, set(route.methods)


def _tags(app_session: Session) -> set[str]:
    app_session.expire_all()
    return set(app_session.scalars(select(Tag.name)))


def test_success_commits_and_a_conflict_at_commit_is_a_409_not_a_200(app_factory: Any, app_session: Session) -> None:
    app_session.add(Tag(name="taken"))
    app_session.commit()
    with TestClient(_app(app_factory), raise_server_exceptions=False) as client:
        assert client.post("/_t/ok").status_code == 200
        assert "kept" in _tags(app_session)
        r = client.post("/_t/conflict")
        assert r.status_code == 409, r.text  # the answer was built, but not sent before the commit failed
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 409
        assert app_session.scalar(select(func.count()).where(Tag.name == "taken")) == 1


def test_an_error_raised_or_answered_writes_nothing(app_factory: Any, app_session: Session) -> None:
    with TestClient(_app(app_factory), raise_server_exceptions=False) as client:
        assert client.post("/_t/raised").status_code == 422
        assert client.post("/_t/answered").status_code == 422
    assert not {"raised", "answered"} & _tags(app_session)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def test_no_get_route_writes(app_factory: Any, app_session: Session, statements: list[str]) -> None:
    """Every GET route of the app, as an admin, on a base with a customer and an order: not one statement writes.
    (The open pixel and click links write their event by nature; with a token that is not valid they do not.)"""
    create_user(app_session, SYSTEM, "admin@test.local", "Admin", "admin", "password123")
    customer = factories.customer(app_session)
    factories.order(app_session, customer)
    app_session.commit()
    app = app_factory()
    values = {"customer_id": str(customer), "key": "welcome", "family": "temperature", "format": "csv"}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post(
            "/api/v1/auth/login", json={"email": "admin@test.local", "password": "password123"}
        ).is_success
        statements.clear()
        tried = 0
        for template, methods in route_table(app.routes):
            if "GET" not in methods or template.startswith(("/static", "/api/v1/docs")):
                continue
            path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "1"), template)
            r = client.get(path, follow_redirects=False)
            assert r.status_code < 500, (path, r.status_code, r.text[:300])
            writes = [s for s in statements if WRITE.match(s)]
            assert not writes, (path, writes)
            statements.clear()
            tried += 1
    assert tried > 40


def test_an_error_in_a_fragment_is_escaped_not_built_into_html(app_factory: Any, app_session: Session) -> None:
    """The sort order came back in the error's words, and the words went into HTML as they were (reflected XSS)."""
    create_user(app_session, SYSTEM, "admin@test.local", "Admin", "admin", "password123")
    app_session.commit()
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        client.post("/api/v1/auth/login", json={"email": "admin@test.local", "password": "password123"})
        r = client.get("/customers/rows", params={"sort": "<img src=x onerror=alert(1)>"})
    assert r.status_code == 200 and "<img" not in r.text and "&lt;img" in r.text
