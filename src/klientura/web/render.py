"""Templates, the signed-in user, the language of the page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from klientura import analytics
from klientura.audit import Actor
from klientura.auth import actor_for_user, can
from klientura.config import Settings
from klientura.db import Session
from klientura.deps import (
    Access,
    GuardedRouter,
    SessionDep,
    csrf_token,
    form_token_matches,
    get_shop,
    signed_in_user,
)
from klientura.kit.errors import KlienturaError, describe, explained
from klientura.web import i18n

TEMPLATES = Path(__file__).resolve().parent / "templates"


class LoginRequired(Exception):
    """Raised by pages when nobody is signed in; the app answers with a redirect to /login."""


class FormExpired(Exception):
    """A form or HTMX request without this session's CSRF token (another site's, or a page older than the
    session): refused with a page that says to reload, nothing done."""


async def _form_token(request: Request) -> None:
    if not await form_token_matches(request):
        raise FormExpired()


def page_router(*, read: Access | None = None, write: Access | None = None) -> APIRouter:
    """The router of a page module: every route gated by its access (``read`` for GET, ``write`` for the others,
    or the route's own ``x-permission``; see deps.GuardedRouter) - nobody signed in goes to the login page, a
    user without the permission gets a page saying so - and its forms and HTMX requests must carry the session's
    CSRF token."""
    return GuardedRouter(read=read, write=write, gate=page_gate, dependencies=[Depends(_form_token)])


class PageForbidden(Exception):
    """The signed-in user lacks the permission of the page or action: a page says so (403), nothing done."""


@functools.cache
def page_gate(access: Access) -> Callable[..., None]:
    if access == "public":

        def public() -> None:
            return None

        return public

    def gate(actor: WebActorDep) -> None:
        if access != "signed-in" and not can(actor, access):
            raise PageForbidden()

    return gate


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env


ENV = _env()


def locale_of(request: Request, settings: Settings) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or settings.default_locale
    return lang if lang in i18n.LOCALES else settings.default_locale


def web_actor(request: Request, session: Session) -> Actor:
    user = signed_in_user(request, session)
    if user is None:
        raise LoginRequired()
    return actor_for_user(user)


def _signed_in(request: Request, session: SessionDep) -> Actor:
    return web_actor(request, session)


WebActorDep = Annotated[Actor, Depends(_signed_in)]
"""The signed-in user of a page (on the request's session); nobody signed in is a redirect to /login."""


def render(
    request: Request, template: str, context: dict[str, Any], *, actor: Actor | None = None, status: int = 200
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    locale = locale_of(request, settings)
    trans = i18n.translations(locale)
    shop = get_shop(request)
    tmpl = ENV.get_template(template)
    html = tmpl.render(
        request=request,
        actor=actor,
        can=(lambda perm: actor is not None and can(actor, perm)),
        locale=locale,
        csrf_token=csrf_token(request),
        _=lambda text, **values: trans.gettext(text) % values if values else trans.gettext(text),
        gettext=trans.gettext,
        ngettext=trans.ngettext,
        money=lambda v: i18n.money(v, locale, shop.currency),
        money0=lambda v: i18n.whole_money(v, locale, shop.currency),
        number=lambda v: i18n.number(v, locale),
        percent=lambda v, digits=0: i18n.percent(v, locale, digits),
        p_value=i18n.p_value,
        day=lambda v: i18n.day(v, locale, shop.timezone),
        moment=lambda v: i18n.moment(v, locale, shop.timezone),
        why=lambda item: why(item, trans.gettext),
        skip=lambda text: "; ".join(trans.gettext(part) for part in str(text).split("; ")),
        group=lambda family, value: tuple(trans.gettext(t) if t else t for t in analytics.label(family, value)),
        family_name=lambda family: trans.gettext(str(analytics.FAMILY_NAMES.get(family) or family)),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in i18n.LOCALES:
        response.set_cookie("lang", locale, max_age=365 * 24 * 3600, samesite="lax")
    return response


def why(item: Any, gettext: Any) -> str:
    """A stored reason (an import's refused row) or a notice (a fit's warning) in the page's language, from its code
    when it has one."""
    if isinstance(item, dict | str):
        return explained(item, gettext)
    if getattr(item, "code", None):
        return describe(item.code, item.params or {}, item.reason, gettext, item.field)
    return str(item.reason)  # stored before reasons had codes: in the words it was written in


def explain(request: Request, exc: KlienturaError) -> str:
    """A refusal in the language of the page: translated from its code and parameters."""
    return exc.translated(gettext_for(request))


def gettext_for(request: Request) -> Any:
    settings: Settings = request.app.state.settings
    return i18n.translations(locale_of(request, settings)).gettext


def open_warehouse(request: Request) -> analytics.Warehouse:
    """The warehouse, read-only, for one page (DuckDB lets many read while none writes)."""
    return analytics.Warehouse.of(request.app.state.settings, read_only=True, memos=request.app.state.memos)
