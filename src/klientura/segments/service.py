"""Segments: preview a rule's size, save it (dynamic or frozen), refresh members, list and export them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, delete, func, literal, select, tuple_

from klientura import analytics
from klientura.analytics import NOT_SCORED, scored
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.customers import profiles_of, visible_cards
from klientura.db import Session, in_chunks, insert_columns, utcnow
from klientura.kit import sheets
from klientura.kit.errors import Conflict, NotFound, ValidationFailed
from klientura.kit.i18n import N_
from klientura.kit.pagination import decode_cursor, encode_cursor
from klientura.segments.errors import BAD_LIMIT, NAME_TAKEN, SEGMENT_NOT_FOUND, STATIC_FROZEN, UNKNOWN_FORMAT
from klientura.segments.models import Segment, SegmentMember, SegmentSize
from klientura.segments.schemas import MemberPage, PreviewOut, SegmentIn, SegmentUpdate, SizePoint

if TYPE_CHECKING:
    from klientura.analytics import Warehouse


def preview(wh: Warehouse, actor: Actor, rule: dict[str, Any], as_of: date) -> PreviewOut:
    """How many customers the rule selects now, out of how many; nothing is stored."""
    require(actor, "segments:read")
    started = time.perf_counter()
    size = analytics.segment_size(wh, rule, as_of)
    base = int(wh.con.execute("SELECT count(*) FROM customers WHERE id = root_id").fetchone()[0])  # type: ignore[index]
    return PreviewOut(size=size, base=base, as_of=as_of, milliseconds=round((time.perf_counter() - started) * 1000))


def _ids(wh: Warehouse, rule: dict[str, Any], as_of: date) -> list[int]:
    table = analytics.segment_members(wh, rule, as_of).order_by("customer_id").to_pyarrow()
    return [int(v) for v in table["customer_id"].to_pylist()]


def _store_members(session: Session, seg: Segment, ids: list[int], as_of: date) -> None:
    # members are the warehouse's surviving cards; a card the store no longer has (never: cards are merged, not
    # deleted) would fail the foreign key and roll the whole refresh back
    session.execute(delete(SegmentMember).where(SegmentMember.segment_id == seg.id))
    insert_columns(session, SegmentMember, {"segment_id": [seg.id] * len(ids), "customer_id": ids})
    seg.size, seg.as_of, seg.computed_at = len(ids), as_of, utcnow()
    session.execute(delete(SegmentSize).where(SegmentSize.segment_id == seg.id, SegmentSize.day == as_of))
    session.add(SegmentSize(segment_id=seg.id, day=as_of, size=len(ids)))
    session.flush()


def _unique_name(session: Session, name: str, own_id: int | None = None) -> str:
    name = name.strip()
    clash = session.scalar(select(Segment.id).where(func.lower(Segment.name) == name.lower()))
    if clash is not None and clash != own_id:
        raise Conflict(NAME_TAKEN, field="name", value=name)
    return name


def create_segment(session: Session, actor: Actor, wh: Warehouse, data: SegmentIn, as_of: date) -> Segment:
    require(actor, "segments:write")
    analytics.parse_rule(data.rule)
    seg = Segment(
        name=_unique_name(session, data.name),
        description=data.description,
        rule=data.rule,
        kind=data.kind,
        created_by=actor.name,
    )
    session.add(seg)
    session.flush()
    _store_members(session, seg, _ids(wh, data.rule, as_of), as_of)
    record(
        session,
        actor,
        "segment.create",
        "segment",
        seg.id,
        None,
        {"name": seg.name, "kind": seg.kind, "rule": seg.rule, "size": seg.size},
    )
    return seg


def get_segment(session: Session, actor: Actor, segment_id: int) -> Segment:
    require(actor, "segments:read")
    seg = session.get(Segment, segment_id)
    if seg is None:
        raise NotFound(SEGMENT_NOT_FOUND, id=segment_id)
    return seg


def update_segment(
    session: Session, actor: Actor, wh: Warehouse, segment_id: int, data: SegmentUpdate, as_of: date
) -> Segment:
    require(actor, "segments:write")
    seg = get_segment(session, actor, segment_id)
    before = {"name": seg.name, "description": seg.description, "rule": seg.rule}
    if data.name is not None:
        seg.name = _unique_name(session, data.name, seg.id)
    if data.description is not None:
        seg.description = data.description
    if data.rule is not None and data.rule != seg.rule:
        if seg.kind == "static":
            raise ValidationFailed(STATIC_FROZEN)
        analytics.parse_rule(data.rule)
        seg.rule = data.rule
        _store_members(session, seg, _ids(wh, data.rule, as_of), as_of)
    session.flush()
    record(
        session,
        actor,
        "segment.update",
        "segment",
        seg.id,
        before,
        {"name": seg.name, "description": seg.description, "rule": seg.rule},
    )
    return seg


def archive_segment(session: Session, actor: Actor, segment_id: int) -> None:
    require(actor, "segments:write")
    seg = get_segment(session, actor, segment_id)
    seg.archived = True
    session.flush()
    record(session, actor, "segment.archive", "segment", seg.id, {"archived": False}, {"archived": True})


def refresh_segments(session: Session, actor: Actor, wh: Warehouse, as_of: date) -> dict[int, int]:
    """Recompute the members of every live dynamic segment (after the scores); static ones only log their size."""
    require(actor, "segments:write")
    sizes: dict[int, int] = {}
    for seg in session.scalars(select(Segment).where(Segment.archived.is_(False)).order_by(Segment.id)):
        if seg.kind == "dynamic":
            try:
                _store_members(session, seg, _ids(wh, seg.rule, as_of), as_of)
            except ValidationFailed:
                continue  # a rule on scores before the first recompute: left as it was
        else:
            session.merge(SegmentSize(segment_id=seg.id, day=as_of, size=seg.size))
        sizes[seg.id] = seg.size
    session.flush()
    return sizes


def list_segments(
    session: Session, actor: Actor, *, archived: bool = False, cursor: str | None = None, limit: int | None = None
) -> tuple[list[Segment], str | None]:
    """Saved segments by name, a page of ``limit`` (all without one), and the cursor of the next page."""
    require(actor, "segments:read")
    query = select(Segment).where(Segment.archived.is_(archived)).order_by(Segment.name, Segment.id)
    if cursor:
        name, after = decode_cursor(cursor, (str, int))
        query = query.where(tuple_(Segment.name, Segment.id) > tuple_(literal(name), literal(after)))
    if limit is None:
        return list(session.scalars(query)), None
    rows = list(session.scalars(query.limit(limit + 1)))
    last = rows[limit - 1] if len(rows) > limit else None
    return rows[:limit], encode_cursor([last.name, last.id]) if last is not None else None


def history(session: Session, segment_id: int, days: int = 90) -> list[SizePoint]:
    rows = session.execute(
        select(SegmentSize.day, SegmentSize.size)
        .where(SegmentSize.segment_id == segment_id)
        .order_by(SegmentSize.day.desc())
        .limit(days)
    )
    return [SizePoint(day=d, size=n) for d, n in sorted(rows)]


def member_page(session: Session, actor: Actor, segment_id: int, cursor: str | None, limit: int = 100) -> MemberPage:
    """Member card ids in ascending order, the actor's visible cards only (a manager sees their own)."""
    get_segment(session, actor, segment_id)
    require(actor, "customers:read")
    if not 1 <= limit <= 1000:
        raise ValidationFailed(BAD_LIMIT)
    stmt = select(SegmentMember.customer_id).where(
        SegmentMember.segment_id == segment_id, SegmentMember.customer_id.in_(visible_cards(actor))
    )
    if cursor:
        (after,) = decode_cursor(cursor, (int,))
        stmt = stmt.where(SegmentMember.customer_id > after)
    ids = list(session.scalars(stmt.order_by(SegmentMember.customer_id).limit(limit + 1)))
    nxt = encode_cursor([ids[limit - 1]]) if len(ids) > limit else None
    return MemberPage(items=ids[:limit], next_cursor=nxt)


def segments_of(session: Session, customer_id: int) -> list[Segment]:
    stmt = (
        select(Segment)
        .join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .where(SegmentMember.customer_id == customer_id, Segment.archived.is_(False))
        .order_by(Segment.name)
    )
    return list(session.scalars(stmt))


EXPORT_COLUMNS = (
    "id",
    "last_name",
    "first_name",
    "middle_name",
    "phone",
    "email",
    "city",
    "birth_date",
    "gender",
    "temperature",
    "lifecycle",
    "rfm_segment",
    "behaviour",
    "orders",
    "revenue",
    "last_purchase",
    "p_alive",
    "clv",
)
# the columns as a person reads them (an export for Excel from the page is in the page's language)
EXPORT_LABELS = {
    "id": N_("Card"),
    "last_name": N_("Last name"),
    "first_name": N_("First name"),
    "middle_name": N_("Middle name"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "city": N_("City"),
    "birth_date": N_("Birth date"),
    "gender": N_("Gender"),
    "temperature": N_("Temperature"),
    "lifecycle": N_("Lifecycle"),
    "rfm_segment": N_("RFM segment"),
    "behaviour": N_("Behaviour"),
    "orders": N_("Orders, all time"),
    "revenue": N_("Revenue, all time"),
    "last_purchase": N_("Last purchase"),
    "p_alive": N_("P(alive), 0 to 1"),
    "clv": N_("Lifetime value, ₽"),
}
_FAMILIES = ("temperature", "lifecycle", "rfm_segment", "behaviour")


def _export_rows(session: Session, actor: Actor, segment_id: int) -> Iterator[list[Any]]:
    ids = list(
        session.scalars(
            select(SegmentMember.customer_id)
            .where(SegmentMember.segment_id == segment_id)
            .order_by(SegmentMember.customer_id)
        )
    )
    for chunk in in_chunks(session, ids):  # a chunk at a time: an export of a million cards streams
        cards = profiles_of(session, actor, chunk.values)
        scores = scored(session, [c.id for c in cards])
        for c in cards:
            f = scores.get(c.id, NOT_SCORED)
            yield [
                c.id,
                c.last_name,
                c.first_name,
                c.middle_name,
                c.phone,
                c.email,
                c.city,
                c.birth_date,
                c.gender,
                f.temperature,
                f.lifecycle,
                f.rfm_segment,
                f.behaviour,
                f.orders,
                f.revenue,
                f.last_purchase,
                None if f.p_alive is None else round(f.p_alive, 4),
                f.clv,
            ]


@dataclass(frozen=True)
class Export:
    """A file to stream: ``chunks(session)`` yields its bytes, reading the members through ``session`` a chunk of
    cards at a time (an export of a whole base never sits in memory)."""

    chunks: Callable[[Session], Iterator[bytes]]
    media_type: str
    filename: str


def export_members(
    session: Session, actor: Actor, segment_id: int, fmt: str, words: Callable[[str], str] | None = None
) -> Export:
    """The members as a file: CSV for Excel (UTF-8 with BOM, ';') or XLSX. With ``words`` (a page's gettext) the
    header and the groups (temperature, lifecycle ...) are in its language; without, they are the machine names an
    integration expects. Every check is made here, before the first chunk."""
    require(actor, "customers:read")
    seg = get_segment(session, actor, segment_id)
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed(UNKNOWN_FORMAT, value=fmt)
    header: list[str] = list(EXPORT_COLUMNS)
    if words is not None:
        header = [words(EXPORT_LABELS[c]) for c in EXPORT_COLUMNS]
    stem = f"segment-{seg.id}" + (f"-{seg.as_of.isoformat()}" if seg.as_of else "")  # the day it was computed for
    seg_id, title = seg.id, seg.name or "segment"
    money = [EXPORT_COLUMNS.index("revenue"), EXPORT_COLUMNS.index("clv")]

    def rows(reading: Session) -> Iterator[list[Any]]:
        found = _export_rows(reading, actor, seg_id)
        return found if words is None else _in_words(found, words)

    def csv_chunks(reading: Session) -> Iterator[bytes]:
        return sheets.csv_stream(header, rows(reading))

    def xlsx_chunks(reading: Session) -> Iterator[bytes]:
        def typed() -> Iterator[list[Any]]:
            for row in rows(reading):
                for i in money:
                    row[i] = None if row[i] is None else float(row[i])
                yield row

        return sheets.xlsx_stream(title, header, typed())

    if fmt == "csv":
        return Export(csv_chunks, sheets.CSV_TYPE, f"{stem}.csv")
    return Export(xlsx_chunks, sheets.XLSX_TYPE, f"{stem}.xlsx")


def _in_words(rows: Iterator[list[Any]], words: Callable[[str], str]) -> Iterator[list[Any]]:
    at = [EXPORT_COLUMNS.index(f) for f in _FAMILIES]
    for row in rows:
        for i in at:
            if row[i] is not None:
                row[i] = words(analytics.label(EXPORT_COLUMNS[i], row[i])[0])
        yield row


def value_by_segment(session: Session) -> list[dict[str, Any]]:
    """The base valuation per saved segment: members with a prediction, mean P(alive), value over 1-3 years."""
    c = analytics.CustomerClv
    rows = session.execute(
        select(
            Segment.id,
            Segment.name,
            func.count(),
            func.avg(c.p_alive),
            func.sum(c.value_1y),
            func.sum(c.value_2y),
            func.sum(c.value_3y),
        )
        .join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .join(c, c.customer_id == SegmentMember.customer_id)
        .where(Segment.archived.is_(False))
        .group_by(Segment.id, Segment.name)
    )
    out = [
        {
            "id": i,
            "key": name,
            "customers": n,
            "p_alive": float(alive or 0),
            "value_1y": float(v1 or 0),
            "value_2y": float(v2 or 0),
            "value_3y": float(v3 or 0),
        }
        for i, name, n, alive, v1, v2, v3 in rows
    ]
    return sorted(out, key=lambda r: -r["value_3y"])


def members_query(segment_id: int) -> Select[Any]:
    """A query of the ids of the segment's members, for others to select their rows by (a campaign's audience)."""
    return select(SegmentMember.customer_id).where(SegmentMember.segment_id == segment_id)
