"""Segments in the browser: the list, the builder with a live size, a segment's page with history and export."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from klientura import analytics, catalog, segments
from klientura.analytics import RFM_SEGMENTS
from klientura.audit import Actor
from klientura.customers import names_of
from klientura.db import Session
from klientura.deps import SessionDep, ShopDep, get_shop, streamed
from klientura.kit.bounds import Cursor, Id
from klientura.kit.errors import KlienturaError, ValidationFailed, invalid
from klientura.web import flash
from klientura.web import segment_form as sf
from klientura.web.errors import NOT_JSON_RULE, SEGMENT_NAME
from klientura.web.render import WebActorDep, explain, gettext_for, open_warehouse, page_router, render

router = page_router(read="segments:read", write="segments:write")
STARTER = {
    "kind": "and",
    "rules": [{"kind": "score", "field": "rfm_segment", "op": "in", "value": ["champions", "loyal"]}],
}
CHOICES = {
    "rfm_segment": RFM_SEGMENTS,
    "temperature": list(analytics.LABELS["temperature"]),
    "lifecycle": list(analytics.LABELS["lifecycle"]),
    "behaviour": list(analytics.LABELS["behaviour"]),
}


def _preview(request: Request, actor: Actor, rule: dict[str, Any]) -> dict[str, Any]:
    """The live size, or the reason there is none (a bad rule, an empty warehouse)."""
    try:
        wh = open_warehouse(request)
    except KlienturaError as exc:
        return {"error": explain(request, exc)}
    try:
        out = segments.preview(wh, actor, rule, get_shop(request).today())
        return {
            "size": out.size,
            "base": out.base,
            "share": out.size / out.base if out.base else 0.0,
            "ms": out.milliseconds,
        }
    except KlienturaError as exc:
        return {"error": explain(request, exc)}
    finally:
        wh.close()


def _builder_context(session: Session, form: sf.Form | None, rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "form": form,
        "rule_json": json.dumps(rule, ensure_ascii=False, indent=1),
        "types": sf.TYPES,
        "fields": sf.FIELDS,
        "ops_for": sf.ops_for,
        "choices": CHOICES,
        "type_labels": sf.TYPE_LABELS,
        "field_labels": sf.FIELD_LABELS,
        "op_labels": sf.OP_LABELS,
        "categories": catalog.list_categories(session),
        "outlets": catalog.list_outlets(session),
        "channels": catalog.list_channels(session),
    }


async def _posted(request: Request) -> tuple[dict[str, Any], sf.Form | None, dict[str, Any]]:
    raw = await request.form()
    data: dict[str, Any] = {}
    for k in raw:
        values = [str(v) for v in raw.getlist(k)]
        is_list = k.endswith(("_cats", "_outlets", "_channels"))
        data[k] = values if is_list else ", ".join(values) if k.endswith("_value") else values[-1]
    action = str(data.get("action") or "")
    if action == "json" or (data.get("mode") == "json" and action in ("", "save")):
        try:
            rule = json.loads(str(data.get("rule_json") or "{}"))
        except json.JSONDecodeError as exc:
            raise ValidationFailed(NOT_JSON_RULE, why=exc.msg, line=exc.lineno) from exc
        return data, sf.from_rule(rule) if isinstance(rule, dict) else None, rule
    form = sf.apply_action(sf.parse_form(data), action)
    return data, form, sf.to_rule(form)


@router.get("/segments", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, actor: WebActorDep, cursor: Cursor | None = None) -> HTMLResponse:
    rows, next_cursor = segments.list_segments(session, actor, cursor=cursor, limit=100)
    message, kind = flash.pop(request)
    return render(
        request,
        "segments/list.html",
        {
            "nav": "segments",
            "segments": rows,
            "next_cursor": next_cursor,
            "history": {s.id: segments.history(session, s.id, 30) for s in rows},
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.get("/segments/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    ctx = _builder_context(session, sf.from_rule(STARTER), STARTER)
    return render(
        request,
        "segments/edit.html",
        {
            "nav": "segments",
            "segment": None,
            "preview": _preview(request, actor, STARTER),
            **ctx,
        },
        actor=actor,
    )


@router.post("/segments/builder", response_class=HTMLResponse, openapi_extra={"x-permission": "segments:read"})
async def builder(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    """The builder re-rendered after a change (HTMX), with the new live size."""
    try:
        data, form, rule = await _posted(request)
        preview = _preview(request, actor, rule)
    except KlienturaError as exc:
        data, form, rule, preview = {}, None, {}, {"error": explain(request, exc)}
    ctx = _builder_context(session, form, rule)
    segment = segments.get_segment(session, actor, int(data["segment_id"])) if data.get("segment_id") else None
    return render(
        request,
        "segments/_builder.html",
        {
            "segment": segment,
            "preview": preview,
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            "kind": data.get("kind", "dynamic"),
            **ctx,
        },
        actor=actor,
    )


@router.post("/segments/save")
async def save(request: Request, session: SessionDep, actor: WebActorDep, shop: ShopDep) -> Response:
    _ = gettext_for(request)
    data: dict[str, Any] = {}
    form: sf.Form | None = None
    rule: dict[str, Any] = STARTER
    try:
        data, form, rule = await _posted(request)
        today = shop.today()
        name, description = str(data.get("name") or "").strip(), str(data.get("description") or "").strip() or None
        if not name:
            raise ValidationFailed(SEGMENT_NAME)
        with open_warehouse(request) as wh:
            if data.get("segment_id"):
                update = segments.SegmentUpdate(name=name, description=description, rule=rule)
                seg = segments.update_segment(session, actor, wh, int(data["segment_id"]), update, today)
            else:
                new = segments.SegmentIn(
                    name=name,
                    description=description,
                    rule=rule,
                    kind="static" if data.get("kind") == "static" else "dynamic",
                )
                seg = segments.create_segment(session, actor, wh, new, today)
    except (KlienturaError, ValidationError) as exc:
        session.rollback()
        message = explain(request, exc if isinstance(exc, KlienturaError) else invalid(exc))
        segment = segments.get_segment(session, actor, int(data["segment_id"])) if data.get("segment_id") else None
        return render(
            request,
            "segments/edit.html",
            {
                "nav": "segments",
                "segment": segment,
                "preview": {"error": message},
                "error": message,
                "name": data.get("name", ""),
                "description": data.get("description", ""),
                **_builder_context(session, form, rule),
            },
            actor=actor,
            status=422,
        )
    flash.put(request, _("Segment saved."), "ok")
    return RedirectResponse(f"/segments/{seg.id}", status_code=303)


@router.get("/segments/{segment_id}", response_class=HTMLResponse)
def segment_page(segment_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        seg = segments.get_segment(session, actor, segment_id)
    except KlienturaError as exc:
        return render(
            request,
            "message.html",
            {"title": _("Not found"), "message": explain(request, exc)},
            actor=actor,
            status=404,
        )
    page = segments.member_page(session, actor, seg.id, None, 20)
    message, kind = flash.pop(request)
    ctx = _builder_context(session, sf.from_rule(seg.rule), seg.rule)
    return render(
        request,
        "segments/edit.html",
        {
            "nav": "segments",
            "segment": seg,
            "preview": _preview(request, actor, seg.rule),
            "history": segments.history(session, seg.id),
            "members": names_of(session, actor, page.items),
            "flash": message,
            "flash_kind": kind,
            **ctx,
        },
        actor=actor,
    )


@router.post("/segments/{segment_id}/archive")
def archive(segment_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> RedirectResponse:
    _ = gettext_for(request)

    def work() -> tuple[str, str]:
        segments.archive_segment(session, actor, segment_id)
        return "/segments", _("Segment archived.")

    return flash.perform(request, session, work, f"/segments/{segment_id}")


@router.get("/segments/{segment_id}/export")
def export(
    segment_id: Id, request: Request, session: SessionDep, actor: WebActorDep, format: str = "csv"
) -> StreamingResponse:
    file = segments.export_members(session, actor, segment_id, format, gettext_for(request))
    disposition = f'attachment; filename="{file.filename}"'
    return StreamingResponse(
        streamed(request, file.chunks), media_type=file.media_type, headers={"Content-Disposition": disposition}
    )
