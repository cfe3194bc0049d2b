"""Duplicate suggestions, side-by-side comparison, merge, unmerge, dismiss."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import customers as cust
from klientura import dedup
from klientura.deps import MergeHooksDep, SessionDep
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.orders import totals_for
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="customers:read", write="dedup:write")


@router.get("/duplicates", response_class=HTMLResponse)
def suggestions(request: Request, session: SessionDep, actor: WebActorDep, offset: int = 0) -> HTMLResponse:
    rows = dedup.list_suggestions(session, actor, limit=50, offset=max(offset, 0))
    ids = sorted({r.low_id for r in rows} | {r.high_id for r in rows})
    names = cust.names_of(session, actor, ids)
    message, kind = flash.pop(request)
    return render(
        request,
        "dedup/list.html",
        {
            "nav": "duplicates",
            "suggestions": rows,
            "names": names,
            "offset": offset,
            "merges": dedup.recent_merges(session, actor, limit=20),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.get("/duplicates/compare", response_class=HTMLResponse)
def compare(request: Request, session: SessionDep, actor: WebActorDep, a: int, b: int) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        cards = [cust.to_read(session, cust.get_customer(session, actor, i, follow_merge=False)) for i in (a, b)]
        score = dedup.explain_pair(session, actor, a, b)
    except KlienturaError as exc:
        return render(
            request,
            "message.html",
            {"title": _("Cannot compare"), "message": explain(request, exc)},
            actor=actor,
            status=404,
        )
    fields = [
        ("last_name", _("Last name")),
        ("first_name", _("First name")),
        ("middle_name", _("Middle name")),
        ("gender", _("Gender")),
        ("birth_date", _("Birth date")),
        ("city", _("City")),
    ]
    return render(
        request,
        "dedup/compare.html",
        {
            "nav": "duplicates",
            "cards": cards,
            "score": score,
            "fields": fields,
            "totals": totals_for(session, [a, b]),
        },
        actor=actor,
    )


@router.post("/duplicates/scan")
def scan(request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        found = dedup.scan(session, actor, request.app.state.settings.dedup_threshold)
        return "/duplicates", _("Found %(n)s possible duplicates.") % {"n": found}

    return flash.perform(request, session, work, "/duplicates")


@router.post("/duplicates/merge")
def merge(
    request: Request,
    session: SessionDep,
    actor: WebActorDep,
    hooks: MergeHooksDep,
    survivor_id: Id = Form(...),
    merged_id: Id = Form(...),
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        dedup.merge(session, actor, survivor_id, merged_id, hooks=hooks)
        return f"/customers/{survivor_id}", _("Cards merged. You can undo it from the timeline.")

    return flash.perform(request, session, work, "/duplicates")


@router.post("/duplicates/dismiss")
def dismiss(
    request: Request, session: SessionDep, actor: WebActorDep, a_id: Id = Form(...), b_id: Id = Form(...)
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        dedup.dismiss(session, actor, a_id, b_id)
        return "/duplicates", _("Marked as different people.")

    return flash.perform(request, session, work, "/duplicates")


@router.post("/merges/{merge_id}/undo")
def undo(
    merge_id: Id, request: Request, session: SessionDep, actor: WebActorDep, hooks: MergeHooksDep
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        rec = dedup.unmerge(session, actor, merge_id, hooks=hooks)
        return f"/customers/{rec.merged_id}", _("Merge undone: both cards are back.")

    return flash.perform(request, session, work, "/duplicates")
