"""Static segments with the members a test names (the builder's rules need the warehouse; a test of what uses a
segment needs only its members)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from klientura.segments import Segment, SegmentMember


def static_segment(session: Session, members: list[int], name: str = "Все") -> int:
    """A static segment of exactly ``members``; its id."""
    seg = Segment(name=name, rule={"all": []}, kind="static", size=len(members), created_by="t")
    session.add(seg)
    session.flush()
    session.add_all(SegmentMember(segment_id=seg.id, customer_id=c) for c in members)
    session.flush()
    return seg.id
