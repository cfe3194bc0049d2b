"""What a client reaches by the link in a quote's e-mail, without logging in: the proposal's summary, its PDF, and
the buttons to accept or decline it (the link is the secret; an answer once given stays)."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from klientura import sales
from klientura.deps import DocumentsDep, SessionDep, ShopDep, new_router
from klientura.kit.errors import KlienturaError
from klientura.web.render import explain, gettext_for, render
from klientura.web.sales_docs import download

router = new_router(read="public", write="public")  # the client: no login, the token in the address


def _missing(request: Request) -> HTMLResponse:
    _ = gettext_for(request)
    return render(
        request, "message.html", {"title": _("Not found"), "message": _("This link is not valid")}, status=404
    )


@router.get("/q/{token}", response_class=HTMLResponse)
def quote_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    try:
        found = sales.quote_by_token(session, token)
    except KlienturaError:
        return _missing(request)
    return render(request, "sales/quote_link.html", {"q": found, "token": token, "done": None})


@router.get("/q/{token}/pdf")
def quote_pdf(token: str, request: Request, session: SessionDep, docs: DocumentsDep) -> Response:
    try:
        found = sales.quote_by_token(session, token)
    except KlienturaError:
        return _missing(request)
    return download(docs.store.get(found.file_key), "application/pdf", f"{found.number}.pdf")


@router.post("/q/{token}", response_class=HTMLResponse)
def answer(token: str, request: Request, session: SessionDep, shop: ShopDep, decision: str = Form("")) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        found = sales.quote_by_token(session, token)
    except KlienturaError:
        return _missing(request)
    if decision not in ("accepted", "declined"):
        return render(request, "sales/quote_link.html", {"q": found, "token": token, "done": None}, status=422)
    try:
        sales.decide_quote(session, sales.CLIENT, found, decision, shop)
    except KlienturaError as exc:
        return render(
            request, "sales/quote_link.html", {"q": found, "token": token, "done": None, "error": explain(request, exc)},
            status=409,
        )  # fmt: skip
    return render(request, "sales/quote_link.html", {"q": found, "token": token, "done": decision})
