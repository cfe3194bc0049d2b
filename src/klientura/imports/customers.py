"""Bulk import of customer rows: batches resolved against the identity index in a few queries.

Same rules as one card at a time (``customers.resolve``): a row with a known identity lands on the
existing card, fills its empty fields and leaves differing values aside; rows of one batch that share
an identity become one card. A batch that meets a concurrent writer falls back to the row-by-row path.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from klientura.audit import Actor, record
from klientura.customers import (
    Consent,
    Customer,
    CustomerTag,
    FieldValue,
    Identity,
    Prepared,
    resolve,
    set_consent,
)
from klientura.customers.names import clean_name, normalize_gender, split_full_name
from klientura.customers.resolve import PRIORITY, profile_diff
from klientura.customers.tags import ensure_tags
from klientura.db import Session, bulk_insert, refresh_statistics, reserve_ids, utcnow
from klientura.imports.readers import Cell, Table
from klientura.imports.report import Progress, Report, raw_of
from klientura.kit.dates import parse_date
from klientura.kit.errors import ValidationFailed
from klientura.kit.identifiers import normalize_identity

_ID_FIELDS = ("external_id", "card", "phone", "email", "telegram")
_YES = {"1", "да", "yes", "y", "true", "+", "согласен", "подписан", "д"}
_NO = {"0", "нет", "no", "n", "false", "-", "не согласен", "отписан", "н", ""}


def _text(row: list[Cell], idx: int | None) -> str | None:
    if idx is None or idx >= len(row):
        return None
    v = row[idx]
    if v is None:
        return None
    if isinstance(v, datetime | date):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def parse_row(row: list[Cell], m: dict[str, int], *, region: str, source: str) -> Prepared:
    profile: dict[str, Any] = {}
    full = _text(row, m.get("full_name"))
    if full:
        last, first, middle = split_full_name(full)
        profile.update({k: v for k, v in (("last_name", last), ("first_name", first), ("middle_name", middle)) if v})
    for name in ("last_name", "first_name", "middle_name", "city"):
        value = clean_name(_text(row, m.get(name)))
        if value:
            profile[name] = value
    src = _text(row, m.get("acquisition_source"))
    if src:
        profile["acquisition_source"] = src[:64]
    gender = _text(row, m.get("gender"))
    if gender:
        profile["gender"] = normalize_gender(gender)
    if m.get("birth_date") is not None:
        cell = row[m["birth_date"]] if m["birth_date"] < len(row) else None
        if cell not in (None, ""):
            bd = parse_date(cell)
            if bd.year < 1900 or bd > date.today():
                raise ValidationFailed(f"implausible birth date: {bd.isoformat()}")
            profile["birth_date"] = bd
    identities: list[tuple[str, str, str]] = []
    for kind in _ID_FIELDS:
        raw = _text(row, m.get(kind))
        if not raw:
            continue
        parts = [raw] if kind != "phone" else [p for p in raw.replace(",", ";").split(";") if p.strip()]
        for part in parts:
            try:
                value = normalize_identity(
                    kind, part, region=region, source=source if kind == "external" and ":" not in part else None
                )
            except ValidationFailed as exc:
                raise ValidationFailed(f"{kind}: {exc.detail}") from exc
            identities.append((kind, value, part.strip()[:200]))
    consents = {}
    for channel in ("email", "sms"):
        raw = _text(row, m.get(f"consent_{channel}"))
        if raw is not None:
            key = raw.lower()
            if key not in _YES and key not in _NO:
                raise ValidationFailed(f"consent_{channel}: expected yes/no, got {raw!r}")
            consents[channel] = key in _YES
    tags_raw = _text(row, m.get("tags"))
    tags = [t.strip() for t in tags_raw.replace(";", ",").split(",") if t.strip()] if tags_raw else []
    if not identities:
        raise ValidationFailed("no phone, e-mail, card or external id: the row cannot be matched to a card")
    return Prepared(profile=profile, identities=identities, consents=consents, tags=tags)


def import_customers(
    session: Session,
    actor: Actor,
    table: Table,
    mapping: dict[str, int],
    *,
    report: Report,
    region: str = "RU",
    source: str = "import",
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> Report:
    batch: list[tuple[int, Prepared]] = []
    flushed = 0
    for row_no, row in enumerate(table.rows, start=2):
        report.total += 1
        try:
            batch.append((row_no, parse_row(row, mapping, region=region, source=source)))
        except ValidationFailed as exc:
            report.reject(row_no, exc.detail, raw_of(table.headers, row))
        if len(batch) >= batch_size:
            _flush(session, actor, batch, report, source)
            batch = []
            flushed += 1
            if flushed in (1, 4, 16, 64, 256):  # the tables grow by orders of magnitude: keep the plans right
                refresh_statistics(session, Identity, Customer, FieldValue)
        if progress is not None and report.total % 1000 == 0:
            progress(1000)
    if batch:
        _flush(session, actor, batch, report, source)
    if progress is not None:
        progress(report.total % 1000)
    return report


def _flush(session: Session, actor: Actor, batch: list[tuple[int, Prepared]], report: Report, source: str) -> None:
    counts = (report.created, report.updated, report.unchanged)
    try:
        with session.begin_nested():
            _bulk(session, actor, batch, report, source)
    except IntegrityError:  # a concurrent writer took an identity: redo this batch one row at a time
        report.created, report.updated, report.unchanged = counts
        for _row_no, prepared in batch:
            res = resolve(session, actor, prepared, source=source)
            if res.created:
                report.created += 1
            elif res.added_identities or res.filled_fields or res.conflicts:
                report.updated += 1
            else:
                report.unchanged += 1


def _lookup(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in keys:
        by_kind[kind].append(value)
    found: dict[tuple[str, str], int] = {}
    for kind, values in by_kind.items():
        for i in range(0, len(values), 900):
            stmt = select(Identity.value, Identity.customer_id).where(
                Identity.kind == kind, Identity.value.in_(values[i : i + 900])
            )
            found.update({(kind, v): cid for v, cid in session.execute(stmt)})
    return found


def _bulk(session: Session, actor: Actor, batch: list[tuple[int, Prepared]], report: Report, source: str) -> None:
    found = _lookup(session, {(k, v) for _, p in batch for k, v, _ in p.identities})
    groups: list[list[Prepared]] = []  # rows that will become one new card
    claim: dict[tuple[str, str], int] = {}  # identity -> index in groups
    existing_rows: list[tuple[int, Prepared]] = []
    for _row_no, p in batch:
        target = next(
            (found[(k, v)] for kind in PRIORITY for k, v, _ in p.identities if k == kind and (k, v) in found), None
        )
        if target is not None:
            existing_rows.append((target, p))
            continue
        g = next(
            (claim[(k, v)] for kind in PRIORITY for k, v, _ in p.identities if k == kind and (k, v) in claim), None
        )
        if g is None:
            g = len(groups)
            groups.append([])
        groups[g].append(p)
        for k, v, _ in p.identities:
            claim.setdefault((k, v), g)
    new_ids = _create(session, groups, claim, source)
    report.created += len(groups)
    report.updated += sum(len(g) - 1 for g in groups)
    field_values: list[dict[str, Any]] = []
    for members, cid in zip(groups, new_ids, strict=True):
        base = dict(members[0].profile)
        for extra in members[1:]:
            fills, conflicts = profile_diff(base, extra.profile)
            base.update(fills)
            field_values += [{"customer_id": cid, "field": n, "value": str(extra.profile[n])[:200], "source": source}
                             for n in conflicts]  # fmt: skip
        if len(members) > 1:
            session.execute(update(Customer), [{"id": cid, **base}])
    _enrich(session, actor, existing_rows, found, claim, report, source, field_values)
    if field_values:
        bulk_insert(session, FieldValue, field_values)
    _extras(
        session, actor, [(cid, p) for g, cid in zip(groups, new_ids, strict=True) for p in g] + existing_rows, source
    )
    if groups:
        record(session, actor, "import.customers.create", "customer", f"{min(new_ids)}..{max(new_ids)}", None,
               {"created": len(groups), "source": source})  # fmt: skip


def _create(
    session: Session, groups: list[list[Prepared]], claim: dict[tuple[str, str], int], source: str
) -> list[int]:
    if not groups:
        return []
    now = utcnow()
    rows = [{**g[0].profile, "attributes": {}, "created_at": now, "updated_at": now} for g in groups]
    for r in rows:
        for name in ("last_name", "first_name", "middle_name", "gender", "birth_date", "city", "acquisition_source"):
            r.setdefault(name, None)
    ids = reserve_ids(session, Customer, len(rows))
    for r, cid in zip(rows, ids, strict=True):
        r["id"] = cid
    bulk_insert(session, Customer, rows)
    raw_of_key = {(k, v): raw for g in groups for p in g for k, v, raw in p.identities}
    ident_rows = [
        {"customer_id": ids[g], "kind": k, "value": v, "raw": raw_of_key[(k, v)], "source": source,
         "is_primary": False, "created_at": now}
        for (k, v), g in claim.items()
    ]  # fmt: skip
    bulk_insert(session, Identity, ident_rows)
    return ids


def _enrich(
    session: Session,
    actor: Actor,
    rows: list[tuple[int, Prepared]],
    found: dict[tuple[str, str], int],
    claim: dict[tuple[str, str], int],
    report: Report,
    source: str,
    field_values: list[dict[str, Any]],
) -> None:
    if not rows:
        return
    ids = sorted({cid for cid, _ in rows})
    cols = ("last_name", "first_name", "middle_name", "gender", "birth_date", "city", "acquisition_source")
    current: dict[int, dict[str, Any]] = {}
    for i in range(0, len(ids), 900):
        stmt = select(Customer.id, *[getattr(Customer, c) for c in cols]).where(Customer.id.in_(ids[i : i + 900]))
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
                new_idents.append({"customer_id": cid, "kind": k, "value": v, "raw": raw, "source": source,
                                   "is_primary": False, "created_at": utcnow()})  # fmt: skip
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
    for i in range(0, len(ids), 900):
        stmt = select(FieldValue.customer_id, FieldValue.field, FieldValue.value).where(
            FieldValue.customer_id.in_(ids[i : i + 900])
        )
        out.update((a, b, c) for a, b, c in session.execute(stmt))
    return out


def _extras(session: Session, actor: Actor, rows: list[tuple[int, Prepared]], source: str) -> None:
    with_consents = [(cid, p) for cid, p in rows if p.consents]
    if with_consents:
        ids = sorted({cid for cid, _ in with_consents})
        have: dict[tuple[int, str], bool] = {}
        for i in range(0, len(ids), 900):
            stmt = select(Consent.customer_id, Consent.channel, Consent.granted).where(
                Consent.customer_id.in_(ids[i : i + 900])
            )
            have.update({(cid, ch): g for cid, ch, g in session.execute(stmt)})
        fresh = []
        for cid, p in with_consents:
            for channel, granted in p.consents.items():
                if (cid, channel) not in have:
                    fresh.append({"customer_id": cid, "channel": channel, "granted": granted, "source": source,
                                  "changed_at": utcnow()})  # fmt: skip
                elif have[(cid, channel)] != granted:
                    set_consent(session, actor, cid, channel, granted, source)
                have[(cid, channel)] = granted
        if fresh:
            bulk_insert(session, Consent, fresh)
            for r in fresh:
                record(session, actor, "consent.set", "customer", r["customer_id"], None,
                       {"channel": r["channel"], "granted": r["granted"], "source": source})  # fmt: skip
    with_tags = [(cid, p) for cid, p in rows if p.tags]
    if with_tags:
        tag_ids = ensure_tags(session, [t for _, p in with_tags for t in p.tags])
        ids = sorted({cid for cid, _ in with_tags})
        have_tags: set[tuple[int, int]] = set()
        for i in range(0, len(ids), 900):
            tag_stmt = select(CustomerTag.customer_id, CustomerTag.tag_id).where(
                CustomerTag.customer_id.in_(ids[i : i + 900])
            )
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
