from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura.auth import authenticate
from klientura.deps import SessionDep, address_of, sign_in, sign_out
from klientura.kit.errors import TooManyRequests, Unauthorized
from klientura.web.render import gettext_for, page_router, render

router = page_router(read="public", write="public")


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else "/customers"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/customers") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    email: str = Form(..., max_length=254),
    password: str = Form(..., max_length=1024),
    next: str = Form("/customers", max_length=2000),
) -> HTMLResponse | RedirectResponse:
    _ = gettext_for(request)
    try:
        user = authenticate(session, email, password, request.app.state.guard, address_of(request))
    except (Unauthorized, TooManyRequests) as exc:
        error = (
            _("Wrong e-mail or password.")
            if isinstance(exc, Unauthorized)
            else _("Too many failed attempts. Try again in %(seconds)s seconds.")
            % {"seconds": exc.params["retry_after"]}
        )
        response = render(
            request, "login.html", {"error": error, "email": email, "next": _safe_next(next)}, status=exc.status
        )
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.params["retry_after"])
        return response
    sign_in(request, session, user)
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    if not request.cookies.get("lang"):
        redirect.set_cookie("lang", user.locale, max_age=365 * 24 * 3600, samesite="lax")
    return redirect


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    sign_out(request, session)
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/customers", status_code=303)
