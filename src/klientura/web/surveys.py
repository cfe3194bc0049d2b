"""Surveys: the page a person answers by their link (no login; the link is signed, a score in its address only
preselects — answering is the page's POST), and the report — NPS and CSAT by outlet, staff member or month, with
the number of answers and the interval — beside the outlets' managers, who get the detractors' call-back tasks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import auth, campaigns, catalog, conversations
from klientura.deps import LinkReaderDep, SessionDep, ShopDep, new_router
from klientura.kit.errors import KlienturaError
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, locale_of, page_router, render
from klientura.web.sales import perform

public = new_router(read="public", write="public")  # the person answering: the signed link is the key
router = page_router(read="analytics:read", write="users:admin")
QUESTIONS = {
    "nps": N_("How likely are you to recommend us to a friend or colleague?"),
    "csat": N_("How satisfied are you with your purchase?"),
}


def _ask_page(request: Request, token: str, ask: conversations.Ask, status: int = 200, **extra: Any) -> HTMLResponse:
    low, high = conversations.SCALE[ask.kind]
    context = {"token": token, "ask": ask, "scale": range(low, high + 1), "question": QUESTIONS[ask.kind], **extra}
    return render(request, "surveys/ask.html", context, status=status)


@public.get("/survey/{token}", response_class=HTMLResponse)
def survey_page(
    token: str, request: Request, session: SessionDep, links: LinkReaderDep, score: int | None = None
) -> HTMLResponse:
    _ = gettext_for(request)
    if token == campaigns.SAMPLE:
        return render(request, "surveys/done.html", {"title": _("A sample link"), "message": _(
            "This survey link is from a preview or a test message. In a message a customer receives, it opens "
            "their survey.")})  # fmt: skip
    try:
        ask = conversations.ask(session, links, token)
    except KlienturaError:
        return render(
            request, "surveys/done.html", {"title": _("Not found"), "message": _("This link is not valid")}, status=404
        )
    chosen = ask.answer.score if ask.answer is not None else score
    return _ask_page(request, token, ask, chosen=chosen, comment=ask.answer.comment if ask.answer else "")


@public.post("/survey/{token}", response_class=HTMLResponse)
def survey_answer(
    token: str,
    request: Request,
    session: SessionDep,
    links: LinkReaderDep,
    shop: ShopDep,
    score: Annotated[str, Form(max_length=3)] = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        ask = conversations.ask(session, links, token)
    except KlienturaError:
        return render(
            request, "surveys/done.html", {"title": _("Not found"), "message": _("This link is not valid")}, status=404
        )
    try:
        conversations.answer(session, shop, links, token, int(score) if score.lstrip("-").isdigit() else -1, comment,
                             locale_of(request, request.app.state.settings))  # fmt: skip
    except KlienturaError as exc:  # the answer is refused: a 422, and the request writes nothing
        return _ask_page(request, token, ask, 422, chosen=None, comment=comment, error=explain(request, exc))
    return render(
        request, "surveys/done.html", {"title": _("Thank you!"), "message": _("Your answer helps us do better.")}
    )


@router.get("/surveys", response_class=HTMLResponse)
def report_page(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    shop: ShopDep,
    kind: str = "nps",
    by: str = "outlet",
    date_from: date | None = None,
    date_to: date | None = None,
) -> HTMLResponse:
    kind = kind if kind in ("nps", "csat") else "nps"
    by = by if by in ("outlet", "staff", "month") else "outlet"
    last = date_to or shop.today()
    first = date_from or last - timedelta(days=89)
    zone = ZoneInfo(shop.timezone)
    total, rows = conversations.survey_report(session, actor, kind, by, start=shop.start_of(first),  # type: ignore[arg-type]
                                              end=shop.start_of(last + timedelta(days=1)), zone=zone)  # fmt: skip
    message, flash_kind = flash.pop(request)
    context = {
        "nav": "surveys",
        "flash": message,
        "flash_kind": flash_kind,
        "kind": kind,
        "by": by,
        "date_from": first,
        "date_to": last,
        "total": total,
        "rows": rows,
        "outlets": catalog.list_outlets(session),
        "people": [(u.id, u.name) for u in auth.list_users(session) if u.is_active],
    }
    return render(request, "surveys/report.html", context, actor=actor)


@router.post("/surveys/outlets/{outlet_id}/manager")
def outlet_manager(
    outlet_id: int,
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    manager_id: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        catalog.set_outlet_manager(session, actor, outlet_id, int(manager_id) if manager_id.isdigit() else None)
        return "/surveys#outlets", _("Outlet manager saved")

    return perform(request, session, work, "/surveys#outlets")
