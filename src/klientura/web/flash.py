from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse


def redirect(request: Request, url: str, message: str | None = None, kind: str = "ok") -> RedirectResponse:
    if message:
        put(request, message, kind)
    return RedirectResponse(url, status_code=303)


def put(request: Request, message: str, kind: str = "ok") -> None:
    """A message for the next page the user sees."""
    request.session["flash"] = [message, kind]


def pop(request: Request) -> tuple[str | None, str | None]:
    value = request.session.pop("flash", None)
    if not value:
        return None, None
    return str(value[0]), str(value[1])
