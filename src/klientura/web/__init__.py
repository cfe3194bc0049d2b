"""Web UI: server-rendered Jinja2 pages with HTMX, Russian by default. A transport only."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from klientura.kit.i18n import N_
from klientura.web import (
    analytics,
    analytics_settings,
    auth,
    calendar,
    campaigns,
    clv,
    customers,
    dashboard,
    dedup,
    form_builder,
    imports,
    inbound,
    inbound_accounts,
    inbox,
    inbox_bot,
    loyalty,
    loyalty_offers,
    messages,
    privacy,
    quote_link,
    sales,
    sales_analytics,
    sales_day,
    sales_docs,
    sales_lists,
    sales_routing,
    sales_sources,
    scenarios,
    segments,
    surveys,
    telephony,
)
from klientura.web.render import FormExpired, LoginRequired, PageForbidden, gettext_for, render

STATIC = Path(__file__).resolve().parent / "static"


def mount(app: FastAPI) -> None:
    app.include_router(dashboard.router, include_in_schema=False)  # before /static: it serves Plotly's script
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth,
        customers,
        privacy,
        dedup,
        imports,
        segments,
        analytics_settings,
        analytics,
        clv,
        loyalty,
        loyalty_offers,
        campaigns,
        scenarios,
        messages,
        sales_analytics,
        sales_sources,
        sales,
        sales_day,
        sales_lists,
        sales_docs,
        sales_routing,
        quote_link,
        calendar,
        inbound,
        inbound_accounts,
        inbox,
        inbox_bot,
        telephony,
        form_builder,
        surveys,
    ):
        app.include_router(module.router, include_in_schema=False)
    app.include_router(surveys.public, include_in_schema=False)
    app.include_router(sales_analytics.plans_router, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    def refused(request: Request, title: str, message: str) -> HTMLResponse:
        _ = gettext_for(request)
        return render(request, "message.html", {"title": _(title), "message": _(message)}, status=403)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, _exc: PageForbidden) -> HTMLResponse:
        return refused(request, N_("Not allowed"), N_("Your role does not allow this. Ask an administrator."))

    @app.exception_handler(FormExpired)
    async def _expired(request: Request, _exc: FormExpired) -> HTMLResponse:
        return refused(
            request,
            N_("The form has expired"),
            N_("The page was open too long or came from another site. Reload it and try again."),
        )


__all__ = ["mount"]
