"""Cards written in bulk for an import (the same rules as :func:`.resolve`, a batch at a time): who already owns
an identity, new cards under reserved ids, existing cards enriched, consents and tags, differing values aside. The
import plans the batch and counts; the rows are written here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from klientura.audit import Actor, record
from klientura.customers.consents import Given, add_fresh_consents, set_consent
from klientura.customers.models import Consent, Customer, CustomerTag, FieldValue, Identity
from klientura.customers.resolve import Prepared, profile_diff
from klientura.customers.tags import ensure_tags
from klientura.db import (
    Session,
    bulk_insert,
    in_chunks,
    insert_rows,
    refresh_statistics,
    reserve_ids,
    select_in,
    utcnow,
)


def identity_owners(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """{(kind, value): card} of the identities already in the store among ``keys``."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in keys:
        by_kind[kind].append(value)
    found: dict[tuple[str, str], int] = {}
    for kind, values in by_kind.items():
        rows = select_in(session, Identity, ("value", "customer_id"), "value", values, kind=kind)
        found.update({(kind, v): cid for v, cid in rows})
    return found


CARD_COLUMNS = (
    "id",
    "last_name",
    "first_name",
    "middle_name",
    "gender",
    "birth_date",
    "city",
    "postcode",
    "region",
    "address",
    "acquisition_source",
    "attributes",
    "created_at",
    "updated_at",
)
IDENTITY_COLUMNS = ("customer_id", "kind", "value", "raw", "source", "is_primary", "created_at")


def new_card_rows(
    session: Session, cards: list[dict[str, Any]], claims: list[tuple[int, str, str, str]], source: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows (in CARD_COLUMNS, IDENTITY_COLUMNS) for new cards of these profiles and their identities — ``claims``:
    (which card, kind, value, raw) — under freshly reserved ids."""
    now = utcnow()
    ids = reserve_ids(session, Customer, len(cards))
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
            p.get("postcode"),
            p.get("region"),
            p.get("address"),
            p.get("acquisition_source"),
            attrs,
            now,
            now,
        )
        for cid, p in zip(ids, cards, strict=True)
    ]
    idents = [(ids[g], k, v, raw, source, False, now) for g, k, v, raw in claims]
    return rows, idents


def write_new_cards(session: Session, rows: list[tuple[Any, ...]], idents: list[tuple[Any, ...]]) -> None:
    """Insert the rows :func:`new_card_rows` made (in a background thread of an import: nothing else here)."""
    insert_rows(session, Customer, CARD_COLUMNS, rows)
    insert_rows(session, Identity, IDENTITY_COLUMNS, idents)


def enrich_cards(
    session: Session,
    actor: Actor,
    rows: list[tuple[int, Prepared]],
    found: dict[tuple[str, str], int],
    claim: set[tuple[str, str]],
    source: str,
    field_values: list[dict[str, Any]],
) -> tuple[int, int]:
    """Existing cards take the rows' new identities and fill their empty fields; differing values are kept aside
    (appended to ``field_values``, to be written with :func:`add_field_values`). (cards changed, cards unchanged)."""
    if not rows:
        return 0, 0
    updated = unchanged = 0
    ids = sorted({cid for cid, _ in rows})
    cols = ("last_name", "first_name", "middle_name", "gender", "birth_date", "city", "postcode", "region", "address",
            "acquisition_source")  # fmt: skip
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
            updated += 1
        else:
            unchanged += 1
    if new_idents:
        bulk_insert(session, Identity, new_idents)
    if changed:
        session.execute(update(Customer), [{"id": cid, **current[cid], "updated_at": utcnow()} for cid in changed])
    for cid in changed | {r["customer_id"] for r in new_idents}:
        record(session, actor, "customer.enrich", "customer", cid, before[cid], current[cid])
    return updated, unchanged


def _known_values(session: Session, ids: list[int]) -> set[tuple[int, str, str]]:
    out: set[tuple[int, str, str]] = set()
    for chunk in in_chunks(session, ids):
        stmt = select(FieldValue.customer_id, FieldValue.field, FieldValue.value).where(
            chunk.of(FieldValue.customer_id)
        )
        out.update((a, b, c) for a, b, c in session.execute(stmt))
    return out


def add_consents_and_tags(session: Session, actor: Actor, rows: list[tuple[int, Prepared]], source: str) -> None:
    """The rows' consents (a new channel added, a changed decision set and audited) and tags, in bulk."""
    with_consents = [(cid, p) for cid, p in rows if p.consents]
    if with_consents:
        ids = sorted({cid for cid, _ in with_consents})
        have: dict[tuple[int, str], bool] = {}
        for chunk in in_chunks(session, ids):
            stmt = select(Consent.customer_id, Consent.channel, Consent.granted).where(chunk.of(Consent.customer_id))
            have.update({(cid, ch): g for cid, ch, g in session.execute(stmt)})
        fresh: list[tuple[int, str, bool]] = []
        for cid, p in with_consents:
            for channel, granted in p.consents.items():
                if (cid, channel) not in have:
                    fresh.append((cid, channel, granted))
                elif have[(cid, channel)] != granted:  # a file's column: it withdraws, it never undoes a withdrawal
                    set_consent(session, actor, cid, channel, granted, Given(source))
                have[(cid, channel)] = granted
        if fresh:
            add_fresh_consents(session, actor, fresh, Given(source))
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


def add_field_values(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Values that differ from a card's, kept aside with their source."""
    bulk_insert(session, FieldValue, list(rows))


def refresh_card_statistics(session: Session) -> None:
    """Let the planner see the cards a long import has written so far."""
    refresh_statistics(session, Identity, Customer, FieldValue)
