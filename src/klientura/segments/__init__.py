"""Segments: rules saved by name, their members (dynamic or frozen), sizes day by day, exports."""

from klientura.segments.models import Segment, SegmentMember, SegmentSize
from klientura.segments.schemas import (
    MemberPage,
    PreviewIn,
    PreviewOut,
    SegmentIn,
    SegmentRead,
    SegmentUpdate,
    SizePoint,
)
from klientura.segments.service import (
    EXPORT_COLUMNS,
    archive_segment,
    create_segment,
    export_members,
    get_segment,
    history,
    list_segments,
    member_page,
    preview,
    refresh_segments,
    segments_of,
    update_segment,
    value_by_segment,
)

__all__ = [
    "EXPORT_COLUMNS",
    "MemberPage",
    "PreviewIn",
    "PreviewOut",
    "Segment",
    "SegmentIn",
    "SegmentMember",
    "SegmentRead",
    "SegmentSize",
    "SegmentUpdate",
    "SizePoint",
    "archive_segment",
    "create_segment",
    "export_members",
    "get_segment",
    "history",
    "list_segments",
    "member_page",
    "preview",
    "refresh_segments",
    "segments_of",
    "update_segment",
    "value_by_segment",
]
