"""Bulk import of customer rows: batches resolved against the identity index in a few queries.

Same rules as one card at a time (``customers.resolve``): a row with a known identity lands on the
existing card, fills its empty fields and leaves differing values aside; rows of one batch that share
an identity become one card. A batch that meets a concurrent writer falls back to the row-by-row path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction

from klientura.audit import Actor, record
from klientura.customers import (
    Consent,
    Customer,
    CustomerTag,
    FieldValue,
    Identity,
    Prepared,
    ensure_tags,
    profile_diff,
    resolve,
    set_consent,
)
from klientura.db import (
    Deferred,
    Session,
    bulk_insert,
    in_chunks,
    insert_rows,
    refresh_statistics,
    reserve_ids,
    select_in,
    utcnow,
)
from klientura.imports.pipeline import parse_batches
from klientura.imports.readers import Table
from klientura.imports.report import Progress, Report
from klientura.imports.rows import CustomerBatch, CustomerRows, Plan, Row, plan_cards


def import_customers(
    session: Session,
    actor: Actor,
    table: Table,
    mapping: dict[str, int],
    *,
    report: Report,
    region: str,
    today: date,
    source: str = "import",
    batch_size: int = 5000,
    progress: Progress | None = None,
    workers: int = 0,
) -> Report:
    parse = CustomerRows(table.headers, mapping, region=region, today=today, source=source)
    writer = _Writer(session, actor, report, source)
    try:
        for flushed, batch in enumerate(parse_batches(table, parse, batch_size=batch_size, workers=workers), 1):
            for rej in batch.result.rejected:
                report.reject(rej)
            report.total += batch.rows
            if batch.result.rows:
                writer.flush(batch.result)
            if flushed in (1, 4, 16, 64, 256):  # the tables grow by orders of magnitude: keep the plans right
                writer.settle()
                refresh_statistics(session, Identity, Customer, FieldValue)
            if progress is not None:
                progress(batch.rows)
    except BaseException:
        writer.deferred.abandon()  # the caller rolls back: not under a write still running
        raise
    writer.settle()
    return report


def _prepared(row: Row) -> Prepared:
    return Prepared(profile=row[1], identities=row[2], consents=row[3], tags=row[4])


class _Writer:
    """Writes batches under a savepoint each. A batch of only new cards (the bulk of a first import) is
    written in a background thread while the next one is read; its savepoint is settled — released, or
    rolled back and the batch redone one card at a time if a concurrent writer took one of its identities —
    before the session is used again."""

    def __init__(self, session: Session, actor: Actor, report: Report, source: str) -> None:
        self.session, self.actor, self.report, self.source = session, actor, report, source
        self.deferred = Deferred()
        self.pending: tuple[SessionTransaction, CustomerBatch, tuple[int, int, int]] | None = None

    def flush(self, batch: CustomerBatch) -> None:
        self.settle()
        counts = (self.report.created, self.report.updated, self.report.unchanged)
        nested = self.session.begin_nested()
        self._finish(nested, batch, counts, lambda: self._write(nested, batch, counts))

    def settle(self) -> None:
        if self.pending is not None:
            nested, batch, counts = self.pending
            self.pending = None
            self._finish(nested, batch, counts, self._waited)

    def _waited(self) -> bool:
        self.deferred.wait()
        return False

    def _write(self, nested: SessionTransaction, batch: CustomerBatch, counts: tuple[int, int, int]) -> bool:
        """Write the batch; True when its new cards are still being written in the background."""
        found = _lookup(self.session, {(k, v) for _, k, v, _ in batch.plan.claims})  # the batch's identities
        if found or batch.plan.conflicts or any(row[3] or row[4] for row in batch.rows):
            _bulk(self.session, self.actor, batch, found, self.report, self.source)
            return False
        rows, idents = _new_cards(self.session, batch.plan, self.source)
        _created(self.session, self.actor, self.report, batch, batch.plan, [r[0] for r in rows], self.source)
        self.session.flush()  # the audit entry first: the session is the writer's until settled
        self.deferred.run(_write_new, self.session, rows, idents)
        self.pending = (nested, batch, counts)
        return True

    def _finish(
        self, nested: SessionTransaction, batch: CustomerBatch, counts: tuple[int, int, int], work: Callable[[], bool]
    ) -> None:
        try:
            if work():
                return  # settled later
        except IntegrityError:  # a concurrent writer took an identity of the batch
            nested.rollback()
            self._redo(batch, counts)
            return
        except BaseException:
            nested.rollback()
            raise
        nested.commit()

    def _redo(self, batch: CustomerBatch, counts: tuple[int, int, int]) -> None:
        """A concurrent writer took an identity of the batch: one card at a time, each lands where it must."""
        self.report.created, self.report.updated, self.report.unchanged = counts
        for row in batch.rows:
            res = resolve(self.session, self.actor, _prepared(row), source=self.source)
            if res.created:
                self.report.created += 1
            elif res.added_identities or res.filled_fields or res.conflicts:
                self.report.updated += 1
            else:
                self.report.unchanged += 1


def _lookup(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in keys:
        by_kind[kind].append(value)
    found: dict[tuple[str, str], int] = {}
    for kind, values in by_kind.items():
        rows = select_in(session, Identity, ("value", "customer_id"), "value", values, kind=kind)
        found.update({(kind, v): cid for v, cid in rows})
    return found


def _bulk(
    session: Session,
    actor: Actor,
    batch: CustomerBatch,
    found: dict[tuple[str, str], int],
    report: Report,
    source: str,
) -> None:
    plan = plan_cards(batch.rows, found) if found else batch.plan  # the parser planned for an unknown batch
    new_ids: list[int] = []
    if plan.cards:
        rows, idents = _new_cards(session, plan, source)
        _write_new(session, rows, idents)
        new_ids = [r[0] for r in rows]
    _created(session, actor, report, batch, plan, new_ids, source)
    field_values = [
        {"customer_id": new_ids[g], "field": name, "value": value, "source": source}
        for g, name, value in plan.conflicts
    ]
    existing = [(cid, _prepared(batch.rows[i])) for cid, i in plan.existing]
    _enrich(session, actor, existing, found, {(k, v) for _, k, v, _ in plan.claims}, report, source, field_values)
    if field_values:
        bulk_insert(session, FieldValue, field_values)
    extras = [(cid, p) for cid, p in existing if p.consents or p.tags]
    extras += [
        (new_ids[g], _prepared(row))
        for g, row in zip(plan.group_of, batch.rows, strict=True)
        if g >= 0 and (row[3] or row[4])
    ]
    _extras(session, actor, extras, source)


def _created(
    session: Session, actor: Actor, report: Report, batch: CustomerBatch, plan: Plan, ids: list[int], source: str
) -> None:
    """Count the batch's new cards and the rows folded into them, and audit the cards as one id range."""
    report.created += len(plan.cards)
    report.updated += len(batch.rows) - len(plan.existing) - len(plan.cards)
    if ids:
        record(
            session,
            actor,
            "import.customers.create",
            "customer",
            f"{min(ids)}..{max(ids)}",
            None,
            {"created": len(ids), "source": source},
        )


_CUSTOMER_COLS = (
    "id",
    "last_name",
    "first_name",
    "middle_name",
    "gender",
    "birth_date",
    "city",
    "acquisition_source",
    "attributes",
    "created_at",
    "updated_at",
)
_IDENTITY_COLS = ("customer_id", "kind", "value", "raw", "source", "is_primary", "created_at")


def _new_cards(session: Session, plan: Plan, source: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for the new cards of ``plan`` and their identities, under freshly reserved ids."""
    now = utcnow()
    ids = reserve_ids(session, Customer, len(plan.cards))
    attrs: dict[str, Any] = {}  # one object for every row: serialised once
    rows = [
        (
            cid,
            p.get("last_name"),
            p.get("first_name"),
            p.get("middle_name"),
            p.get("gender"),
            p.get("birth_date"),
            p.get("city"),
            p.get("acquisition_source"),
            attrs,
            now,
            now,
        )
        for cid, p in zip(ids, plan.cards, strict=True)
    ]
    idents = [(ids[g], k, v, raw, source, False, now) for g, k, v, raw in plan.claims]
    return rows, idents


def _write_new(session: Session, rows: list[tuple[Any, ...]], idents: list[tuple[Any, ...]]) -> None:
    insert_rows(session, Customer, _CUSTOMER_COLS, rows)
    insert_rows(session, Identity, _IDENTITY_COLS, idents)


def _enrich(
    session: Session,
    actor: Actor,
    rows: list[tuple[int, Prepared]],
    found: dict[tuple[str, str], int],
    claim: set[tuple[str, str]],
    report: Report,
    source: str,
    field_values: list[dict[str, Any]],
) -> None:
    if not rows:
        return
    ids = sorted({cid for cid, _ in rows})
    cols = ("last_name", "first_name", "middle_name", "gender", "birth_date", "city", "acquisition_source")
    current: dict[int, dict[str, Any]] = {}
    for chunk in in_chunks(session, ids):
        stmt = select(Customer.id, *[getattr(Customer, c) for c in cols]).where(chunk.of(Customer.id))
        for r in session.execute(stmt):
            current[r[0]] = dict(zip(cols, r[1:], strict=True))
    known = _known_values(session, ids)
    before = {cid: dict(p) for cid, p in current.items()}
    new_idents: list[dict[str, Any]] = []
    taken = set(found) | set(claim)
    changed: set[int] = set()
    for cid, p in rows:
        touched = False
        for k, v, raw in p.identities:
            if (k, v) not in taken:
                taken.add((k, v))
                new_idents.append(
                    {
                        "customer_id": cid,
                        "kind": k,
                        "value": v,
                        "raw": raw,
                        "source": source,
                        "is_primary": False,
                        "created_at": utcnow(),
                    }
                )
                touched = True
        fills, conflicts = profile_diff(current[cid], p.profile)
        if fills:
            current[cid].update(fills)
            changed.add(cid)
            touched = True
        for name in conflicts:
            value = str(p.profile[name])[:200]
            if (cid, name, value) not in known:
                known.add((cid, name, value))
                field_values.append({"customer_id": cid, "field": name, "value": value, "source": source})
                touched = True
        if touched:
            report.updated += 1
        else:
            report.unchanged += 1
    if new_idents:
        bulk_insert(session, Identity, new_idents)
    if changed:
        session.execute(update(Customer), [{"id": cid, **current[cid], "updated_at": utcnow()} for cid in changed])
    for cid in changed | {r["customer_id"] for r in new_idents}:
        record(session, actor, "customer.enrich", "customer", cid, before[cid], current[cid])


def _known_values(session: Session, ids: list[int]) -> set[tuple[int, str, str]]:
    out: set[tuple[int, str, str]] = set()
    for chunk in in_chunks(session, ids):
        stmt = select(FieldValue.customer_id, FieldValue.field, FieldValue.value).where(
            chunk.of(FieldValue.customer_id)
        )
        out.update((a, b, c) for a, b, c in session.execute(stmt))
    return out


def _extras(session: Session, actor: Actor, rows: list[tuple[int, Prepared]], source: str) -> None:
    with_consents = [(cid, p) for cid, p in rows if p.consents]
    if with_consents:
        ids = sorted({cid for cid, _ in with_consents})
        have: dict[tuple[int, str], bool] = {}
        for chunk in in_chunks(session, ids):
            stmt = select(Consent.customer_id, Consent.channel, Consent.granted).where(chunk.of(Consent.customer_id))
            have.update({(cid, ch): g for cid, ch, g in session.execute(stmt)})
        fresh = []
        for cid, p in with_consents:
            for channel, granted in p.consents.items():
                if (cid, channel) not in have:
                    fresh.append(
                        {
                            "customer_id": cid,
                            "channel": channel,
                            "granted": granted,
                            "source": source,
                            "changed_at": utcnow(),
                        }
                    )
                elif have[(cid, channel)] != granted:
                    set_consent(session, actor, cid, channel, granted, source)
                have[(cid, channel)] = granted
        if fresh:
            bulk_insert(session, Consent, fresh)
            for r in fresh:
                record(
                    session,
                    actor,
                    "consent.set",
                    "customer",
                    r["customer_id"],
                    None,
                    {"channel": r["channel"], "granted": r["granted"], "source": source},
                )
    with_tags = [(cid, p) for cid, p in rows if p.tags]
    if with_tags:
        tag_ids = ensure_tags(session, [t for _, p in with_tags for t in p.tags])
        ids = sorted({cid for cid, _ in with_tags})
        have_tags: set[tuple[int, int]] = set()
        for chunk in in_chunks(session, ids):
            tag_stmt = select(CustomerTag.customer_id, CustomerTag.tag_id).where(chunk.of(CustomerTag.customer_id))
            have_tags.update((a, b) for a, b in session.execute(tag_stmt))
        new_tags = []
        for cid, p in with_tags:
            for t in p.tags:
                key = (cid, tag_ids[" ".join(t.split()).lower()])
                if key not in have_tags:
                    have_tags.add(key)
                    new_tags.append({"customer_id": key[0], "tag_id": key[1]})
        if new_tags:
            bulk_insert(session, CustomerTag, new_tags)
