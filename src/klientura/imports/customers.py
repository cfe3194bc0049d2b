"""Bulk import of customer rows: batches resolved against the identity index in a few queries.

Same rules as one card at a time (``customers.resolve``): a row with a known identity lands on the
existing card, fills its empty fields and leaves differing values aside; rows of one batch that share
an identity become one card. A batch that meets a concurrent writer falls back to the row-by-row path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction

from klientura.audit import Actor, record
from klientura.customers import (
    Prepared,
    add_consents_and_tags,
    add_field_values,
    enrich_cards,
    identity_owners,
    new_card_rows,
    refresh_card_statistics,
    resolve,
    write_new_cards,
)
from klientura.db import (
    Deferred,
    Session,
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
            for kept in batch.result.noted:
                report.note(kept)
            report.total += batch.rows
            if batch.result.rows:
                writer.flush(batch.result)
            if flushed in (1, 4, 16, 64, 256):  # the tables grow by orders of magnitude: keep the plans right
                writer.settle()
                refresh_card_statistics(session)
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
        found = identity_owners(self.session, {(k, v) for _, k, v, _ in batch.plan.claims})  # the batch's identities
        if found or batch.plan.conflicts or any(row[3] or row[4] for row in batch.rows):
            _bulk(self.session, self.actor, batch, found, self.report, self.source)
            return False
        rows, idents = new_card_rows(self.session, batch.plan.cards, batch.plan.claims, self.source)
        _created(self.session, self.actor, self.report, batch, batch.plan, [r[0] for r in rows], self.source)
        self.session.flush()  # the audit entry first: the session is the writer's until settled
        self.deferred.run(write_new_cards, self.session, rows, idents)
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
        rows, idents = new_card_rows(session, plan.cards, plan.claims, source)
        write_new_cards(session, rows, idents)
        new_ids = [r[0] for r in rows]
    _created(session, actor, report, batch, plan, new_ids, source)
    field_values = [
        {"customer_id": new_ids[g], "field": name, "value": value, "source": source}
        for g, name, value in plan.conflicts
    ]
    existing = [(cid, _prepared(batch.rows[i])) for cid, i in plan.existing]
    updated, unchanged = enrich_cards(
        session, actor, existing, found, {(k, v) for _, k, v, _ in plan.claims}, source, field_values
    )
    report.updated += updated
    report.unchanged += unchanged
    if field_values:
        add_field_values(session, field_values)
    extras = [(cid, p) for cid, p in existing if p.consents or p.tags]
    extras += [
        (new_ids[g], _prepared(row))
        for g, row in zip(plan.group_of, batch.rows, strict=True)
        if g >= 0 and (row[3] or row[4])
    ]
    add_consents_and_tags(session, actor, extras, source)


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
