"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from klientura.db import DataError, IntegrityError
from klientura.kit.errors import KlienturaError

MEDIA = "application/problem+json"
log = logging.getLogger("klientura.api")


def problem(status: int, title: str, detail: str, slug: str, instance: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"https://klientura.dev/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA)


def install(app: FastAPI) -> None:
    @app.exception_handler(KlienturaError)
    async def _domain(request: Request, exc: KlienturaError) -> JSONResponse:
        where = {"field": exc.field} if exc.field else {}
        answer = problem(
            exc.status,
            exc.title,
            exc.detail,
            exc.type_slug,
            request.url.path,
            code=exc.key,
            **where,
            params=exc.plain_params,
        )
        if exc.status == 429 and "retry_after" in exc.params:
            answer.headers["Retry-After"] = str(exc.params["retry_after"])
        return answer

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        return problem(
            422,
            "Validation failed",
            detail,
            "validation-failed",
            request.url.path,
            code="request.invalid",
            errors=errors,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            "http-error",
            request.url.path,
            code=f"http.{exc.status_code}",
        )

    # the store's own refusals that a check before it should have turned into a clear answer: still not a 500, and
    # logged so the missing check is found (the request's transaction is rolled back: nothing was saved)
    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return problem(
            409,
            "Conflict",
            "the change conflicts with what is stored (a duplicate, or a reference to nothing); nothing was saved",
            "conflict",
            request.url.path,
            code="store.conflict",
        )

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        log.warning("value out of range on %s: %s", request.url.path, exc)
        return problem(
            422,
            "Validation failed",
            "a value is out of the range the store keeps; nothing was saved",
            "validation-failed",
            request.url.path,
            code="store.out_of_range",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(
            500,
            "Internal error",
            "an unexpected error occurred; it has been logged",
            "internal",
            request.url.path,
            code="internal",
        )
