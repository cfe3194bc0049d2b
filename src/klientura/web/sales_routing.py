"""Routing in the UI: the rules that give a new person's request to a manager on duty (per source or for all; in
turn or to the least loaded; a team or every team), and the sellers' duty — their own hours, whether they take
requests, their days off — with who is on duty right now."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import auth, sales
from klientura.deps import SessionDep, SettingsDep, ShopDep
from klientura.kit.bounds import Id
from klientura.kit.errors import ValidationFailed, code
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.render import WebActorDep, gettext_for, page_router, render
from klientura.web.sales import perform

router = page_router(read="sales:read", write="sales:write")
SOURCES = {
    "*": N_("Every request"),
    "form": N_("Forms"),
    "telegram": "Telegram",
    "vk": N_("VK"),
    "email": N_("E-mail"),
    "call": N_("Calls"),
    "api": N_("Integrations (API)"),
}
MODES = {"round_robin": N_("In turn"), "least_loaded": N_("To the least loaded"), "off": N_("Nobody: heads hand out")}
DAYS_RANGE = code("duty.days_range", N_("a leave runs forward and lasts at most 62 days"))
ROUTING_CHOICE = code("routing.choice", N_("choose the source and the way to route from the lists"))


@router.get("/sales/routing", response_class=HTMLResponse)
def routing_page(
    request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep, settings: SettingsDep
) -> HTMLResponse:
    message, kind = flash.pop(request)
    context: dict[str, Any] = {
        "nav": "sales",
        "rules": sales.rules(session, actor),
        "duty": sales.duty_board(session, actor, sales.roster_of(settings), shop.now()),
        "teams": {t.id: t.name for t, _members in auth.list_teams(session)},
        "sources": SOURCES,
        "modes": MODES,
        "shop_hours": settings.work_hours,
        "today": shop.today(),
        "flash": message,
        "flash_kind": kind,
    }
    return render(request, "sales/routing.html", context, actor=actor)


@router.post("/sales/routing/rules", openapi_extra={"x-permission": "users:admin"})
def set_rule(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    source: Annotated[str, Form(max_length=32)],
    mode: Annotated[str, Form(max_length=16)],
    team_id: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        if source not in SOURCES or mode not in MODES:
            raise ValidationFailed(ROUTING_CHOICE)
        team = int(team_id) if team_id.isdigit() else None
        sales.set_rule(session, actor, source, mode, team)  # type: ignore[arg-type]
        return "/sales/routing", _("Routing saved")

    return perform(request, session, work, "/sales/routing")


@router.post("/sales/routing/rules/remove", openapi_extra={"x-permission": "users:admin"})
def remove_rule(
    request: Request, session: SessionDep, actor: WebActorDep, source: Annotated[str, Form(max_length=32)]
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        sales.remove_rule(session, actor, source)
        return "/sales/routing", _("Rule removed")

    return perform(request, session, work, "/sales/routing")


@router.post("/sales/routing/duty/{user_id}")
def set_duty(
    user_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    settings: SettingsDep,
    hours: Annotated[str, Form(max_length=200)] = "",
    takes_requests: Annotated[str, Form(max_length=4)] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        sales.set_duty(
            session, actor, sales.roster_of(settings), user_id, hours=hours, takes_requests=bool(takes_requests)
        )
        return "/sales/routing", _("Working time saved")

    return perform(request, session, work, "/sales/routing")


@router.post("/sales/routing/days-off/{user_id}")
def days_off(
    user_id: Id,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    first: Annotated[date, Form()],
    last: Annotated[date | None, Form()] = None,
    back: Annotated[str, Form(max_length=4)] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        end = last or first
        if end < first or (end - first).days > 61:
            raise ValidationFailed(DAYS_RANGE, field="last")
        days = [first + timedelta(days=n) for n in range((end - first).days + 1)]
        sales.set_days_off(session, actor, user_id, days, off=not back)
        return "/sales/routing", _("Back at work") if back else _("Days off saved")

    return perform(request, session, work, "/sales/routing")
