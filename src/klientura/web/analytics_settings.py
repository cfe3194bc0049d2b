"""The thresholds of the segment families, each with its explanation, editable in the browser."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from klientura import analytics
from klientura.analytics import BehaviourSettings, LifecycleSettings, RfmSettings
from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.deps import SessionDep
from klientura.kit.errors import KlienturaError
from klientura.kit.i18n import N_
from klientura.web import flash
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="analytics:read", write="analytics:write")
SECTIONS = (
    ("rfm", N_("RFM"), RfmSettings),
    ("lifecycle", N_("Lifecycle"), LifecycleSettings),
    ("behaviour", N_("Behaviour"), BehaviourSettings),
)


def _fields(model: Any, values: Any) -> list[dict[str, Any]]:
    out = []
    for name, info in model.model_fields.items():
        if name == "rules":
            continue
        value = getattr(values, name)
        choices = list(get_args(info.annotation)) if "Literal" in str(info.annotation) else None
        if isinstance(value, list):
            value = ", ".join(f"{v[0]}..{v[1]}" if isinstance(v, tuple) else str(v) for v in value)
        out.append({"name": name, "description": info.description or name, "choices": choices, "value": value})
    return out


def _page(
    request: Request, session: Session, actor: Actor, settings: analytics.AnalyticsSettings, **extra: Any
) -> HTMLResponse:
    sections = [(key, title, _fields(model, getattr(settings, key))) for key, title, model in SECTIONS]
    return render(
        request,
        "analytics/settings.html",
        {
            "nav": "analytics",
            "sections": sections,
            "rules": settings.rfm.rules,
            "active_days": settings.active_days,
            **extra,
        },
        actor=actor,
        status=422 if extra.get("error") else 200,
    )


@router.get("/analytics/settings", response_class=HTMLResponse)
def show(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    require(actor, "analytics:read")
    message, kind = flash.pop(request)
    return _page(request, session, actor, analytics.load_settings(session), flash=message, flash_kind=kind)


def _parse(form: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"active_days": form.get("active_days"), "rfm": {"rules": []}}
    for key, _title, model in SECTIONS:
        section = data.setdefault(key, {})
        for name, info in model.model_fields.items():
            if name == "rules" or f"{key}.{name}" not in form:
                continue
            raw = form[f"{key}.{name}"].strip()
            section[name] = [p.strip() for p in raw.split(",") if p.strip()] if "list" in str(info.annotation) else raw
    i = 0
    while f"rule{i}.name" in form:
        rule: dict[str, Any] = {"name": form[f"rule{i}.name"]}
        for score in ("r", "f", "m"):
            rule[score] = [form.get(f"rule{i}.{score}_from", "1"), form.get(f"rule{i}.{score}_to", "5")]
        data["rfm"]["rules"].append(rule)
        i += 1
    return data


@router.post("/analytics/settings")
async def save(request: Request, session: SessionDep, actor: WebActorDep) -> Response:
    _ = gettext_for(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        analytics.save_settings(session, actor, _parse(form))
    except KlienturaError as exc:
        session.rollback()
        return _page(request, session, actor, analytics.load_settings(session), error=explain(request, exc))
    flash.put(request, _("Saved. The next recompute uses these thresholds."), "ok")
    return RedirectResponse("/analytics/settings", status_code=303)
