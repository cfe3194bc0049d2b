from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response, StreamingResponse

from klientura import segments
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, WarehouseDep, new_router, streamed
from klientura.kit.bounds import Cursor, Id
from klientura.segments import MemberPage, PreviewIn, PreviewOut, SegmentIn, SegmentPage, SegmentRead, SegmentUpdate

router = new_router(read="segments:read", write="segments:write", prefix="/segments", tags=["segments"])


def _read(session: SessionDep, seg: segments.Segment) -> SegmentRead:
    out = SegmentRead.model_validate(seg)
    out.history = segments.history(session, seg.id)
    return out


@router.post(
    "/preview",
    response_model=PreviewOut,
    summary="How many customers a rule selects now (nothing saved)",
    openapi_extra={"x-permission": "segments:read"},
)
def preview(data: PreviewIn, actor: ActorDep, wh: WarehouseDep, settings: SettingsDep, shop: ShopDep) -> PreviewOut:
    return segments.preview(wh, actor, data.rule, shop.today())


@router.post("", status_code=201, response_model=SegmentRead, summary="Save a segment and compute its members")
def create(
    data: SegmentIn, session: SessionDep, actor: ActorDep, wh: WarehouseDep, settings: SettingsDep, shop: ShopDep
) -> SegmentRead:
    seg = segments.create_segment(session, actor, wh, data, shop.today())
    return _read(session, seg)


@router.get("", response_model=SegmentPage, summary="Saved segments by name (cursor pagination)")
def list_all(
    session: SessionDep,
    actor: ActorDep,
    archived: bool = False,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SegmentPage:
    rows, nxt = segments.list_segments(session, actor, archived=archived, cursor=cursor, limit=limit)
    return SegmentPage(items=[_read(session, s) for s in rows], next_cursor=nxt)


@router.get("/{segment_id}", response_model=SegmentRead, summary="A segment with its size day by day")
def get(segment_id: Id, session: SessionDep, actor: ActorDep) -> SegmentRead:
    return _read(session, segments.get_segment(session, actor, segment_id))


@router.patch("/{segment_id}", response_model=SegmentRead, summary="Rename, describe or change the rule")
def update(
    segment_id: Id,
    data: SegmentUpdate,
    session: SessionDep,
    actor: ActorDep,
    wh: WarehouseDep,
    settings: SettingsDep,
    shop: ShopDep,
) -> SegmentRead:
    seg = segments.update_segment(session, actor, wh, segment_id, data, shop.today())
    return _read(session, seg)


@router.delete("/{segment_id}", status_code=204, summary="Archive a segment")
def archive(segment_id: Id, session: SessionDep, actor: ActorDep) -> Response:
    segments.archive_segment(session, actor, segment_id)
    return Response(status_code=204)


@router.get("/{segment_id}/members", response_model=MemberPage, summary="Member card ids (cursor pagination)")
def members(
    segment_id: Id,
    session: SessionDep,
    actor: ActorDep,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> MemberPage:
    return segments.member_page(session, actor, segment_id, cursor, limit)


@router.get("/{segment_id}/export", summary="Members as CSV (Excel-ready) or XLSX")
def export(
    segment_id: Id, request: Request, session: SessionDep, actor: ActorDep, format: Literal["csv", "xlsx"] = "csv"
) -> StreamingResponse:
    file = segments.export_members(session, actor, segment_id, format)
    disposition = f'attachment; filename="{file.filename}"'
    return StreamingResponse(
        streamed(request, file.chunks), media_type=file.media_type, headers={"Content-Disposition": disposition}
    )
