from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse

from klientura.db import Session
from klientura.kit.errors import KlienturaError
from klientura.web.render import explain


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


def perform(request: Request, session: Session, work: Callable[[], tuple[str, str]], fail_url: str) -> RedirectResponse:
    """Run a change (the request commits it); go to the page and message ``work`` returns, or back to ``fail_url``
    with the reason it was refused (nothing written: what the refused change flushed is rolled back)."""
    try:
        url, message = work()
    except KlienturaError as exc:
        session.rollback()
        return redirect(request, fail_url, explain(request, exc), "error")
    return redirect(request, url, message)
