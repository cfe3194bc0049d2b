from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura.auth import authenticate
from klientura.deps import SessionDep, new_router
from klientura.kit.errors import Unauthorized
from klientura.web.render import gettext_for, render

router = new_router()


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/customers"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/customers") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    email: str = Form(...),
    password: str = Form(...),
    next: str = Form("/customers"),
) -> HTMLResponse | RedirectResponse:
    _ = gettext_for(request)
    try:
        user = authenticate(session, email, password)
    except Unauthorized:
        return render(
            request, "login.html", {"error": _("Wrong e-mail or password."), "email": email, "next": next}, status=401
        )
    request.session.clear()
    request.session["user_id"] = user.id
    response = RedirectResponse(_safe_next(next), status_code=303)
    if not request.cookies.get("lang"):
        response.set_cookie("lang", user.locale, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/customers", status_code=303)
