"""Rows of a customers file into canonical profiles and identities; runs in the parsing process.

``CustomerRows(mapping, region, today, source)`` is a picklable callable turning a batch of ``(row number,
cells)`` into :class:`ParsedCustomer` or :class:`Rejected` tuples (plain tuples pickle cheaply between
processes). The rules are those of one card at a time (``customers.prepare``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from klientura.customers import (
    IMPLAUSIBLE_BIRTH_DATE,
    PRIORITY,
    clean_name,
    clean_postcode,
    normalize_gender,
    profile_diff,
    split_full_name,
)
from klientura.imports.errors import NO_IDENTITY, NOT_YES_NO
from klientura.imports.readers import Cell
from klientura.imports.report import raw_of
from klientura.kit.dates import parse_date
from klientura.kit.errors import KlienturaError, ValidationFailed, located
from klientura.kit.identifiers import normalize_identity

# identity columns of a customers file and the identity kind each holds, in the order they are read
IDENTITY_COLUMNS = {
    "external_id": "external",
    "card": "card",
    "phone": "phone",
    "email": "email",
    "telegram": "telegram",
}
_YES = {"1", "да", "yes", "y", "true", "+", "согласен", "подписан", "д"}
_NO = {"0", "нет", "no", "n", "false", "-", "не согласен", "отписан", "н", ""}
_NAMES = ("last_name", "first_name", "middle_name", "city", "region")


# one good row: (row number, profile, identities as (kind, canonical value, raw), consents, tags) — a plain
# tuple, which crosses between processes at a fraction of a dataclass's cost
Row = tuple[int, dict[str, Any], list[tuple[str, str, str]], dict[str, bool], list[str]]


class Rejected(NamedTuple):
    row_no: int
    reason: str  # in English; code, params and field let the report translate it
    raw: dict[str, Any]  # the row as it was in the file, for the report
    code: str | None = None
    params: dict[str, Any] | None = None
    field: str | None = None

    @classmethod
    def of(cls, row_no: int, exc: KlienturaError, raw: dict[str, Any]) -> Rejected:
        return cls(row_no, exc.detail, raw, exc.code.key if exc.code else None, exc.plain_params or None, exc.field)


@dataclass
class Plan:
    """Which rows of a batch land on existing cards, which become new ones and with what."""

    existing: list[tuple[int, int]] = field(default_factory=list)  # (customer id, row index)
    group_of: list[int] = field(default_factory=list)  # per row: index of its new card, -1 for existing
    cards: list[dict[str, Any]] = field(default_factory=list)  # profile of each new card
    claims: list[tuple[int, str, str, str]] = field(default_factory=list)  # (card, kind, value, raw)
    conflicts: list[tuple[int, str, str]] = field(default_factory=list)  # (card, field, differing value)


@dataclass
class CustomerBatch:
    rejected: list[Rejected]
    rows: list[Row]
    plan: Plan  # as if no identity of the batch were known yet; redone when the store knows some
    # rows imported without a value that could not be read (a birth year typed 7003): the report names them
    noted: list[Rejected] = field(default_factory=list)


def plan_cards(rows: list[Row], found: dict[tuple[str, str], int]) -> Plan:
    """Rows holding a known identity land on that card (by PRIORITY); the others become new cards, rows of
    the batch that share an identity becoming one card whose later rows fill its gaps."""
    plan = Plan()
    claim: dict[tuple[str, str], int] = {}
    for i, (_row_no, profile, identities, _c, _t) in enumerate(rows):
        if found:
            target = next(
                (found[(k, v)] for kind in PRIORITY for k, v, _ in identities if k == kind and (k, v) in found), None
            )
            if target is not None:
                plan.existing.append((target, i))
                plan.group_of.append(-1)
                continue
        g = None
        if claim:
            g = next(
                (claim[(k, v)] for kind in PRIORITY for k, v, _ in identities if k == kind and (k, v) in claim), None
            )
        if g is None:
            g = len(plan.cards)
            plan.cards.append(profile)  # the row's own dict: pickled once for both (copied before a merge)
        else:
            fills, conflicts = profile_diff(plan.cards[g], profile)
            plan.cards[g] = {**plan.cards[g], **fills}
            plan.conflicts += [(g, n, str(profile[n])[:200]) for n in conflicts]
        plan.group_of.append(g)
        for k, v, raw in identities:
            if (k, v) not in claim:
                claim[(k, v)] = g
                plan.claims.append((g, k, v, raw))
    return plan


def text_of(row: list[Cell], idx: int | None) -> str | None:
    if idx is None or idx >= len(row):
        return None
    v = row[idx]
    if v.__class__ is str:  # the usual case first: CSV cells are strings
        return v.strip() or None
    if v is None:
        return None
    if isinstance(v, datetime | date):
        return v.isoformat()
    return str(v).strip() or None


class CustomerRows:
    """Parse customer rows under one column mapping; picklable, so a child process can run it."""

    def __init__(self, headers: list[str], mapping: dict[str, int], *, region: str, today: date, source: str) -> None:
        self.headers, self.m, self.region, self.today, self.source = headers, dict(mapping), region, today, source
        self.names = [(n, mapping[n]) for n in _NAMES if n in mapping]
        self.ids = [(kind, mapping[f]) for f, kind in IDENTITY_COLUMNS.items() if f in mapping]
        self.consent_cols = [(c, mapping[f"consent_{c}"]) for c in ("email", "sms") if f"consent_{c}" in mapping]

    def __call__(self, chunk: list[tuple[int, list[Cell]]]) -> CustomerBatch:
        rows: list[Row] = []
        rejected: list[Rejected] = []
        noted: list[Rejected] = []
        for row_no, row in chunk:
            skipped: list[ValidationFailed] = []
            try:
                rows.append(self.parse(row_no, row, skipped))
            except ValidationFailed as exc:
                rejected.append(Rejected.of(row_no, exc, raw_of(self.headers, row)))
            else:
                noted += [Rejected.of(row_no, exc, raw_of(self.headers, row)) for exc in skipped]
        return CustomerBatch(rejected, rows, plan_cards(rows, {}), noted)

    def parse(self, row_no: int, row: list[Cell], skipped: list[ValidationFailed] | None = None) -> Row:
        """The row's card; a profile value that cannot be read (a birth date, a postcode, a gender) is left out and
        its error added to ``skipped`` — the person is not refused for it (without ``skipped``, it refuses the row)."""
        m = self.m

        def optional(name: str, read: Callable[[], Any]) -> None:
            try:
                value = read()
            except ValidationFailed as exc:
                if skipped is None:
                    raise
                skipped.append(exc if exc.field else located(exc, name))
            else:
                if value is not None:
                    profile[name] = value

        profile: dict[str, Any] = {}
        full = text_of(row, m.get("full_name"))
        if full:
            last, first, middle = split_full_name(full)
            profile.update(
                {k: v for k, v in (("last_name", last), ("first_name", first), ("middle_name", middle)) if v}
            )
        for name, idx in self.names:
            value = clean_name(text_of(row, idx))
            if value:
                profile[name] = value
        src = text_of(row, m.get("acquisition_source"))
        if src:
            profile["acquisition_source"] = src[:64]
        postcode = text_of(row, m.get("postcode"))
        if postcode:
            optional("postcode", lambda: clean_postcode(postcode))
        address = " ".join(part for f in ("house", "address", "address_2") if (part := text_of(row, m.get(f))))
        if address:
            profile["address"] = " ".join(address.split())[:300]
        gender = text_of(row, m.get("gender"))
        if gender:
            optional("gender", lambda: normalize_gender(gender))
        bd_idx = m.get("birth_date")
        if bd_idx is not None and bd_idx < len(row):
            cell = row[bd_idx]
            if cell is not None and cell != "" and (not isinstance(cell, str) or cell.strip()):
                optional("birth_date", lambda: self._birth_date(cell))
        identities: list[tuple[str, str, str]] = []
        for kind, idx in self.ids:
            raw = text_of(row, idx)
            if not raw:
                continue
            parts = [raw] if kind != "phone" else [p for p in raw.replace(",", ";").split(";") if p.strip()]
            for part in parts:
                try:
                    value = normalize_identity(
                        kind,
                        part,
                        region=self.region,
                        source=self.source if kind == "external" and ":" not in part else None,
                    )
                except ValidationFailed as exc:
                    raise located(exc, kind) from exc
                identities.append((kind, value, part.strip()[:200]))
        consents = {}
        for channel, idx in self.consent_cols:
            raw = text_of(row, idx)
            if raw is not None:
                key = raw.lower()
                if key not in _YES and key not in _NO:
                    raise ValidationFailed(NOT_YES_NO, field=f"consent_{channel}", value=raw)
                consents[channel] = key in _YES
        tags_raw = text_of(row, m.get("tags"))
        tags = [t.strip() for t in tags_raw.replace(";", ",").split(",") if t.strip()] if tags_raw else []
        if not identities:
            raise ValidationFailed(NO_IDENTITY)
        return (row_no, profile, identities, consents, tags)

    def _birth_date(self, cell: Cell) -> date:
        assert cell is not None  # the caller skips empty cells
        try:
            bd = parse_date(cell)
        except ValidationFailed as exc:
            raise located(exc, "birth_date") from exc
        if bd.year < 1900 or bd > self.today:
            raise ValidationFailed(IMPLAUSIBLE_BIRTH_DATE, field="birth_date", value=bd.isoformat())
        return bd
