"""Company duplicates suggested the way customer duplicates are: weighed by the duplicate engine
(:mod:`klientura.sales.company_model`: the name once the legal form, quotes and case are set aside — "ООО «Ромашка»"
~ "Ромашка ООО" —, the city, the phone, the site), a pair suggested from the loosest threshold expected to reach the
wanted precision (``KLIENTURA_DEDUP_PRECISION``, as for customers). A company with an INN cannot be doubled (the INN is an identity); these catch the ones typed in without it, and
two typed with different INNs are two legal entities. Candidates are blocked (by phone, site, and the name's first
letters within a city), so the whole base is scanned without comparing every pair."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from sqlalchemy import select

from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.dedup import engine
from klientura.sales import company_model
from klientura.sales.companies import get_company
from klientura.sales.company_model import Facts
from klientura.sales.models import Company
from klientura.sales.owners import visible

LEGAL = re.compile(r"\b(ооо|оао|зао|пао|ао|ип|нао|ано|нко|гк|тд|llc|ltd|inc|gmbh)\b")
NOISE = re.compile(r"[«»\"'“”„.,()\-–—/&]+")


@dataclass
class Suggestion:
    left: int
    right: int
    score: int  # the probability that the two are one company, in per cent
    reasons: list[str] = field(default_factory=list)  # phone | site | name: what they agree on


def name_key(name: str) -> str:
    text = NOISE.sub(" ", (name or "").lower().replace("ё", "е"))
    return " ".join(LEGAL.sub(" ", text).split())


def site_key(site: str | None) -> str | None:
    if not site:
        return None
    host = re.sub(r"^[a-z]+://", "", site.strip().lower()).split("/", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.")
    return host or None


def _facts(row: Company) -> Facts:
    city = " ".join((row.city or "").lower().replace("ё", "е").split()) or None
    phone = re.sub(r"\D", "", row.phone or "")[-10:] or None
    return Facts(row.id, row.name, city, name_key(row.name), phone, site_key(row.site), row.inn)


def _visible(session: Session, actor: Actor) -> list[Facts]:
    query = select(Company).where(Company.deleted_at.is_(None), visible(actor, Company.owner_id)).order_by(Company.id)
    return [_facts(c) for c in session.scalars(query.execution_options(yield_per=2000))]


MAX_BLOCK = 100  # a key shared by more companies pairs each with its next WINDOW neighbours by name only
WINDOW = 5


def candidates(facts: list[Facts]) -> list[tuple[int, int]]:
    """Pairs (indices, i < j) sharing a phone, a site, or one of the name's two leading words (its first four
    letters) in the same city or where a city is missing."""
    blocks: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, f in enumerate(facts):
        if f.phone:
            blocks[("phone", f.phone)].add(i)
        if f.site:
            blocks[("site", f.site)].add(i)
        for word in f.key.split()[:2]:  # a name's leading words, in its city and in the city-less block
            blocks[("name", f"{f.city or ''}|{word[:4]}")].add(i)
            if f.city:
                blocks[("name", f"|{word[:4]}")].add(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) <= MAX_BLOCK:
            pairs.update(combinations(sorted(members), 2))
        else:  # a common word: each company meets the next few by name (a sorted neighbourhood)
            ordered = sorted(members, key=lambda i: (facts[i].key, i))
            pairs.update(
                (min(a, b), max(a, b))
                for step in range(1, WINDOW + 1)
                for a, b in zip(ordered, ordered[step:], strict=False)
            )
    return sorted(pairs)


@lru_cache(maxsize=2)
def _learned(
    facts: tuple[Facts, ...], precision: float
) -> tuple[engine.Model, float, list[tuple[int, int]], dict[str, float] | None]:
    """The model of these companies, its threshold, their candidate pairs and their names' shares — kept while the
    companies are the same (a company page asks again on every view)."""
    found = candidates(list(facts))
    model, threshold = company_model.learn(facts, found, precision)
    return model, threshold, found, company_model.name_shares(facts)


def _suggestions(facts: list[Facts], pairs: list[tuple[int, int]], precision: float) -> list[Suggestion]:
    """The pairs of ``pairs`` over the threshold of the model of these companies."""
    if not pairs:
        return []
    model, threshold, _found, shares = _learned(tuple(facts), precision)
    found = company_model.patterns(facts, pairs)
    bits = company_model.name_bits(model, facts, pairs, found, shares)
    out = []
    for (i, j), row, p in zip(pairs, found, company_model.probabilities(model, found, bits), strict=True):
        if p >= threshold and not company_model.apart(facts[i], facts[j]):
            left, right = sorted((facts[i].id, facts[j].id))
            out.append(Suggestion(left, right, round(float(p) * 100), company_model.reasons(row)))
    return sorted(out, key=lambda s: (-s.score, s.left))


def similar_companies(
    session: Session, actor: Actor, company_id: int, *, precision: float, limit: int = 10
) -> list[Suggestion]:
    """The companies the actor sees that may be this one, best first."""
    one = get_company(session, actor, company_id).id
    facts = _visible(session, actor)
    at = next((i for i, f in enumerate(facts) if f.id == one), None)
    if at is None:
        return []
    mine = [(min(at, j), max(at, j)) for j in range(len(facts)) if j != at]
    return _suggestions(facts, mine, precision)[:limit]


def company_duplicates(session: Session, actor: Actor, *, precision: float, limit: int = 200) -> list[Suggestion]:
    """Likely duplicate pairs in the whole base the actor sees, best first."""
    require(actor, "sales:read")
    facts = _visible(session, actor)
    return _suggestions(facts, _learned(tuple(facts), precision)[2], precision)[:limit]
