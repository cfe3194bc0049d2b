"""The picture of the base: each segment family's groups with their explanation, the RFM map, migrations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from klientura import analytics
from klientura.auth import require
from klientura.db import Session
from klientura.deps import get_session
from klientura.kit.errors import KlienturaError
from klientura.web.render import open_warehouse, render, web_actor

router = APIRouter()
SessionDep = Annotated[Session, Depends(get_session)]


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


@router.get("/analytics", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, start: str | None = None, end: str | None = None) -> HTMLResponse:
    actor = web_actor(request, session)
    require(actor, "analytics:read")
    today = analytics.last_as_of(session) or analytics.today(request.app.state.settings.timezone)
    end_day = _day(end, today)
    start_day = _day(start, end_day - timedelta(days=90))
    families = {f: analytics.groups(session, f) for f in analytics.FAMILIES}
    ctx: dict[str, Any] = {"nav": "analytics", "families": families, "start": start_day, "end": end_day, "as_of": today,
                           "trend": analytics.trend(session, "temperature", 90)}  # fmt: skip
    try:
        with open_warehouse(request) as wh:
            settings = analytics.load_settings(session)
            ctx["grid"] = analytics.rfm_grid(wh, settings, today)
            ctx["moves"] = analytics.rfm_migration(wh, settings, start_day, end_day)
    except KlienturaError as exc:
        ctx["error"] = exc.detail
    if "moves" in ctx:
        sources = sorted({m["source"] for m in ctx["moves"]}, key=_order)
        targets = sorted({m["target"] for m in ctx["moves"]}, key=_order)
        ctx["matrix"] = {(m["source"], m["target"]): m["customers"] for m in ctx["moves"]}
        ctx["sources"], ctx["targets"] = sources, targets
    return render(request, "analytics/overview.html", ctx, actor=actor)


def _order(name: str) -> int:
    order = [*analytics.RFM_SEGMENTS, "none"]
    return order.index(name) if name in order else len(order)
