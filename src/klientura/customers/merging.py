"""Merge two cards into one and undo it exactly.

Everything that points at a customer moves to the survivor — the cards' own identities, tags, consents and field
values here, what other domains keep per customer (orders, events, a loyalty account) through their
:class:`MergeHook`, which the app, the CLI and the worker assemble (``klientura.wiring``) — and the merge record lists
each moved row, so unmerge can put every row back and restore the survivor's profile as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import select, update

from klientura.audit import Actor, record
from klientura.auth import owner_scope, require
from klientura.customers.errors import MERGE_INTO_ITSELF, MERGE_NOT_FOUND, MERGE_UNDONE, UNDO_LATER_FIRST
from klientura.customers.lookups import visible_cards
from klientura.customers.models import Consent, ConsentEvent, Customer, CustomerTag, FieldValue, Identity, MergeRecord
from klientura.customers.service import get_for_write
from klientura.db import Session, utcnow
from klientura.kit.errors import Conflict, NotFound, ValidationFailed

# (key in the merge record, model, customer column) of the cards' own rows that simply change hands
REFERENCES: list[tuple[str, Any, Any]] = [
    ("identities", Identity, Identity.customer_id),
    ("field_values", FieldValue, FieldValue.customer_id),
    ("consent_events", ConsentEvent, ConsentEvent.customer_id),
]


class MergeHook(Protocol):
    """A later domain's own way of moving what it keeps per customer (a loyalty account cannot simply change
    hands when the survivor has one too). ``move`` returns what ``undo`` needs, kept in the merge record."""

    key: str

    def move(self, session: Session, survivor_id: int, merged_id: int) -> Any: ...

    def undo(self, session: Session, survivor_id: int, merged_id: int, saved: Any) -> None: ...


PROFILE = (
    "last_name",
    "first_name",
    "middle_name",
    "gender",
    "birth_date",
    "city",
    "postcode",
    "region",
    "address",
    "timezone",
    "preferred_channel",
    "acquisition_source",
    "owner_id",
)


def _profile(c: Customer) -> dict[str, Any]:
    out = {name: getattr(c, name) for name in PROFILE}
    if out["birth_date"] is not None:
        out["birth_date"] = out["birth_date"].isoformat()
    out["attributes"] = dict(c.attributes)
    return out


def _restore(c: Customer, snap: dict[str, Any]) -> None:
    from datetime import date

    for name in PROFILE:
        value = snap.get(name)
        if name == "birth_date" and value is not None:
            value = date.fromisoformat(value)
        setattr(c, name, value)
    c.attributes = dict(snap.get("attributes") or {})


def merge_cards(
    session: Session, actor: Actor, survivor_id: int, merged_id: int, *, hooks: Sequence[MergeHook]
) -> MergeRecord:
    """Move everything of ``merged`` to ``survivor`` - the other domains' parts through ``hooks``, which the app,
    the CLI and the worker assemble (klientura.wiring.merge_hooks), never an import's side effect. The caller
    checks the actor may merge (dedup:write)."""
    if survivor_id == merged_id:
        raise ValidationFailed(MERGE_INTO_ITSELF)
    survivor = get_for_write(session, actor, survivor_id)
    merged = get_for_write(session, actor, merged_id)
    moved: dict[str, Any] = {"survivor_before": _profile(survivor), "merged_before": _profile(merged)}
    for key, model, column in REFERENCES:
        ids = list(session.scalars(select(model.id).where(column == merged.id)))
        if ids:
            session.execute(update(model).where(model.id.in_(ids)).values({column.key: survivor.id}))
        moved[key] = ids
    have_tags = set(session.scalars(select(CustomerTag.tag_id).where(CustomerTag.customer_id == survivor.id)))
    tags = list(session.scalars(select(CustomerTag.tag_id).where(CustomerTag.customer_id == merged.id)))
    for row in session.scalars(select(CustomerTag).where(CustomerTag.customer_id == merged.id)):
        session.delete(row)
    session.flush()
    for tag_id in tags:
        if tag_id not in have_tags:
            session.add(CustomerTag(customer_id=survivor.id, tag_id=tag_id))
    moved["tags"] = tags
    moved["tags_added"] = [t for t in tags if t not in have_tags]
    moved["consents"] = _merge_consents(session, survivor.id, merged.id)
    for hook in hooks:
        moved[hook.key] = hook.move(session, survivor.id, merged.id)
    for name in PROFILE:
        if getattr(survivor, name) in (None, "") and getattr(merged, name) not in (None, ""):
            setattr(survivor, name, getattr(merged, name))
    survivor.attributes = {**merged.attributes, **survivor.attributes}
    merged.merged_into_id = survivor.id
    rec = MergeRecord(survivor_id=survivor.id, merged_id=merged.id, actor_name=actor.name, moved=moved)
    session.add(rec)
    session.flush()
    record(
        session,
        actor,
        "customer.merge",
        "customer",
        survivor.id,
        moved["survivor_before"],
        {"merged_id": merged.id, "merge_id": rec.id, **_profile(survivor)},
    )
    record(session, actor, "customer.merged_into", "customer", merged.id, None, {"survivor_id": survivor.id})
    return rec


def _merge_consents(session: Session, survivor_id: int, merged_id: int) -> list[dict[str, Any]]:
    """Consents of both cards, saved whole; per channel the survivor keeps the decision that wins by the consents'
    rule (klientura.customers.consents): a withdrawal, unless the other card's grant is explicit and newer; else the
    most recent. (Their histories move with the cards' other rows.)"""
    snap = []
    mine = {c.channel: c for c in session.scalars(select(Consent).where(Consent.customer_id == survivor_id))}
    for c in list(session.scalars(select(Consent).where(Consent.customer_id == merged_id))):
        entry = {
            "channel": c.channel,
            "granted": c.granted,
            "source": c.source,
            "changed_at": c.changed_at.isoformat(),
            "explicit": c.explicit,
        }
        own = mine.get(c.channel)
        entry["survivor"] = (
            None
            if own is None
            else {
                "granted": own.granted,
                "source": own.source,
                "changed_at": own.changed_at.isoformat(),
                "explicit": own.explicit,
            }
        )
        snap.append(entry)
        if own is None:
            c.customer_id = survivor_id
        else:
            if _wins(c, own):
                own.granted, own.source, own.changed_at, own.explicit = c.granted, c.source, c.changed_at, c.explicit
            session.delete(c)
    session.flush()
    return snap


def _wins(theirs: Consent, own: Consent) -> bool:
    """Whether the merged card's decision replaces the survivor's."""
    if theirs.granted != own.granted:
        grant, withdrawal = (theirs, own) if theirs.granted else (own, theirs)
        keep_grant = grant.explicit and grant.changed_at > withdrawal.changed_at
        return (theirs is grant) == keep_grant
    return theirs.changed_at > own.changed_at


def unmerge_cards(session: Session, actor: Actor, merge_id: int, *, hooks: Sequence[MergeHook]) -> MergeRecord:
    """Undo the merge exactly: every moved row back, both profiles as they were. The caller checks dedup:write."""
    from datetime import datetime

    rec = session.get(MergeRecord, merge_id)
    if rec is None:
        raise NotFound(MERGE_NOT_FOUND, id=merge_id)
    if rec.undone_at is not None:
        raise Conflict(MERGE_UNDONE, id=merge_id)
    later = session.scalars(
        select(MergeRecord).where(
            MergeRecord.undone_at.is_(None),
            MergeRecord.id > rec.id,
            MergeRecord.merged_id.in_([rec.survivor_id]),
        )
    ).first()
    if later is not None:
        raise Conflict(UNDO_LATER_FIRST, later=later.id, survivor=later.survivor_id)
    survivor = session.get_one(Customer, rec.survivor_id)
    merged = session.get_one(Customer, rec.merged_id)
    moved = rec.moved
    for hook in reversed(hooks):
        if hook.key in moved:
            hook.undo(session, survivor.id, merged.id, moved[hook.key])
    for key, model, column in REFERENCES:
        ids = moved.get(key) or []
        if ids:
            session.execute(
                update(model).where(model.id.in_(ids), column == survivor.id).values({column.key: merged.id})
            )
    for tag_id in moved.get("tags_added", []):
        row = session.get(CustomerTag, (survivor.id, tag_id))
        if row is not None:
            session.delete(row)
    session.flush()
    for tag_id in moved.get("tags", []):
        session.add(CustomerTag(customer_id=merged.id, tag_id=tag_id))
    for entry in moved.get("consents", []):
        at = datetime.fromisoformat(entry["changed_at"])
        if entry["survivor"] is None:
            own = session.scalars(
                select(Consent).where(Consent.customer_id == survivor.id, Consent.channel == entry["channel"])
            ).first()
            if own is not None:
                own.customer_id = merged.id
        else:
            own = session.scalars(
                select(Consent).where(Consent.customer_id == survivor.id, Consent.channel == entry["channel"])
            ).one()
            s = entry["survivor"]
            own.granted, own.source, own.changed_at, own.explicit = (
                s["granted"],
                s["source"],
                datetime.fromisoformat(s["changed_at"]),
                s.get("explicit", False),
            )
            session.add(
                Consent(
                    customer_id=merged.id,
                    channel=entry["channel"],
                    granted=entry["granted"],
                    source=entry["source"],
                    changed_at=at,
                    explicit=entry.get("explicit", False),
                )
            )
    _restore(survivor, moved["survivor_before"])
    _restore(merged, moved["merged_before"])
    merged.merged_into_id = None
    rec.undone_at, rec.undone_by = utcnow(), actor.name
    session.flush()
    record(
        session,
        actor,
        "customer.unmerge",
        "customer",
        survivor.id,
        None,
        {"merge_id": rec.id, "restored": merged.id},
    )
    return rec


def merges_of(session: Session, customer_id: int) -> list[MergeRecord]:
    stmt = (
        select(MergeRecord)
        .where((MergeRecord.survivor_id == customer_id) | (MergeRecord.merged_id == customer_id))
        .order_by(MergeRecord.id.desc())
    )
    return list(session.scalars(stmt))


def recent_merges(session: Session, actor: Actor, limit: int = 20) -> list[MergeRecord]:
    """The latest merges of cards the actor sees (a manager: those whose surviving card is theirs)."""
    require(actor, "customers:read")
    stmt = select(MergeRecord)
    if owner_scope(actor) is not None:
        stmt = stmt.where(MergeRecord.survivor_id.in_(visible_cards(actor)))
    return list(session.scalars(stmt.order_by(MergeRecord.id.desc()).limit(limit)))
