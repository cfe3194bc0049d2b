from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response

from klientura import analytics
from klientura import segments as svc
from klientura.deps import ActorDep, SessionDep, SettingsDep, WarehouseDep, new_router
from klientura.segments import MemberPage, PreviewIn, PreviewOut, SegmentIn, SegmentRead, SegmentUpdate

router = new_router(prefix="/segments", tags=["segments"])


def _read(session: SessionDep, seg: svc.Segment) -> SegmentRead:
    out = SegmentRead.model_validate(seg)
    out.history = svc.history(session, seg.id)
    return out


@router.post("/preview", response_model=PreviewOut, summary="How many customers a rule selects now (nothing saved)")
def preview(data: PreviewIn, actor: ActorDep, wh: WarehouseDep, settings: SettingsDep) -> PreviewOut:
    return svc.preview(wh, actor, data.rule, analytics.today(settings.timezone))


@router.post("", status_code=201, response_model=SegmentRead, summary="Save a segment and compute its members")
def create(
    data: SegmentIn, session: SessionDep, actor: ActorDep, wh: WarehouseDep, settings: SettingsDep
) -> SegmentRead:
    seg = svc.create_segment(session, actor, wh, data, analytics.today(settings.timezone))
    return _read(session, seg)


@router.get("", response_model=list[SegmentRead], summary="Saved segments")
def list_all(session: SessionDep, actor: ActorDep, archived: bool = False) -> list[SegmentRead]:
    return [_read(session, s) for s in svc.list_segments(session, actor, archived=archived)]


@router.get("/{segment_id}", response_model=SegmentRead, summary="A segment with its size day by day")
def get(segment_id: int, session: SessionDep, actor: ActorDep) -> SegmentRead:
    return _read(session, svc.get_segment(session, actor, segment_id))


@router.patch("/{segment_id}", response_model=SegmentRead, summary="Rename, describe or change the rule")
def update(segment_id: int, data: SegmentUpdate, session: SessionDep, actor: ActorDep, wh: WarehouseDep,
           settings: SettingsDep) -> SegmentRead:  # fmt: skip
    seg = svc.update_segment(session, actor, wh, segment_id, data, analytics.today(settings.timezone))
    return _read(session, seg)


@router.delete("/{segment_id}", status_code=204, summary="Archive a segment")
def archive(segment_id: int, session: SessionDep, actor: ActorDep) -> Response:
    svc.archive_segment(session, actor, segment_id)
    return Response(status_code=204)


@router.get("/{segment_id}/members", response_model=MemberPage, summary="Member card ids (cursor pagination)")
def members(segment_id: int, session: SessionDep, actor: ActorDep, cursor: str | None = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> MemberPage:  # fmt: skip
    return svc.member_page(session, actor, segment_id, cursor, limit)


@router.get("/{segment_id}/export", summary="Members as CSV (Excel-ready) or XLSX")
def export(segment_id: int, session: SessionDep, actor: ActorDep, format: Literal["csv", "xlsx"] = "csv") -> Response:
    content, mime, filename = svc.export_members(session, actor, segment_id, format)
    return Response(content, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
