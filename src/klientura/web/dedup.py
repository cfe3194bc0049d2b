"""Duplicate suggestions, side-by-side comparison, merge, unmerge, dismiss."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from klientura import customers as cust
from klientura import dedup
from klientura.deps import MergeHooksDep, SessionDep, ShopDep
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError, ValidationFailed
from klientura.kit.i18n import N_
from klientura.orders import totals_for
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="customers:read", write="dedup:write")
# a base larger than dedup.INLINE_CARDS is scanned by the worker: the page would wait minutes
BACKGROUND = N_(
    "The base holds %(n)s cards: the worker scans it in the background on its next round, and this page shows the "
    "new suggestions once it is done."
)


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
            "model": dedup.current_model(session),
            "asked": dedup.waiting(session),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.get("/duplicates/compare", response_class=HTMLResponse)
def compare(request: Request, session: SessionDep, actor: WebActorDep, a: int, b: int) -> HTMLResponse:
    _ = gettext_for(request)
    score, no_model = None, ""
    try:
        cards = [cust.to_read(session, cust.get_customer(session, actor, i, follow_merge=False)) for i in (a, b)]
        try:
            score = dedup.explain_pair(session, actor, a, b)
        except ValidationFailed as exc:  # no model learned yet (or a card merged meanwhile): the cards still shown
            no_model = explain(request, exc)
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
        ("postcode", _("Postcode")),
        ("address", _("Address")),
    ]
    return render(
        request,
        "dedup/compare.html",
        {
            "nav": "duplicates",
            "cards": cards,
            "score": score,
            "no_model": no_model,
            "fields": fields,
            "totals": totals_for(session, [a, b]),
        },
        actor=actor,
    )


@router.post("/duplicates/scan")
def scan(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        if not dedup.inline(session):
            asked = dedup.ask(session, actor, shop.now(), learn=False)
            return "/duplicates", _(BACKGROUND) % {"n": asked.cards}
        found = dedup.scan(session, actor, shop.now(), precision=request.app.state.settings.dedup_precision)
        return "/duplicates", _("Found %(n)s possible duplicates.") % {"n": found}

    return flash.perform(request, session, work, "/duplicates")


@router.get("/duplicates/model", response_class=HTMLResponse)
def model(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    row = dedup.current_model(session)
    message, kind = flash.pop(request)
    return render(
        request,
        "dedup/model.html",
        {
            "nav": "duplicates",
            "row": row,
            "fields": dedup.describe(row.comparisons) if row is not None else [],
            "least": dedup.MIN_CARDS,
            "asked": dedup.waiting(session),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.post("/duplicates/train")
def train(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        if not dedup.inline(session):
            asked = dedup.ask(session, actor, shop.now(), learn=True)
            return "/duplicates/model", _(BACKGROUND) % {"n": asked.cards}
        found = dedup.scan(session, actor, shop.now(), precision=request.app.state.settings.dedup_precision, learn=True)
        return "/duplicates/model", _("The model is learned again; %(n)s possible duplicates found.") % {"n": found}

    return flash.perform(request, session, work, "/duplicates/model")


@router.post("/duplicates/threshold")
def threshold(
    request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep, value: str = Form(...)
) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        chosen = dedup.choose_threshold(session, actor, None if value == "default" else _threshold(value))
        if not dedup.inline(session):  # the threshold is kept; the rescan with it is the worker's
            asked = dedup.ask(session, actor, shop.now(), learn=False)
            return "/duplicates/model", _(BACKGROUND) % {"n": asked.cards}
        found = dedup.scan(
            session, actor, shop.now(), precision=request.app.state.settings.dedup_precision, learn=False
        )
        return "/duplicates/model", _("Threshold %(t)s: %(n)s possible duplicates.") % {
            "t": chosen.threshold,
            "n": found,
        }

    return flash.perform(request, session, work, "/duplicates/model")


def _threshold(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValidationFailed(dedup.BAD_THRESHOLD) from None


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
