"""Request bodies within limits, set by a plain ASGI middleware.

- **Size**: a JSON body or a form up to ``max_body_mb``, a file upload (multipart) up to ``max_upload_mb``. A body
  that says its length beyond the limit is refused before it is read; one that does not say (chunked) is counted
  as it arrives: a JSON body or a form is read here whole and answered 413 when it passes the limit, before the
  application sees it; an upload is streamed on to its handler and stopped when it passes the limit.
- **NUL**: a text with the character U+0000 (``\\u0000`` in JSON, ``%00`` in a query or a form) is refused with a
  422: PostgreSQL keeps no such text (it answered "text fields cannot contain NUL" deep in a handler), and no
  person's name or address holds one. A file upload is not looked into: an XLSX is binary.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from klientura.kit.errors import BODY_TOO_LARGE, TEXT_NUL, KlienturaError, TooLarge, ValidationFailed

_JSON_NUL = re.compile(rb"\x00|\\u0000", re.IGNORECASE)
_FORM_NUL = re.compile(rb"\x00|%00", re.IGNORECASE)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body_mb: int, max_upload_mb: int) -> None:
        self.app = app
        self.body, self.upload = max_body_mb * 2**20, max_upload_mb * 2**20

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _FORM_NUL.search(scope.get("query_string", b"")) or _FORM_NUL.search(scope.get("raw_path") or b""):
            await _answer(send, ValidationFailed(TEXT_NUL))
            return
        headers = dict(scope["headers"])
        ctype = headers.get(b"content-type", b"")
        upload = ctype.startswith(b"multipart/form-data")
        limit = self.upload if upload else self.body
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, TooLarge(BODY_TOO_LARGE, limit=limit // 2**20))
            return
        if upload:  # streamed to the handler, counted as it goes (a multipart body always says its length first)
            await self.app(scope, _counted(receive, limit), send)
            return
        body, more = [], True
        size = 0
        while more:  # a JSON body or a form, read here whole (the handler would read it whole anyway)
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body.append(message.get("body", b""))
            size += len(body[-1])
            more = message.get("more_body", False)
            if size > limit:
                await _answer(send, TooLarge(BODY_TOO_LARGE, limit=limit // 2**20))
                return
        whole = b"".join(body)
        nul = _FORM_NUL if ctype.startswith(b"application/x-www-form-urlencoded") else _JSON_NUL
        if nul.search(whole):
            await _answer(send, ValidationFailed(TEXT_NUL))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(BODY_TOO_LARGE, limit=limit // 2**20)
        return message

    return counted


async def _answer(send: Send, error: KlienturaError) -> None:
    """A problem answered before the application saw the request."""
    body = json.dumps(
        {
            "type": f"https://klientura.dev/problems/{error.type_slug}",
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
            "code": error.key,
            "params": error.plain_params,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
