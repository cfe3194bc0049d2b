"""Company duplicates suggested the way customer duplicates are: the same phone or web site, or a name that reads
the same once the legal form, quotes and case are set aside ("ООО «Ромашка»" ~ "Ромашка ООО") in the same city
(or where a city is missing). A company with an INN cannot be doubled (the INN is an identity); these catch the
ones typed in without it. Candidates are blocked (by phone, site, and the name's first letters within a city), so
the whole base is scanned without comparing every pair."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz
from sqlalchemy import select

from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session
from klientura.sales.companies import get_company
from klientura.sales.models import Company
from klientura.sales.owners import visible

LEGAL = re.compile(r"\b(ооо|оао|зао|пао|ао|ип|нао|ано|нко|гк|тд|llc|ltd|inc|gmbh)\b")
NOISE = re.compile(r"[«»\"'“”„.,()\-–—/&]+")
NAME_LIKE = 90  # rapidfuzz's token-set ratio of the cleaned names


@dataclass(frozen=True)
class Facts:
    id: int
    name: str
    city: str | None
    key: str
    phone: str | None
    site: str | None


@dataclass
class Suggestion:
    left: int
    right: int
    score: int
    reasons: list[str] = field(default_factory=list)  # phone | site | name


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
    return Facts(row.id, row.name, city, name_key(row.name), phone, site_key(row.site))


def _compare(a: Facts, b: Facts) -> Suggestion | None:
    reasons = [r for r, x, y in (("phone", a.phone, b.phone), ("site", a.site, b.site)) if x and x == y]
    similar = int(fuzz.token_set_ratio(a.key, b.key)) if a.key and b.key else 0
    same_place = a.city is None or b.city is None or a.city == b.city
    if similar >= NAME_LIKE and same_place:
        reasons.append("name")
    if not reasons:
        return None
    score = max(similar, 95 if ("phone" in reasons or "site" in reasons) else 0)
    left, right = sorted((a.id, b.id))
    return Suggestion(left, right, min(100, score + 5 * (len(reasons) - 1)), reasons)


def _visible(session: Session, actor: Actor) -> list[Facts]:
    query = select(Company).where(Company.deleted_at.is_(None), visible(actor, Company.owner_id))
    return [_facts(c) for c in session.scalars(query.execution_options(yield_per=2000))]


def similar_companies(session: Session, actor: Actor, company_id: int, limit: int = 10) -> list[Suggestion]:
    """The companies the actor sees that may be this one, best first."""
    one = _facts(get_company(session, actor, company_id))
    found = [s for other in _visible(session, actor) if other.id != one.id and (s := _compare(one, other))]
    return sorted(found, key=lambda s: -s.score)[:limit]


def company_duplicates(session: Session, actor: Actor, limit: int = 200) -> list[Suggestion]:
    """Likely duplicate pairs in the whole base the actor sees, best first."""
    require(actor, "sales:read")
    blocks: dict[tuple[str, str], dict[int, Facts]] = defaultdict(dict)
    for facts in _visible(session, actor):
        if facts.phone:
            blocks[("phone", facts.phone)][facts.id] = facts
        if facts.site:
            blocks[("site", facts.site)][facts.id] = facts
        for word in facts.key.split()[:2]:  # a name's leading words, in its city and in the city-less block
            blocks[("name", f"{facts.city or ''}|{word[:4]}")][facts.id] = facts
            if facts.city:
                blocks[("name", f"|{word[:4]}")][facts.id] = facts
    pairs: dict[tuple[int, int], Suggestion] = {}
    for members in blocks.values():
        if len(members) > 500:  # a block this wide is a common word, not a name: skip it
            continue
        for a, b in combinations(members.values(), 2):
            key = tuple(sorted((a.id, b.id)))
            if key not in pairs and (s := _compare(a, b)):
                pairs[(s.left, s.right)] = s
    return sorted(pairs.values(), key=lambda s: (-s.score, s.left))[:limit]
